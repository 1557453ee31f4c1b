package io.weir.tools.plot;

import org.HdrHistogram.EncodableHistogram;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogReader;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An HdrHistogram interval log ({@code .hlog}, as {@code HistogramLogWriter} writes it) read whole: per interval
 * its time and p50, p99 and max, the merged distribution, and the checkpoint markers {@link IntervalLogWriter}
 * puts in comments. Recorded values are nanoseconds, as HdrHistogram's log tools assume.
 * <p>
 * A marker is a comment line {@code #[Checkpoint: 12.345 s, id 3, delta, ...]}: seconds since the log's
 * {@code StartTime}, then the checkpoint id, then free text. Interval times are also seconds since
 * {@code StartTime} (or since the first interval when the log has none).
 */
public final class IntervalLog
{
    static final String MARKER_PREFIX = "#[Checkpoint: ";
    private static final Pattern MARKER = Pattern.compile("^#\\[Checkpoint: ([0-9.]+) s, id (\\d+)(.*)\\]$");
    private static final Pattern TIME_COMMENT = Pattern.compile("^#\\[(StartTime|BaseTime): ([0-9.]+)\\b.*");

    /** One interval: start and length in seconds since the log's start, latency figures in nanoseconds. */
    public record Interval(double startSec, double lengthSec, long count, double p50Ns, double p99Ns, double maxNs)
    {
    }

    /**
     * A checkpoint completing.
     *
     * @param timeSec seconds since the log's start.
     * @param text    what the log says besides time and id, e.g. "delta, max pause 45.1 us".
     */
    public record Marker(double timeSec, long checkpointId, String text)
    {
    }

    private final List<Interval> intervals;
    private final List<Marker> markers;
    private final Histogram merged;

    private IntervalLog(final List<Interval> intervals, final List<Marker> markers, final Histogram merged)
    {
        this.intervals = intervals;
        this.markers = markers;
        this.merged = merged;
    }

    public List<Interval> intervals()
    {
        return intervals;
    }

    public List<Marker> markers()
    {
        return markers;
    }

    /** All intervals added together. */
    public Histogram merged()
    {
        return merged;
    }

    /** The distribution of all intervals together. */
    public PercentileCurve curve()
    {
        return PercentileCurve.of(merged);
    }

    /**
     * @throws PlotInputException naming the file and line if the file is missing or a line is not part of an
     *                            interval log.
     */
    public static IntervalLog read(final Path file)
    {
        final List<Interval> intervals = new ArrayList<>();
        final List<Marker> markers = new ArrayList<>();
        final Histogram merged = new Histogram(3);
        double startTimeSec = Double.NaN;
        double baseTimeSec = Double.NaN;
        double firstTimestampSec = Double.NaN;
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8))
        {
            int lineNumber = 0;
            String line;
            while ((line = reader.readLine()) != null)
            {
                lineNumber++;
                final String trimmed = line.strip();
                if (trimmed.isEmpty() || trimmed.startsWith("\"StartTimestamp\""))
                {
                    continue;
                }
                if (trimmed.startsWith("#"))
                {
                    final Matcher time = TIME_COMMENT.matcher(trimmed);
                    final Matcher marker = MARKER.matcher(trimmed);
                    if (time.matches())
                    {
                        final double seconds = Double.parseDouble(time.group(2));
                        if (time.group(1).equals("StartTime"))
                        {
                            startTimeSec = seconds;
                        }
                        else
                        {
                            baseTimeSec = seconds;
                        }
                    }
                    else if (marker.matches())
                    {
                        markers.add(new Marker(Double.parseDouble(marker.group(1)), Long.parseLong(marker.group(2)),
                            marker.group(3).replaceFirst("^,\\s*", "").strip()));
                    }
                    else if (trimmed.startsWith(MARKER_PREFIX))
                    {
                        throw new PlotInputException(file + ":" + lineNumber + ": expected '" + MARKER_PREFIX +
                            "SECONDS s, id ID, ...]', got '" + trimmed + "'");
                    }
                    continue;
                }
                final Histogram histogram = decode(trimmed, file, lineNumber);
                final double timestampSec = timestampSec(trimmed);
                if (Double.isNaN(firstTimestampSec))
                {
                    firstTimestampSec = timestampSec;
                }
                // As HistogramLogReader: timestamps are relative to BaseTime if given, else absolute when they
                // lie past StartTime, else relative to StartTime.
                final double absoluteSec = !Double.isNaN(baseTimeSec) ? timestampSec + baseTimeSec :
                    !Double.isNaN(startTimeSec) && firstTimestampSec < startTimeSec ? timestampSec + startTimeSec :
                    timestampSec;
                final double originSec = !Double.isNaN(startTimeSec) ? startTimeSec :
                    !Double.isNaN(baseTimeSec) ? baseTimeSec + firstTimestampSec : firstTimestampSec;
                final double lengthSec = (histogram.getEndTimeStamp() - histogram.getStartTimeStamp()) / 1000.0;
                final long count = histogram.getTotalCount();
                intervals.add(new Interval(absoluteSec - originSec, lengthSec, count,
                    count == 0 ? 0 : histogram.getValueAtPercentile(50),
                    count == 0 ? 0 : histogram.getValueAtPercentile(99),
                    count == 0 ? 0 : histogram.highestEquivalentValue(histogram.getMaxValue())));
                merged.add(histogram);
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
        if (intervals.isEmpty())
        {
            throw new PlotInputException(file + ": no interval lines; expected an HdrHistogram interval log " +
                "('start,length,max,histogram' lines, as HistogramLogWriter writes them)");
        }
        return new IntervalLog(intervals, markers, merged);
    }

    /** Decode one interval line through HdrHistogram's own reader, which reports a bad line only as null. */
    private static Histogram decode(final String line, final Path file, final int lineNumber)
    {
        final EncodableHistogram decoded;
        try (HistogramLogReader reader = new HistogramLogReader(
            new ByteArrayInputStream((line + "\n").getBytes(StandardCharsets.US_ASCII))))
        {
            decoded = reader.nextIntervalHistogram();
        }
        catch (final RuntimeException ex)
        {
            throw new PlotInputException(file + ":" + lineNumber + ": not an interval line (" + ex + "): '" +
                abbreviate(line) + "'", ex);
        }
        if (decoded == null)
        {
            throw new PlotInputException(file + ":" + lineNumber +
                ": expected 'start,length,max,base64-histogram', got '" + abbreviate(line) + "'");
        }
        if (!(decoded instanceof Histogram))
        {
            throw new PlotInputException(file + ":" + lineNumber + ": holds a " + decoded.getClass().getSimpleName() +
                "; only integer-valued histograms (Histogram) are supported");
        }
        return (Histogram)decoded;
    }

    private static double timestampSec(final String line)
    {
        final String[] fields = line.split(",", 3);
        return Double.parseDouble(fields[0].startsWith("Tag=") ? fields[1] : fields[0]);
    }

    private static String abbreviate(final String line)
    {
        return line.length() <= 60 ? line : line.substring(0, 57) + "...";
    }
}
