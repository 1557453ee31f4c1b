package io.weir.tools.nexmark;

import io.weir.api.connector.SourceReader;
import io.weir.api.ThreadingMode;
import io.weir.api.dataflow.Dataflow;
import io.weir.engine.WeirContext;
import io.weir.engine.WeirJob;
import io.weir.engine.checkpoint.CheckpointSettings;
import io.weir.tools.common.Backends;
import io.weir.tools.common.FlinkEngine;
import io.weir.tools.common.ThreadingOption;
import io.weir.tools.common.Options;
import io.weir.tools.common.UsageException;
import io.weir.tools.io.CsvFileSink;
import io.weir.tools.io.PacedSourceReader;
import io.weir.tools.nexmark.queries.NexmarkEvent;
import io.weir.tools.nexmark.queries.NexmarkQueries;
import io.weir.tools.nexmark.queries.NexmarkQuery;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** {@code weir nexmark run QUERY|all}: queries over an event file, their rows to CSV files (docs/nexmark.md). */
final class NexmarkRunCommand
{
    static final String USAGE = String.join("\n",
        "Usage: weir nexmark run QUERY|all --in FILE --out FILE|DIR [--shards N] [--backend chronicle|lmdb|heap]",
        "                        [--checkpoint-dir DIR [--checkpoint-interval-ms M]] [--source-rate R]",
        "                        [--threading dedicated|shared|invoker]",
        "                        [--engine weir|flink [--parallelism P] [--flink-master HOST:PORT]]",
        "",
        "Runs a Nexmark query (" + String.join(", ", NexmarkQueries.NAMES) + ") over an event file written by",
        "'weir nexmark gen' and writes its result rows to FILE, whole or not at all. With 'all', every query runs in",
        "turn and writes DIR/QUERY.csv. With a checkpoint directory (DIR/QUERY for 'all') the job checkpoints every",
        "M ms (default 1000) and its output is exactly-once. --source-rate paces the reader at R events/s.",
        "--engine flink runs the same query on Apache Flink (embedded, or the cluster at --flink-master) at",
        "parallelism P (default 1), --backend heap (default) or rocksdb.",
        "");

