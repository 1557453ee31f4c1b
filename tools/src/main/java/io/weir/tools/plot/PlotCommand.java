package io.weir.tools.plot;

import io.weir.tools.common.Conventions;
import io.weir.tools.common.UsageException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code weir plot}: overlay latency runs (interval logs and percentile distributions) in one SVG. */
@Command(
    name = "plot",
    customSynopsis = "weir plot FILE... -o OUT.svg [OPTIONS]",
    header = "latency plots of .hlog/.hgrm files, several runs overlaid",
    description = {
        "Overlays latency runs in one self-contained SVG: each run's percentile distribution (log scale of",
        "1/(1-p), 0%% to 99.999%%), and for interval logs latency over time (p50, p99, max per interval) with",
        "checkpoint completions marked.",
        "",
        "FILE is an HdrHistogram interval log (.hlog, as 'weir bench --hlog' writes it; values in nanoseconds) or",
        "a percentile distribution (.hgrm, HdrHistogram's outputPercentileDistribution, plain or CSV). The kind is",
        "read from the file's first line."},
    sortOptions = false)
public final class PlotCommand implements Callable<Integer>
{
    private static final Map<String, Double> UNITS_NS = Map.of("ns", 1.0, "us", 1e3, "ms", 1e6, "s", 1e9);

    @Spec
    private CommandSpec spec;

    @Parameters(arity = "0..*", paramLabel = "FILE...", hideParamSyntax = true,
        description = "an .hlog or .hgrm file")
    private List<Path> files = List.of();

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "FILE", description = "where the SVG goes (required)")
    private Path output;

    @Option(names = "--title", paramLabel = "TEXT", description = "the plot's heading (default: the file names)")
    private String title;

    @Option(names = "--labels", paramLabel = "A,B,...",
        description = "legend labels, one per FILE in order (default: the file names)")
    private String labelList;

    @Option(names = "--hgrm-unit", paramLabel = "U", description =
        "unit of the values in .hgrm files: ns | us | ms | s (default us, what 'weir bench --hgrm' " +
        "writes; use ns for a nanosecond histogram written unscaled)")
    private String hgrmUnit = "us";

    private final PrintStream out;
    private final PrintStream err;

    PlotCommand(final PrintStream out, final PrintStream err)
    {
        this.out = out;
        this.err = err;
    }

    @Override
    public Integer call()
    {
        if (files.isEmpty())
        {
            throw new UsageException("weir plot: expected one or more .hlog or .hgrm files (see 'weir plot --help')");
        }
        final double hgrmUnitNs = UNITS_NS.get(Conventions.choice(spec, "--hgrm-unit", hgrmUnit,
            List.of("ns", "us", "ms", "s")));
        final List<String> labels = labels(files, labelList);
        final String title = this.title != null ? this.title : "Latency: " + String.join(", ", labels);
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
