package io.weir.tools.cli;

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
    }

    @Test
    void shouldPrintHelpOnStdoutForEveryCommandAndSubcommand()
    {
        final List<List<String>> commands = List.of(List.of(), List.of("job"), List.of("bench"), List.of("demo"),
            List.of("snapshot"), List.of("snapshot", "list"), List.of("snapshot", "show"),
            List.of("snapshot", "verify"), List.of("snapshot", "dump"), List.of("snapshot", "diff"));
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
    }
}