    private NexmarkRunCommand()
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
        final Options options = Options.parse("weir nexmark run", args, 0,
            Set.of("in", "out", "shards", "backend", "checkpoint-dir", "checkpoint-interval-ms", "source-rate", "engine",
                "parallelism", "flink-master", "threading"),
            Set.of());
        options.checkPositional(1, "one QUERY (or all)");
        final String query = options.positional().get(0);
        if (!query.equals("all") && !NexmarkQueries.NAMES.contains(query))
        {
            throw new UsageException("weir nexmark run: unknown query '" + query + "'; queries: " +
                String.join(", ", NexmarkQueries.NAMES) + ", or all");
        }
        final Path in = options.path("in");
        final Path target = options.path("out");
        final int shards = options.intValue("shards", 1, 1, 1024);
        final String engine = options.choice("engine", "weir", FlinkEngine.ENGINES);
        final boolean flink = engine.equals("flink");
        final int parallelism = options.intValue("parallelism", 1, 1, 32768);
        final String flinkMaster = options.has("flink-master") ? options.string("flink-master", null) : null;
        final String backend = flink ? FlinkEngine.backend("weir nexmark run", options.string("backend", "heap"),
            options.has("backend")) : options.choice("backend", Backends.DEFAULT, Backends.NAMES);
        if (flink && options.has("checkpoint-dir"))
        {
            throw new UsageException("weir nexmark run: --checkpoint-dir is Weir's; not with --engine flink");
        }
        final Path checkpoints = options.has("checkpoint-dir") ? options.path("checkpoint-dir") : null;
        final long intervalMs = options.longValue("checkpoint-interval-ms", 1000, 1, Long.MAX_VALUE);
        final long sourceRate = options.longValue("source-rate", 0, 0, Long.MAX_VALUE);
        final ThreadingMode threading = ThreadingOption.parse(options, "weir nexmark run");
        if (flink && options.has("threading"))
        {
            throw new UsageException("weir nexmark run: --threading is Weir's; not with --engine flink");
        }
        if (!Files.isRegularFile(in))
        {
            throw new UsageException("weir nexmark run: --in " + in + " is not a file");
        }
        final List<String> queries = query.equals("all") ? NexmarkQueries.NAMES : List.of(query);
        if (query.equals("all"))
        {
            Files.createDirectories(target);
        }
        for (final String name : queries)
        {
            final Path output = query.equals("all") ? target.resolve(name + ".csv") : target;
            final Path checkpointDir = checkpoints == null ? null :
                query.equals("all") ? checkpoints.resolve(name) : checkpoints;
            final long startNs = System.nanoTime();
            if (flink)
            {
                runOnFlink(name, in, output, sourceRate, parallelism, backend, flinkMaster);
            }
            else
            {
                run(NexmarkQueries.named(name), in, output, shards, backend, checkpointDir, intervalMs, sourceRate,
                    threading);
            }
            out.printf(Locale.ROOT,
                "weir nexmark run: %s wrote %s in %.2f s%n", name, output, (System.nanoTime() - startNs) / 1e9);
        }
        return 0;
    }

    /** The query's graph over the events of {@code in}, its rows to {@code out}: what either engine runs. */
    static <R> Dataflow dataflow(final NexmarkQuery<R> query, final Path in, final Path out, final long sourceRate)
        throws IOException
    {
        final Dataflow flow = Dataflow.named("nexmark-" + query.name());
        final SourceReader<NexmarkEvent> file = new NexmarkEventReader(in);
        final SourceReader<NexmarkEvent> reader = sourceRate > 0 ? new PacedSourceReader<>(file, sourceRate) : file;
        query.apply(NexmarkQueries.events(flow, reader)).sinkTo(new CsvFileSink<>(out, query)).name("rows");
        return flow;
    }

    private static void runOnFlink(final String name, final Path in, final Path out, final long sourceRate,
        final int parallelism, final String backend, final String master) throws IOException
    {
        final String input = in.toString();
        final String output = out.toString();
        try
        {
            FlinkEngine.run(() -> dataflow(NexmarkQueries.named(name), Path.of(input), Path.of(output), sourceRate),
                parallelism, backend, master);
        }
        catch (final IOException | RuntimeException ex)
        {
            throw ex;
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException(ex.getMessage(), ex);
        }
    }

    /**
     * Run {@code query} over the events of {@code in} to completion, its rows to {@code out}.
     *
     * @param checkpoints null for none.
     * @param sourceRate  events per second the reader is paced at; 0 for as fast as possible.
     */
    static <R> void run(
        final NexmarkQuery<R> query,
        final Path in,
        final Path out,
        final int shards,
        final String backend,
        final Path checkpoints,
        final long checkpointIntervalMs,
        final long sourceRate) throws IOException, InterruptedException
    {
        run(query, in, out, shards, backend, checkpoints, checkpointIntervalMs, sourceRate, ThreadingMode.DEDICATED);
    }

    /** {@link #run} with the shards run as {@code threading} says (INVOKER: by this thread). */
    static <R> void run(
        final NexmarkQuery<R> query,
        final Path in,
        final Path out,
        final int shards,
        final String backend,
        final Path checkpoints,
        final long checkpointIntervalMs,
        final long sourceRate,
        final ThreadingMode threading) throws IOException, InterruptedException
    {
        final Dataflow flow = dataflow(query, in, out, sourceRate);
        final WeirContext context = new WeirContext().shards(shards).threading(threading)
            .stateBackend(Backends.create(backend, null, false));
        if (checkpoints != null)
        {
            context.checkpoints(CheckpointSettings.every(checkpoints, checkpointIntervalMs))
                .log(message -> System.err.println("weir nexmark run " + query.name() + ": " + message));
        }
        final WeirJob<Object, Object> job = context.build(flow);
        try
        {
            job.start();
            job.awaitTermination();
        }
        finally
        {
            job.close();
        }
    }
}
