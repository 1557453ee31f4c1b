package io.weir.tools;

import io.weir.engine.counters.CountersDirectory;
import io.weir.tools.cli.WeirCli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code weir stat} in this JVM shows the counters of a job running in a child JVM. */
class StatProcessTest
{
    private static final Pattern EVENTS_IN = Pattern.compile("(?m)^\\s*\\d+:\\s+([\\d,]+) - shard \\d+: events in$");

    @TempDir
    Path dir;

    private String[] stat(final Path counters) throws Exception
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int exit = WeirCli.run(new String[]{"stat", "--once", counters.toString()},
            new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new String[]{Integer.toString(exit), out.toString(StandardCharsets.UTF_8),
            err.toString(StandardCharsets.UTF_8)};
    }

    private static long eventsIn(final String output)
    {
        final Matcher matcher = EVENTS_IN.matcher(output);
        long total = 0;
        while (matcher.find())
        {
            total += Long.parseLong(matcher.group(1).replace(",", ""));
        }
        return total;
    }

    @Test
    @Timeout(120)
    void shouldShowTheCountersOfAJobRunningInAnotherProcess() throws Exception
    {
        final Path input = dir.resolve("input.csv");
        final List<String> lines = new ArrayList<>();
        for (int i = 0; i < 100_000; i++)
        {
            lines.add((1_700_000_000_000L + i) + "," + (i % 50) + "," + (i % 100) + "," + i);
        }
        Files.write(input, lines);
        final Path counters = dir.resolve("counters");
        final Process child = ChildJvm.start(dir.resolve("child.log"),
            List.of("-D" + CountersDirectory.DIR_PROP_NAME + "=" + counters),
            List.of("job", "rolling-sum", "--in", input.toString(), "--out", dir.resolve("out.csv").toString(),
                "--backend", "heap", "--shards", "2", "--source-rate", "2000"));
        try
        {
            final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            String[] result = {"", "", ""};
            while (eventsIn(result[1]) == 0)
            {
                assertTrue(child.isAlive(), "the job ended early: " + Files.readString(dir.resolve("child.log")));
                assertTrue(System.nanoTime() - deadlineNs < 0, "weir stat never showed events in: " + result[1] +
                    result[2]);
                Thread.sleep(100);
                result = Files.isDirectory(counters) ? stat(counters) : result;
            }
            assertEquals("0", result[0], result[2]);
            assertEquals("", result[2]);
            final String out = result[1];
            assertTrue(out.contains(": 1 running job"), out);
            assertTrue(out.contains("job 'rolling-sum' pid " + child.pid() + ", started "), out);
            assertTrue(out.contains(" - shard 1: events out (main and side outputs)"), out);
            assertTrue(out.contains(" - producer 0 -> shard 1: ring bytes used"), out);
            assertTrue(out.contains(" - checkpoints completed"), out);
        }
        finally
        {
            child.destroyForcibly().waitFor();
        }

        final String[] afterKill = stat(counters);
        assertEquals("0", afterKill[0], afterKill[2]);
        assertTrue(afterKill[1].contains("(pid " + child.pid() + " is not running)"), afterKill[1]);
        assertTrue(afterKill[1].contains(": no running jobs"), afterKill[1]);
        try (var files = Files.list(counters))
        {
            assertEquals(0, files.count(), "the killed job's file was removed");
        }
    }
}
