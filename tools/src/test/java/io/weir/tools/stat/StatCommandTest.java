package io.weir.tools.stat;

import io.weir.engine.counters.JobCounters;
import io.weir.tools.cli.WeirCli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(30)
class StatCommandTest
{
    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(final long refreshes, final String... args)
    {
        final CommandLine cli = WeirCli.commandLine(new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
        ((StatCommand)cli.getSubcommands().get("stat").getCommand()).maxRefreshes = refreshes;
        final String[] command = new String[args.length + 1];
        command[0] = "stat";
        System.arraycopy(args, 0, command, 1, args.length);
        return cli.execute(command);
    }

    private String out()
    {
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void shouldPrintEveryCounterOfEachJobWithWatermarksReadable() throws Exception
    {
        try (JobCounters counters = JobCounters.create(dir, "job-a", 1, 1, message -> { }))
        {
            counters.shard(0).onDutyCycle(0, 1234, Long.MIN_VALUE, 0);
            assertEquals(0, run(Long.MAX_VALUE, dir.toString(), "--once"));
        }
        final String printed = out();
        assertTrue(printed.contains(dir + ": 1 running job\n"), printed);
        assertTrue(printed.contains("job 'job-a' pid " + ProcessHandle.current().pid()), printed);
        assertTrue(printed.contains("                1,234 - shard 0: events in\n"), printed);
        assertTrue(printed.contains("                 none - shard 0: watermark (ms)\n"), printed);
        assertTrue(printed.contains("                    0 - restores\n"), printed);
        assertEquals("", err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void shouldPrintTheCountersOfEveryOperatorInstance() throws Exception
    {
        try (JobCounters counters = JobCounters.create(dir, "job-b", 2, 1, java.util.List.of("enrich", "score"),
            message -> { }))
        {
            counters.operators(1)[1].onDutyCycle(42, 7, 3);
            assertEquals(0, run(Long.MAX_VALUE, dir.toString(), "--once"));
        }
        final String printed = out();
        assertTrue(printed.contains("                   42 - operator 1 'score' shard 1: events processed\n"), printed);
        assertTrue(printed.contains("                    7 - operator 1 'score' shard 1: events emitted (main and " +
            "side outputs)\n"), printed);
        assertTrue(printed.contains("                    3 - operator 1 'score' shard 1: back-pressure (times a full " +
            "ring stopped its input)\n"), printed);
        assertTrue(printed.contains("                    0 - operator 0 'enrich' shard 0: events processed\n"),
            printed);
    }

    @Test
    void shouldRefreshUntilStopped() throws Exception
    {
        assertEquals(0, run(2, dir.toString()));
        assertEquals(2, out().split(": no running jobs\n", -1).length - 1, out());
    }

    @Test
    void shouldExplainAMissingDirectoryInOneLine() throws Exception
    {
        final Path missing = dir.resolve("missing");
        assertEquals(1, run(Long.MAX_VALUE, "--once", missing.toString()));
        assertEquals("weir stat: " + missing + " does not exist: no job has published counters there (a job " +
            "publishes them in -Dweir.counters.dir or WeirContext.countersDirectory)\n",
            err.toString(StandardCharsets.UTF_8));
        final Path file = Files.createFile(dir.resolve("file"));
        err.reset();
        assertEquals(1, run(Long.MAX_VALUE, "--once", file.toString()));
        assertEquals("weir stat: " + file + " is not a directory\n", err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void shouldPrintHelpAndRejectBadArguments() throws Exception
    {
        assertEquals(0, run(Long.MAX_VALUE, "-h"));
        assertTrue(out().startsWith("Usage: weir stat [DIR] [--once]\n"), out());
        assertEquals(2, run(1, "--twice"));
        assertEquals("weir stat: unknown option --twice (see 'weir stat --help')\n",
            err.toString(StandardCharsets.UTF_8));
        err.reset();
        assertEquals(2, run(1, "a", "b"));
        assertEquals("weir stat: expected at most one directory, got 'a' and 'b'\n",
            err.toString(StandardCharsets.UTF_8));
    }
}
