package io.weir.tools.nexmark;

import io.weir.api.dataflow.Dataflow;
import io.weir.api.ThreadingMode;
import io.weir.engine.WeirContext;
import io.weir.tools.common.ThreadingOption;
import io.weir.engine.WeirJob;
import io.weir.engine.checkpoint.CheckpointSettings;
import io.weir.tools.common.Backends;
import io.weir.tools.common.Options;
import io.weir.tools.common.UsageException;
import io.weir.tools.nexmark.queries.NexmarkQueries;
import io.weir.tools.nexmark.queries.NexmarkQuery;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * {@code weir nexmark bench QUERY}: one query over events made on the fly by the generator, as fast as possible,
 * into a sink that discards the rows (docs/nexmark.md, section 5).
 */
final class NexmarkBenchCommand
{
    static final String USAGE = String.join("\n",
        "Usage: weir nexmark bench QUERY --events N [--shards N] [--backend chronicle|lmdb|heap]",
        "                          [--checkpoint-interval-ms M] [--seed S] [--event-rate R]",
        "                          [--threading dedicated|shared|invoker]",
        "",
        "Runs a Nexmark query (" + String.join(", ", NexmarkQueries.NAMES) + ") over N events made on the fly by",
        "the generator (default --seed 1 --event-rate 100000), into a sink that discards its rows, and prints",
        "  NEXMARK query= events= shards= backend= checkpoints= events_per_s= p50_ns= p99_ns= p9999_ns= threading=",
        "events_per_s = N / (time of the last row - time the first event was made). Latency of a row: from the",
        "moment the source made the event that made the row due (its own event, or the one whose watermark fired",
        "its window or timer) to the sink; rows due in the first tenth of the event time are not timed (warm-up),",
        "nor rows only the end of input flushes, nor q3's. With M > 0, checkpoints every M ms into a temporary",
        "directory.",
        "");

    private NexmarkBenchCommand()
    {
    }

    static int run(final String[] args, final PrintStream out) throws IOException, InterruptedException
    {
        for (final String arg : args)
        {
            if (arg.equals("-h") || arg.equals("--help"))
            {
                out.print(USAGE);
                return 0;
            }
        }
        final Options options = Options.parse("weir nexmark bench", args, 0,
            Set.of("events", "shards", "backend", "checkpoint-interval-ms", "seed", "event-rate", "threading"),
            Set.of());
        options.checkPositional(1, "one QUERY");
        final String query = options.positional().get(0);
        if (!NexmarkQueries.NAMES.contains(query))
        {
            throw new UsageException("weir nexmark bench: unknown query '" + query + "'; queries: " +
                String.join(", ", NexmarkQueries.NAMES));
        }
        final long events = options.longValue("events", 0, 1, Long.MAX_VALUE);
        if (!options.has("events"))
        {
            throw new UsageException("weir nexmark bench: --events N is required");
        }
        final NexmarkGenerator generator = new NexmarkGenerator(
            options.longValue("seed", NexmarkGenerator.DEFAULT_SEED, Long.MIN_VALUE, Long.MAX_VALUE),
            options.longValue("event-rate", NexmarkGenerator.DEFAULT_EVENT_RATE, 1, Long.MAX_VALUE));
        final int shards = options.intValue("shards", 1, 1, 1024);
        final String backend = options.choice("backend", Backends.DEFAULT, Backends.NAMES);
        final long intervalMs = options.longValue("checkpoint-interval-ms", 0, 0, Long.MAX_VALUE);
        final long spanMs = generator.timestamp(events - 1) - NexmarkGenerator.BASE_TIME_MS + 1;
        if (spanMs > Integer.MAX_VALUE)
        {
            throw new UsageException("weir nexmark bench: " + events + " events at " + generator.eventRate() +
                " events/s span more event time than the latency table holds; raise --event-rate");
        }
        out.println(bench(NexmarkQueries.named(query), generator, events, shards, backend, intervalMs,
            ThreadingOption.parse(options, "weir nexmark bench")));
        return 0;
    }

    /** One run; the result line. */
    static <R> String bench(
        final NexmarkQuery<R> query,
        final NexmarkGenerator generator,
        final long events,
        final int shards,
        final String backend,
        final long checkpointIntervalMs) throws IOException, InterruptedException
    {
        return bench(query, generator, events, shards, backend, checkpointIntervalMs, ThreadingMode.DEDICATED);
    }

    /** {@link #bench} with the shards run as {@code threading} says (INVOKER: by this thread). */
    static <R> String bench(
        final NexmarkQuery<R> query,
        final NexmarkGenerator generator,
        final long events,
        final int shards,
        final String backend,
        final long checkpointIntervalMs,
        final ThreadingMode threading) throws IOException, InterruptedException
    {
        final long spanMs = generator.timestamp(events - 1) - NexmarkGenerator.BASE_TIME_MS + 1;
        final NexmarkBenchSink<R> sink =
            new NexmarkBenchSink<>(query, NexmarkGenerator.BASE_TIME_MS, spanMs, spanMs / 10);
        final Dataflow flow = Dataflow.named("nexmark-bench-" + query.name());
        final NexmarkGeneratorReader reader = new NexmarkGeneratorReader(generator, events,
            n -> sink.emitted(generator.timestamp(n), System.nanoTime()));
        query.apply(NexmarkQueries.events(flow, reader)).sinkTo(sink).name("discard");
        final WeirContext context = new WeirContext().shards(shards).threading(threading)
            .stateBackend(Backends.createForStreaming(backend, null, false));
        final Path checkpointDir = checkpointIntervalMs > 0 ? Files.createTempDirectory("weir-nexmark-bench-") : null;
        if (checkpointDir != null)
        {
            context.checkpoints(CheckpointSettings.every(checkpointDir, checkpointIntervalMs).retainedCheckpoints(2));
        }
        final WeirJob<Object, Object> job = context.build(flow);
        final int checkpoints;
        final long endNs;
        try
        {
            job.start();
            job.awaitTermination();
            endNs = System.nanoTime();
            checkpoints = job.completedCheckpoints().size();
        }
        finally
        {
            job.close();
            if (checkpointDir != null)
            {
                deleteRecursively(checkpointDir);
            }
        }
        // docs/nexmark.md, section 5: up to the last row; a run without rows up to the end of the job.
        final long lastNs = sink.rows() == 0 ? endNs : sink.lastRowNs();
        final double seconds = (lastNs - sink.firstEmittedNs()) / 1e9;
        final Histogram latencies = sink.latencies();
        return String.format(Locale.ROOT,
            "NEXMARK query=%s events=%d shards=%d backend=%s checkpoints=%d events_per_s=%.0f " +
            "p50_ns=%d p99_ns=%d p9999_ns=%d threading=%s", query.name(), events, shards, backend, checkpoints,
            events / seconds, latencies.getValueAtPercentile(50), latencies.getValueAtPercentile(99),
            latencies.getValueAtPercentile(99.99), threading.name().toLowerCase(Locale.ROOT));
    }

    private static void deleteRecursively(final Path dir)
    {
        try (Stream<Path> paths = Files.walk(dir))
        {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot delete " + dir + ": " + ex.getMessage(), ex);
        }
    }
}
