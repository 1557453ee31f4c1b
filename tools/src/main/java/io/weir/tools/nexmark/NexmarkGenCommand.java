package io.weir.tools.nexmark;

import io.weir.tools.common.Conventions;
import io.weir.tools.nexmark.queries.NexmarkEvent;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code weir nexmark gen --events N [--seed S] [--event-rate R] --out FILE}: writes events {@code 0 .. N-1} as
 * CSV (docs/nexmark.md, section 2). The file appears whole or not at all (written beside it, then renamed).
 */
@Command(
    name = "gen",
    customSynopsis = "weir nexmark gen --events N [--seed S] [--event-rate R] --out FILE",
    header = "write the event stream as CSV",
    description = "Writes the Nexmark event stream (persons, auctions, bids) as CSV, one event per line.",
    sortOptions = false)
public final class NexmarkGenCommand implements Callable<Integer>
{
    @Spec
    private CommandSpec spec;

    @Option(names = "--events", required = true, paramLabel = "N", description = "number of events (required)")
    private long events;

    @Option(names = "--seed", paramLabel = "S", description = "any 64-bit integer (default ${DEFAULT-VALUE})")
    private long seed = NexmarkGenerator.DEFAULT_SEED;

    @Option(names = "--event-rate", paramLabel = "R",
        description = "events per second of event time, >= 1 (default ${DEFAULT-VALUE})")
    private long rate = NexmarkGenerator.DEFAULT_EVENT_RATE;

    @Option(names = "--out", required = true, paramLabel = "FILE",
        description = "the CSV file to write (replaced whole on success)")
    private Path target;

    private final PrintStream out;

    NexmarkGenCommand(final PrintStream out, final PrintStream err)
    {
        this.out = out;
    }

    @Override
    public Integer call()
    {
        Conventions.range(spec, "--events", events, 0, Long.MAX_VALUE);
        Conventions.range(spec, "--event-rate", rate, 1, Long.MAX_VALUE);
        final NexmarkGenerator generator = new NexmarkGenerator(seed, rate);
        write(generator, events, target);
        out.printf(Locale.ROOT, "weir nexmark gen: %,d events (seed %d, %d events/s of event time) written to %s%n",
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
