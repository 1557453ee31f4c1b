package io.weir.tools.plot;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a percentile distribution as HdrHistogram's {@code outputPercentileDistribution} writes it, in its
 * plain form (a {@code Value Percentile TotalCount 1/(1-Percentile)} header, rows, {@code #[Mean ...]},
 * {@code #[Max = ..., Total count = ...]} footers) or its CSV form. The file does not say its unit: values are
 * whatever the writer divided the recorded values by. {@code weir bench --hgrm} writes microseconds; a histogram
 * recorded in microseconds and written unscaled is microseconds too.
 */
public final class HgrmFile
{
    private static final Pattern WHITESPACE_OR_COMMA = Pattern.compile("[\\s,]+");
    private static final Pattern MAX_FOOTER = Pattern.compile(
        "^#\\[Max\\s*=\\s*([0-9.eE+-]+),\\s*Total count\\s*=\\s*(\\d+)\\]\\s*$");

    private HgrmFile()
    {
    }

    /**
     * @param file   the distribution to read.
     * @param unitNs nanoseconds per value in the file: 1,000 for microseconds.
     * @throws PlotInputException naming the file and line if the file is missing or not a percentile distribution.
     */
    public static PercentileCurve read(final Path file, final double unitNs)
    {
        double[] percentiles = new double[128];
        double[] values = new double[128];
        int count = 0;
        long totalCount = 0;
        double maxNs = 0;
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8))
        {
            int lineNumber = 0;
            String line;
            while ((line = reader.readLine()) != null)
            {
                lineNumber++;
                final String trimmed = line.strip();
                if (trimmed.isEmpty() || trimmed.startsWith("Value") || trimmed.startsWith("\"Value\""))
                {
                    continue;
                }
                if (trimmed.startsWith("#"))
                {
                    final Matcher max = MAX_FOOTER.matcher(trimmed);
                    if (max.matches())
                    {
                        maxNs = number(max.group(1), file, lineNumber, trimmed) * unitNs;
                        totalCount = Long.parseLong(max.group(2));
                    }
                    continue;
                }
                final String[] fields = WHITESPACE_OR_COMMA.split(trimmed);
                if (fields.length < 3 || fields.length > 4)
                {
                    throw new PlotInputException(file + ":" + lineNumber +
                        ": expected 'value percentile total-count [1/(1-percentile)]', got '" + trimmed + "'");
                }
                final double value = number(fields[0], file, lineNumber, trimmed);
                final double percentile = number(fields[1], file, lineNumber, trimmed);
                if (value < 0 || percentile < 0 || percentile > 1)
                {
                    throw new PlotInputException(file + ":" + lineNumber +
                        ": value must be >= 0 and percentile in 0..1, got '" + trimmed + "'");
                }
                if (count > 0 && (percentile < percentiles[count - 1] || value * unitNs < values[count - 1]))
                {
                    throw new PlotInputException(file + ":" + lineNumber +
                        ": rows must ascend in value and percentile, got '" + trimmed + "' after a higher row");
                }
                if (count == percentiles.length)
                {
                    percentiles = Arrays.copyOf(percentiles, count * 2);
                    values = Arrays.copyOf(values, count * 2);
                }
                percentiles[count] = percentile;
                values[count] = value * unitNs;
                totalCount = Math.max(totalCount, (long)number(fields[2], file, lineNumber, trimmed));
                count++;
            }
        }
        catch (final NoSuchFileException ex)
        {
            throw new PlotInputException(file + ": no such file");
        }
        catch (final IOException ex)
        {
            throw new PlotInputException(file + ": cannot read: " + ex.getMessage(), ex);
        }
        if (count == 0)
        {
            throw new PlotInputException(file + ": no percentile rows; expected the output of HdrHistogram's " +
                "outputPercentileDistribution ('value percentile total-count 1/(1-percentile)' rows)");
        }
        return new PercentileCurve(Arrays.copyOf(percentiles, count), Arrays.copyOf(values, count), totalCount,
            Math.max(maxNs, values[count - 1]));
    }

    private static double number(final String text, final Path file, final int lineNumber, final String line)
    {
        try
        {
            final double value = Double.parseDouble(text);
            if (Double.isNaN(value))
            {
                throw new NumberFormatException();
            }
            return value;
        }
        catch (final NumberFormatException ex)
        {
            throw new PlotInputException(file + ":" + lineNumber + ": '" + text + "' is not a number, in '" +
                line + "'");
        }
    }
}
