package io.weir.tools.cli;

import io.weir.tools.common.Options;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What every command does alike: --version, -h and --help, '--', help on stdout and errors on stderr. */
@Timeout(60)
class CliConventionsTest
{
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(final String... args)
    {
        out.reset();
        err.reset();
        return WeirCli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out()
    {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err()
    {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void shouldPrintTheVersion()
    {
        assertEquals(0, run("--version"));
        assertTrue(out().matches("weir \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?\\n"), out());
        assertEquals("", err());
        final String version = out();
        assertEquals(0, run("-V"));
        assertEquals(version, out());
    }

    @Test
    void shouldPrintHelpOnStdoutForEveryCommandAndSubcommand()
    {
        final List<List<String>> commands = List.of(List.of(), List.of("job"), List.of("bench"), List.of("demo"),
            List.of("snapshot"), List.of("snapshot", "list"), List.of("snapshot", "show"),
            List.of("snapshot", "verify"), List.of("snapshot", "dump"), List.of("snapshot", "diff"), List.of("stat"),
            List.of("plot"), List.of("nexmark"), List.of("nexmark", "gen"));
        for (final List<String> command : commands)
        {
            for (final String help : List.of("-h", "--help"))
            {
                final List<String> args = new java.util.ArrayList<>(command);
                args.add(help);
                assertEquals(0, run(args.toArray(String[]::new)), args + ": " + err());
                assertTrue(out().contains("Usage") || out().contains("usage"), args + ": " + out());
                assertEquals("", err(), args.toString());
            }
        }
    }

    @Test
    void shouldPrintACommandsHelpForHelpCommand()
    {
        assertEquals(0, run("job", "--help"));
        final String help = out();
        assertEquals(0, run("help", "job"));
        assertEquals(help, out());
        assertTrue(help.startsWith("Usage: weir job NAME"), help);
        assertTrue(help.contains("--checkpoint-dir=DIR"), help);
    }

    @Test
    void shouldListEveryCommandWithItsArgumentsInTheTopLevelHelp()
    {
        assertEquals(0, run("--help"));
        for (final String line : List.of("  job NAME --in FILE --out FILE [OPTIONS]",
            "  snapshot list|show|verify|dump|diff", "  demo [OPTIONS]", "  bench [OPTIONS]", "  nexmark gen", "  stat [DIR] [--once]",
            "  plot FILE... -o OUT.svg [OPTIONS]", "  help [COMMAND]"))
        {
            assertTrue(out().contains(line), line + " in " + out());
        }
    }

    @Test
    void shouldNameTheCommandTheOptionAndTheValueInOneLine()
    {
        final String[][] cases = {
            {"weir job: missing required option --in", "job", "dedup", "--out", "o.csv"},
            {"weir job: option --out needs a value", "job", "dedup", "--in", "i.csv", "--out"},
            {"weir job: --max-parallelism must be in 1..32768, got 0", "job", "dedup", "--in", "i", "--out", "o",
                "--max-parallelism", "0"},
            {"weir job: unexpected argument 'extra' (see 'weir job --help')", "job", "dedup", "extra", "--in", "i",
                "--out", "o"},
            {"weir job: expected NAME (see 'weir job --help')", "job", "--in", "i", "--out", "o"},
            {"weir snapshot: unknown subcommand 'lst' (see 'weir snapshot --help')", "snapshot", "lst"},
            {"weir snapshot dump: --key-group must be an integer, got 'x'", "snapshot", "dump", "c", "--key-group",
                "x"},
            {"weir snapshot diff: expected CHECKPOINT_B (see 'weir snapshot diff --help')", "snapshot", "diff", "a"},
            {"weir nexmark: expected a subcommand (see 'weir nexmark --help')", "nexmark"},
            {"weir plot: unknown option --colour (see 'weir plot --help')", "plot", "a.hgrm", "-o", "a.svg",
                "--colour", "red"},
        };
        for (final String[] c : cases)
        {
            assertEquals(2, run(java.util.Arrays.copyOfRange(c, 1, c.length)), c[0]);
            assertEquals(c[0] + "\n", err());
            assertEquals("", out(), c[0]);
        }
    }

    @Test
    void shouldTakeIntegersWithUnderscoresAndTheLastOfARepeatedOption() throws Exception
    {
        final java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("weir-cli-");
        final java.nio.file.Path events = dir.resolve("events.csv");
        assertEquals(0, run("nexmark", "gen", "--events", "1", "--events=1_000", "--out", events.toString()), err());
        assertEquals(1000, java.nio.file.Files.readAllLines(events).size());
        java.nio.file.Files.delete(events);
        java.nio.file.Files.delete(dir);
    }

    @Test
    void shouldPreferHelpOverOtherErrorsOnTheLine()
    {
        assertEquals(0, run("job", "nope", "--colour", "red", "-h"));
        assertTrue(out().startsWith("Usage: weir job"), out());
        assertEquals("", err());
    }

    @Test
    void shouldPrintUsageOnStderrWithoutACommand()
    {
        assertEquals(2, run());
        assertEquals("", out());
        assertTrue(err().contains("Usage: weir COMMAND"), err());
    }

    @Test
    void shouldPrintUsageErrorsAsOneLineOnStderr()
    {
        assertEquals(2, run("bench", "--events"));
        assertEquals("", out());
        assertEquals("weir bench: option --events needs a value\n", err());
    }

    @Test
    void shouldTakeEverythingAfterDoubleDashAsPositional()
    {
        final Options options = Options.parse("t", new String[]{"a", "--x", "1", "--", "--y", "-h"}, 0,
            Set.of("x"), Set.of("help"));
        assertEquals(List.of("a", "--y", "-h"), options.positional());
        assertEquals("1", options.string("x", null));
        assertFalse(options.flag("help"));

        assertEquals(2, run("job", "--", "-h"));
        assertEquals("weir job: unknown job '-h'; jobs: rolling-sum, dedup, session, tumbling, velocity\n", err());
        assertEquals(2, run("bench", "--", "-h"));
        assertEquals("weir bench: unexpected argument -h\n", err());
        assertEquals(1, run("stat", "--once", "--", "--help"));
        assertTrue(err().startsWith("weir stat: --help does not exist"), err());
    }
}
