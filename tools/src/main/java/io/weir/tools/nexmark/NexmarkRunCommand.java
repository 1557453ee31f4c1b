package io.weir.tools.nexmark;

import io.weir.api.dataflow.Dataflow;
import io.weir.engine.WeirContext;
import io.weir.engine.WeirJob;
import io.weir.engine.checkpoint.CheckpointSettings;
import io.weir.tools.cli.Backends;
import io.weir.tools.cli.Conventions;
import io.weir.tools.io.CsvFileSink;
import io.weir.tools.nexmark.queries.NexmarkQueries;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code weir nexmark run QUERY}: one query over an event file, its rows to a CSV file (docs/nexmark.md). */
@Command(
    name = "run",
    customSynopsis = {"weir nexmark run QUERY --in FILE --out FILE [--shards N] [--backend chronicle|lmdb|heap]",
        "                        [--checkpoint-dir DIR [--checkpoint-interval-ms M]]"},
    header = "run a query over an event file",
    description = {
        "Runs a Nexmark query over an event file written by 'weir nexmark gen' and writes its result rows to FILE,",
        "whole or not at all. With a checkpoint directory a killed run resumes from its last checkpoint, and the",
        "output is exactly-once."},
    sortOptions = false)
final class NexmarkRunCommand implements Callable<Integer>
{
    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "QUERY", description = "the query: q1, q2, q5, q7 or q11")
    private String query;

    @Option(names = "--in", required = true, paramLabel = "FILE", description = "the event file")
    private Path in;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "the result file")
    private Path outPath;

    @Option(names = "--shards", paramLabel = "N", description = "shards (threads), default ${DEFAULT-VALUE}")
    private int shards = 1;

    @Option(names = "--backend", paramLabel = "B", description = "chronicle (default), lmdb or heap")
    private String backend = Backends.DEFAULT;

    @Option(names = "--checkpoint-dir", paramLabel = "DIR", description = "take checkpoints into DIR")
    private Path checkpointDir;

    @Option(names = "--checkpoint-interval-ms", paramLabel = "M",
        description = "between checkpoints, default ${DEFAULT-VALUE}")
    private long checkpointIntervalMs = 1000;

    private final PrintStream out;

    NexmarkRunCommand(final PrintStream out, final PrintStream err)
    {
        this.out = out;
    }

    @Override
    public Integer call() throws IOException, InterruptedException
    {
        Conventions.range(spec, "--shards", shards, 1, 1024);
        Conventions.choice(spec, "--backend", backend, Backends.NAMES);
        Conventions.range(spec, "--checkpoint-interval-ms", checkpointIntervalMs, 1, Long.MAX_VALUE);
        if (!NexmarkQueries.NAMES.contains(query))
        {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "unknown query '" + query +
                "'; queries: " + String.join(", ", NexmarkQueries.NAMES));
        }
        run(query, in, outPath, shards, backend, checkpointDir, checkpointIntervalMs);
        out.println("weir nexmark run: " + query + " wrote " + outPath);
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
