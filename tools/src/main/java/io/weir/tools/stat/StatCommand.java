package io.weir.tools.stat;

import io.weir.engine.counters.CounterType;
import io.weir.engine.counters.CountersDirectory;
import io.weir.engine.counters.CountersFile;
import io.weir.tools.common.UsageException;
import org.agrona.DirectBuffer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code weir stat [DIR] [--once]}: lists the Weir jobs running on this machine and prints their counters, read
 * from the files they publish in the counters directory, as AeronStat does for Aeron's. Refreshes every second
 * until interrupted, or prints once. Files left by processes that are gone are reported and removed.
 */
@Command(
    name = "stat",
    customSynopsis = "weir stat [DIR] [--once]",
    header = "counters of the jobs running on this machine, every second",
    description = {
        "Lists the Weir jobs running on this machine and prints their counters, every second until Ctrl-C.",
        "Each running job (weir job, weir bench, or an application embedding Weir) publishes its counters in a",
        "file in the counters directory, removed when the job closes; files of processes that are gone are",
        "reported and removed. The same values are MBeans io.weir:type=Job,name=... for JConsole."},
    sortOptions = false)
public final class StatCommand implements Callable<Integer>
{
    private static final long REFRESH_INTERVAL_MS = 1000;
    private static final String CLEAR_SCREEN = "\u001b[H\u001b[2J";
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT);

    @Parameters(arity = "0..*", paramLabel = "DIR", hideParamSyntax = true, description = "the counters directory (default: -D" +
        CountersDirectory.DIR_PROP_NAME + ", else " + CountersDirectory.DEFAULT_DIR_NAME + " in java.io.tmpdir)")
    private List<Path> dirs = List.of();

    @Option(names = "--once", description = "print once and exit")
    private boolean once;

    /** How many times the counters are printed at most, if not {@code --once}. */
    long maxRefreshes = Long.MAX_VALUE;

    private final PrintStream out;
    private final PrintStream err;

    StatCommand(final PrintStream out, final PrintStream err)
    {
        this.out = out;
        this.err = err;
    }

    /**
     * Runs the command.
     *
     * @return 0, or 1 when the directory does not exist (message on {@code err}).
     * @throws UsageException for a malformed command line (exit 2).
     */
    @Override
    public Integer call() throws IOException, InterruptedException
    {
        if (dirs.size() > 1)
        {
            throw new UsageException("weir stat: expected at most one directory, got '" + dirs.get(0) + "' and '" +
                dirs.get(1) + "'");
        }
        final Path dir = dirs.isEmpty() ? CountersDirectory.defaultDirectory() : dirs.get(0);
        final boolean clear = !once && null != System.console();
        for (long refresh = 0; refresh < maxRefreshes; refresh++)
        {
            if (!Files.isDirectory(dir))
            {
                err.println("weir stat: " + dir + (Files.exists(dir) ? " is not a directory" :
                    " does not exist: no job has published counters there (a job publishes them in -D" +
                    CountersDirectory.DIR_PROP_NAME + " or WeirContext.countersDirectory)"));
                return 1;
            }
            if (clear)
            {
                out.print(CLEAR_SCREEN);
            }
            print(dir, out);
            out.flush();
            if (once)
            {
                break;
            }
            Thread.sleep(REFRESH_INTERVAL_MS);
        }
        return 0;
    }

    private static void print(final Path dir, final PrintStream out) throws IOException
    {
        final CountersDirectory.Scan scan = CountersDirectory.scan(dir);
        try
        {
            for (final CountersDirectory.Stale stale : CountersDirectory.removeStale(scan))
            {
                out.println("removed stale counters file " + stale.path() + " (pid " + stale.pid() +
                    " is not running)");
            }
            for (final String unreadable : scan.unreadable())
            {
                out.println("skipped " + unreadable);
            }
            final int jobs = scan.running().size();
            out.println(LocalDateTime.now(ZoneId.systemDefault()).format(TIME) + " - " + dir + ": " +
                (jobs == 0 ? "no running jobs" : jobs + (jobs == 1 ? " running job" : " running jobs")));
            for (final CountersFile file : scan.running())
            {
                printJob(file, out);
            }
        }
        finally
        {
            CountersDirectory.close(scan);
        }
    }

    private static void printJob(final CountersFile file, final PrintStream out)
    {
        final Duration up = Duration.between(Instant.ofEpochMilli(file.startTimeMs()), Instant.now());
        out.println();
        out.println("job '" + file.jobName() + "' pid " + file.pid() + ", started " +
            LocalDateTime.ofInstant(Instant.ofEpochMilli(file.startTimeMs()), ZoneId.systemDefault()).format(TIME) +
            String.format(Locale.ROOT,
                " (up %d:%02d:%02d)", up.toHours(), up.toMinutesPart(), up.toSecondsPart()) + ", " +
            file.path());
        file.reader().forEach((final int counterId, final int typeId, final DirectBuffer key, final String label) ->
            out.println(String.format(Locale.ROOT, "%5d: %20s - %s",
                counterId, format(typeId, file.reader().getCounterValue(counterId)), label)));
    }

    private static String format(final int typeId, final long value)
    {
        if (CounterType.of(typeId) == CounterType.SHARD_WATERMARK)
        {
            if (value == Long.MIN_VALUE)
            {
                return "none";
            }
            if (value == Long.MAX_VALUE)
            {
                return "end of input";
            }
        }
        return String.format(Locale.ROOT, "%,d", value);
    }
}
