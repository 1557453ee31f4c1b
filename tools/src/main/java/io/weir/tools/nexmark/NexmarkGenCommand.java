package io.weir.tools.nexmark;

import io.weir.tools.cli.Options;
import io.weir.tools.cli.UsageException;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Set;

/**
 * {@code weir nexmark gen --events N [--seed S] [--event-rate R] --out FILE}: writes events {@code 0 .. N-1} as
 * CSV (docs/nexmark.md, section 2). The file appears whole or not at all (written beside it, then renamed).
 */
public final class NexmarkGenCommand
{
    static final String USAGE = String.join("\n",
        "Usage: weir nexmark gen --events N [--seed S] [--event-rate R] --out FILE",
        "",
        "Writes the Nexmark event stream (persons, auctions, bids) as CSV, one event per line.",
        "  --events N        number of events (required)",
        "  --seed S          any 64-bit integer (default 1)",
        "  --event-rate R    events per second of event time, >= 1 (default 100000)",
        "  --out FILE        the CSV file to write (replaced whole on success)",
        "");

    private NexmarkGenCommand()
    {
    }

    public static int run(final String[] args, final PrintStream out, final PrintStream err)
    {
        for (final String arg : args)
        {
            if (arg.equals("-h") || arg.equals("--help"))
            {
                out.print(USAGE);
                return 0;
            }
        }
        final Options options = Options.parse("weir nexmark gen", args, 0,
            Set.of("events", "seed", "event-rate", "out"), Set.of());
        options.checkPositional(0, "no positional arguments");
        options.required("events");
        final long events = options.longValue("events", 0, 0, Long.MAX_VALUE);
        final long rate = options.longValue("event-rate", NexmarkGenerator.DEFAULT_EVENT_RATE, 1, Long.MAX_VALUE);
        final NexmarkGenerator generator = new NexmarkGenerator(
            options.longValue("seed", NexmarkGenerator.DEFAULT_SEED, Long.MIN_VALUE, Long.MAX_VALUE), rate);
        final Path target = options.path("out");
        write(generator, events, target);
        out.printf("weir nexmark gen: %,d events (seed %d, %d events/s of event time) written to %s%n",
            events, generator.seed(), rate, target);
        return 0;
    }

    /** Write events {@code 0 .. count-1} to {@code target}, atomically. */
    public static void write(final NexmarkGenerator generator, final long count, final Path target)
    {
        final Path absolute = target.toAbsolutePath();
        final Path temp = absolute.resolveSibling("." + absolute.getFileName() + ".tmp");
        try
        {
            try (Writer writer = new BufferedWriter(
                Files.newBufferedWriter(temp, StandardCharsets.US_ASCII), 1 << 16))
            {
                final NexmarkEvent event = new NexmarkEvent();
                final StringBuilder line = new StringBuilder(256);
                for (long n = 0; n < count; n++)
                {
                    generator.generate(n, event);
                    line.setLength(0);
                    event.appendCsv(line);
                    line.append('\n');
                    writer.append(line);
                }
            }
            Files.move(temp, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        catch (final IOException ex)
        {
            try
            {
                Files.deleteIfExists(temp);
            }
            catch (final IOException cleanup)
            {
                ex.addSuppressed(cleanup);
            }
            throw new UncheckedIOException("cannot write " + target + ": " + ex.getMessage(), ex);
        }
    }
}
