package io.weir.tools.bench;

import io.weir.tools.common.Options;
import io.weir.tools.common.UsageException;
import io.weir.tools.plot.IntervalLog;
import io.weir.tools.plot.IntervalLogWriter;
import io.weir.tools.plot.PlotCommand;
import io.weir.tools.plot.SvgLatencyPlot;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code --hlog} and {@code --plot} of {@code weir bench}: the interval log the progress reporter writes (to a
 * temporary file when only a plot is asked for) and the SVG drawn from it after the run. Main thread only, except
 * that the log it opens is written by the progress reporter until that has stopped.
 */
final class BenchPlot
{
    private final Path hlogFile;
    private final Path svgFile;
    private final boolean temporaryLog;
    private final String title;
    private final String label;
    private IntervalLogWriter writer;

    BenchPlot(final Options options, final String title, final String label)
    {
        this.svgFile = options.flag("plot") ? options.path("plot") : null;
        this.temporaryLog = svgFile != null && !options.flag("hlog");
        this.hlogFile = options.flag("hlog") ? options.path("hlog") : null;
        this.title = title;
        this.label = label;
        checkDirectory("hlog", hlogFile);
        checkDirectory("plot", svgFile);
    }

    /** Before the run, so that a mistyped path does not cost a whole run. */
    private static void checkDirectory(final String option, final Path file)
    {
        final Path parent = file == null ? null : file.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent))
        {
            throw new UsageException("weir bench: --" + option + " " + file + ": directory " + parent +
                " does not exist");
        }
    }

    /** The log to write intervals to, or null if neither a log nor a plot was asked for. */
    IntervalLogWriter openLog() throws IOException
    {
        if (hlogFile == null && svgFile == null)
        {
            return null;
        }
        final Path file = temporaryLog ? temporaryFile() : hlogFile;
        writer = new IntervalLogWriter(file, title);
        return writer;
    }

    /** After the progress reporter has stopped. */
    void closeLog() throws IOException
    {
        if (writer != null)
        {
            writer.close();
        }
    }

    /** Draw the plot, if asked for, and say where the files are. */
    void write(final PrintStream out) throws IOException
    {
        if (hlogFile != null)
        {
            out.println("interval log:       " + hlogFile + " (nanoseconds, one interval per second)");
        }
        if (svgFile == null || writer == null)
        {
            return;
        }
        try
        {
            final IntervalLog log = IntervalLog.read(writer.file());
            PlotCommand.write(svgFile, SvgLatencyPlot.render(title,
                List.of(new SvgLatencyPlot.Series(label, log.curve(), log))));
        }
        finally
        {
            if (temporaryLog)
            {
                Files.deleteIfExists(writer.file());
            }
        }
        out.println("plot:               " + svgFile);
    }

    private static Path temporaryFile() throws IOException
    {
        final Path file = Files.createTempFile("weir-bench-", ".hlog");
        file.toFile().deleteOnExit();
        return file;
    }
}
