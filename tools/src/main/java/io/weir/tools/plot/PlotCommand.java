package io.weir.tools.plot;

import io.weir.tools.cli.Options;
import io.weir.tools.cli.UsageException;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code weir plot}: overlay latency runs (interval logs and percentile distributions) in one SVG. */
public final class PlotCommand
{
    static final String USAGE = String.join("\n",
        "Usage: weir plot FILE... -o OUT.svg [OPTIONS]",
        "",
        "Overlays latency runs in one self-contained SVG: each run's percentile distribution (log scale of",
        "1/(1-p), 0% to 99.999%), and for interval logs latency over time (p50, p99, max per interval) with",
        "checkpoint completions marked.",
        "",
        "FILE is an HdrHistogram interval log (.hlog, as 'weir bench --hlog' writes it; values in nanoseconds) or",
        "a percentile distribution (.hgrm, HdrHistogram's outputPercentileDistribution, plain or CSV). The kind is",
        "read from the file's first line.",
        "",
        "  -o, --out FILE       where the SVG goes (required)",
        "  --title TEXT         the plot's heading (default: the file names)",
        "  --labels A,B,...     legend labels, one per FILE in order (default: the file names)",
        "  --hgrm-unit U        unit of the values in .hgrm files: ns | us | ms | s (default us, what",
        "                       'weir bench --hgrm' writes; use ns for a nanosecond histogram written unscaled)",
        "  -h, --help           this text",
        "");

    private static final Map<String, Double> UNITS_NS = Map.of("ns", 1.0, "us", 1e3, "ms", 1e6, "s", 1e9);

    private PlotCommand()
    {
    }

    public static int run(final String[] args, final PrintStream out, final PrintStream err) throws IOException
    {
        final String[] longArgs = Arrays.stream(args)
            .map(arg -> arg.equals("-o") ? "--out" : arg.equals("-h") ? "--help" : arg)
            .toArray(String[]::new);
        final Options options = Options.parse("weir plot", longArgs, 0, Set.of("out", "title", "labels", "hgrm-unit"),
            Set.of("help"));
        if (options.flag("help"))
        {
            out.print(USAGE);
            return 0;
        }
        if (options.positional().isEmpty())
        {
            throw new UsageException("weir plot: expected one or more .hlog or .hgrm files (see 'weir plot --help')");
        }
        final Path output = options.path("out");
        final double hgrmUnitNs = UNITS_NS.get(options.choice("hgrm-unit", "us", List.of("ns", "us", "ms", "s")));
        final List<Path> files = options.positional().stream().map(Path::of).toList();
        final List<String> labels = labels(files, options.string("labels", null));
        final String title = options.string("title", "Latency: " + String.join(", ", labels));
        try
        {
            final List<SvgLatencyPlot.Series> series = new ArrayList<>();
            for (int i = 0; i < files.size(); i++)
            {
                series.add(read(files.get(i), labels.get(i), hgrmUnitNs));
            }
            write(output, SvgLatencyPlot.render(title, series));
        }
        catch (final PlotInputException ex)
        {
            err.println("weir plot: " + ex.getMessage());
            return 1;
        }
        out.println("weir plot: wrote " + output + " (" + files.size() + " series)");
        return 0;
    }

    /** Read {@code file} as an interval log or a percentile distribution, whichever its first line says. */
    public static SvgLatencyPlot.Series read(final Path file, final String label, final double hgrmUnitNs)
    {
        if (isIntervalLog(file))
        {
            final IntervalLog log = IntervalLog.read(file);
            return new SvgLatencyPlot.Series(label, log.curve(), log);
        }
        return new SvgLatencyPlot.Series(label, HgrmFile.read(file, hgrmUnitNs), null);
    }

    /** Write {@code svg} to {@code file} as UTF-8; a failure names the file. */
    public static void write(final Path file, final String svg)
    {
        try
        {
            Files.writeString(file, svg, StandardCharsets.UTF_8);
        }
        catch (final IOException ex)
        {
            throw new PlotInputException(file + ": cannot write: " + ex, ex);
        }
    }

    /**
     * An interval log starts with a comment ({@code #[...]}), its legend or an interval line; a percentile
     * distribution starts with its {@code Value} header or a row of numbers separated by spaces.
     */
    static boolean isIntervalLog(final Path file)
    {
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8))
        {
            String line;
            while ((line = reader.readLine()) != null)
            {
                final String trimmed = line.strip();
                if (!trimmed.isEmpty())
                {
                    return trimmed.startsWith("#") || trimmed.startsWith("\"StartTimestamp\"") ||
                        trimmed.startsWith("Tag=") || trimmed.matches("[0-9.]+,[0-9.]+,[0-9.]+,\\S+");
                }
            }
            throw new PlotInputException(file + ": empty file");
        }
        catch (final NoSuchFileException ex)
        {
            throw new PlotInputException(file + ": no such file");
        }
        catch (final IOException ex)
        {
            throw new PlotInputException(file + ": cannot read: " + ex, ex);
        }
    }

    private static List<String> labels(final List<Path> files, final String given)
    {
        if (given != null)
        {
            final List<String> labels = List.of(given.split(",", -1));
            if (labels.size() != files.size())
            {
                throw new UsageException("weir plot: --labels has " + labels.size() + " label(s) for " +
                    files.size() + " file(s)");
            }
            return labels;
        }
        final List<String> names = files.stream().map(f -> f.getFileName().toString()).toList();
        final boolean unique = names.stream().distinct().count() == names.size();
        return unique ? names : files.stream().map(Path::toString).toList();
    }
}
