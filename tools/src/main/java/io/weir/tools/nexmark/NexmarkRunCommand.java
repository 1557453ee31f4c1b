package io.weir.tools.nexmark;

import io.weir.api.dataflow.Dataflow;
import io.weir.engine.WeirContext;
import io.weir.engine.WeirJob;
import io.weir.engine.checkpoint.CheckpointSettings;
import io.weir.tools.cli.Backends;
import io.weir.tools.cli.Options;
import io.weir.tools.io.CsvFileSink;
import io.weir.tools.nexmark.queries.NexmarkQueries;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Set;

/** {@code weir nexmark run QUERY}: one query over an event file, its rows to a CSV file (docs/nexmark.md). */
final class NexmarkRunCommand
{
    static final String USAGE = String.join("\n",
        "Usage: weir nexmark run QUERY --in FILE --out FILE [--shards N] [--backend chronicle|lmdb|heap]",
        "                        [--checkpoint-dir DIR [--checkpoint-interval-ms M]]",
        "",
        "Runs a Nexmark query (" + String.join(", ", NexmarkQueries.NAMES) + ") over an event file written by",
        "'weir nexmark gen' and writes its result rows to FILE, whole or not at all. With a checkpoint directory a",
        "killed run resumes from its last checkpoint, and the output is exactly-once.",
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
        final Options options = Options.parse("weir nexmark run", args, 1,
            Set.of("in", "out", "shards", "backend", "checkpoint-dir", "checkpoint-interval-ms"), Set.of());
        options.checkPositional(1, "one QUERY");
        final String query = options.positional().get(0);
        run(query, options.path("in"), options.path("out"), options.intValue("shards", 1, 1, 1024),
            options.choice("backend", Backends.DEFAULT, Backends.NAMES),
            options.has("checkpoint-dir") ? options.path("checkpoint-dir") : null,
            options.longValue("checkpoint-interval-ms", 1000, 1, Long.MAX_VALUE));
        out.println("weir nexmark run: " + query + " wrote " + options.path("out"));
        return 0;
    }

    /** Run {@code query} to completion. */
    static void run(
        final String query,
        final Path in,
        final Path out,
        final int shards,
        final String backend,
        final Path checkpoints,
        final long checkpointIntervalMs) throws IOException, InterruptedException
    {
        if (!NexmarkQueries.NAMES.contains(query))
        {
            throw new IllegalArgumentException("unknown query '" + query + "'; queries: " +
                String.join(", ", NexmarkQueries.NAMES));
        }
        final Dataflow flow = Dataflow.named("nexmark-" + query);
        NexmarkQueries.define(query, flow, new NexmarkLineReader(in), new CsvFileSink<>(out, (row, writer) ->
        {
            for (final long field : row)
            {
                writer.field(field);
            }
            writer.endLine();
        }));
        final WeirContext context = new WeirContext().shards(shards)
            .stateBackend(Backends.create(backend, null, false));
        if (checkpoints != null)
        {
            context.checkpoints(CheckpointSettings.every(checkpoints, checkpointIntervalMs));
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
