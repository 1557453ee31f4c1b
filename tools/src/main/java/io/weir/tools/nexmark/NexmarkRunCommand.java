package io.weir.tools.nexmark;

import io.weir.api.connector.SourceReader;
import io.weir.api.dataflow.Dataflow;
import io.weir.engine.WeirContext;
import io.weir.engine.WeirJob;
import io.weir.engine.checkpoint.CheckpointSettings;
import io.weir.tools.cli.Backends;
import io.weir.tools.cli.Options;
import io.weir.tools.cli.UsageException;
import io.weir.tools.io.CsvFileSink;
import io.weir.tools.io.PacedSourceReader;
import io.weir.tools.nexmark.queries.NexmarkQueries;
import io.weir.tools.nexmark.queries.NexmarkQuery;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/** {@code weir nexmark run QUERY|all}: queries over an event file, their rows to CSV files (docs/nexmark.md). */
final class NexmarkRunCommand
{
    static final String USAGE = String.join("\n",
        "Usage: weir nexmark run QUERY|all --in FILE --out FILE|DIR [--shards N] [--backend chronicle|lmdb|heap]",
        "                        [--checkpoint-dir DIR [--checkpoint-interval-ms M]] [--source-rate R]",
        "",
        "Runs a Nexmark query (" + String.join(", ", NexmarkQueries.NAMES) + ") over an event file written by",
        "'weir nexmark gen' and writes its result rows to FILE, whole or not at all. With 'all', every query runs in",
        "turn and writes DIR/QUERY.csv. With a checkpoint directory (DIR/QUERY for 'all') the job checkpoints every",
        "M ms (default 1000) and its output is exactly-once. --source-rate paces the reader at R events/s.",
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
            Set.of("in", "out", "shards", "backend", "checkpoint-dir", "checkpoint-interval-ms", "source-rate"),
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
        final String backend = options.choice("backend", Backends.DEFAULT, Backends.NAMES);
        final Path checkpoints = options.has("checkpoint-dir") ? options.path("checkpoint-dir") : null;
        final long intervalMs = options.longValue("checkpoint-interval-ms", 1000, 1, Long.MAX_VALUE);
        final long sourceRate = options.longValue("source-rate", 0, 0, Long.MAX_VALUE);
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
            run(NexmarkQueries.named(name), in, output, shards, backend, checkpointDir, intervalMs, sourceRate);
            out.printf("weir nexmark run: %s wrote %s in %.2f s%n", name, output, (System.nanoTime() - startNs) / 1e9);
        }
        return 0;
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
        final Dataflow flow = Dataflow.named("nexmark-" + query.name());
        final SourceReader<NexmarkEvent> file = new NexmarkEventReader(in);
        final SourceReader<NexmarkEvent> reader = sourceRate > 0 ? new PacedSourceReader<>(file, sourceRate) : file;
        query.apply(NexmarkQueries.events(flow, reader)).sinkTo(new CsvFileSink<>(out, query)).name("rows");
        final WeirContext context = new WeirContext().shards(shards)
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
