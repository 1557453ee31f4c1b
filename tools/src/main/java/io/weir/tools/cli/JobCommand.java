package io.weir.tools.cli;

import io.weir.engine.JobFailedException;
import io.weir.engine.WeirContext;
import io.weir.engine.WeirJob;
import io.weir.tools.io.BadInputException;
import io.weir.tools.jobs.Event;
import io.weir.tools.jobs.ReferenceJobs;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Set;

/** {@code weir job NAME --in FILE --out FILE ...}: runs one reference job over a CSV file. */
final class JobCommand
{
    static final String USAGE = String.join("\n",
        "Usage: weir job NAME --in FILE --out FILE [OPTIONS]",
        "",
        "Runs a reference job of SEMANTICS.md over a CSV input (ts_millis,key,amount,event_id per line).",
        "",
        "  NAME                     rolling-sum | dedup | session | tumbling | velocity",
        "  --in FILE                input CSV",
        "  --out FILE               result CSV; session, tumbling and velocity also write FILE's .late.csv",
        "                           sibling. Outputs appear whole or not at all.",
        "  --out-of-order-ms D      watermark bound: W = max(ts) - D - 1 (default 5000)",
        "  --shards N               shard threads (default: available processors)",
        "  --backend B              chronicle (default) | lmdb | heap",
        "  --state-dir DIR          where lmdb / file-backed state lives (default: a temp directory)",
        "  --keep-state             keep the state directory after the job",
        "  --max-parallelism G      key groups (default 128)",
        "");

    private JobCommand()
    {
    }

    static int run(final String[] args, final PrintStream out, final PrintStream err)
    {
        final Options options = Options.parse("weir job", args, 0,
            Set.of("in", "out", "out-of-order-ms", "shards", "backend", "state-dir", "max-parallelism"),
            Set.of("keep-state", "help"));
        if (options.flag("help"))
        {
            out.print(USAGE);
            return 0;
        }
        if (options.positional().size() != 1)
        {
            throw new UsageException("weir job: expected exactly one job name (" +
                String.join(", ", ReferenceJobs.NAMES) + "), got " + options.positional());
        }
        final String name = options.positional().get(0);
        if (!ReferenceJobs.NAMES.contains(name))
        {
            throw new UsageException("weir job: unknown job '" + name + "'; jobs: " +
                String.join(", ", ReferenceJobs.NAMES));
        }
        final Path in = options.path("in");
        final Path outPath = options.path("out");
        final long outOfOrdernessMs = options.longValue(
            "out-of-order-ms", ReferenceJobs.DEFAULT_OUT_OF_ORDERNESS_MS, 0, Long.MAX_VALUE / 4);
        final int maxParallelism = options.intValue("max-parallelism", 128, 1, 32768);
        final int shards = options.intValue("shards", Runtime.getRuntime().availableProcessors(), 1, maxParallelism);
        final String backendName = options.string("backend", Backends.DEFAULT);
        final Path stateDir = options.flag("state-dir") ? options.path("state-dir") : null;
        final WeirContext context = new WeirContext()
            .shards(shards)
            .maxParallelism(maxParallelism)
            .stateBackend(Backends.create(backendName, stateDir, options.flag("keep-state")));
        final long startNs = System.nanoTime();
        final WeirJob<Event, ?> job;
        try
        {
            job = ReferenceJobs.build(name, in, outPath, outOfOrdernessMs, context);
        }
        catch (final NoSuchFileException ex)
        {
            err.println("weir job " + name + ": input file not found: " + ex.getFile());
            return 1;
        }
        catch (final IOException ex)
        {
            err.println("weir job " + name + ": cannot read input " + in + ": " + ex.getMessage());
            return 1;
        }
        catch (final IllegalArgumentException ex)
        {
            throw new UsageException("weir job " + name + ": " + ex.getMessage());
        }
        try (job)
        {
            job.start();
            job.awaitTermination();
        }
        catch (final JobFailedException ex)
        {
            err.println("weir job " + name + ": failed: " + describe(ex.getCause()));
            return 1;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            err.println("weir job " + name + ": interrupted");
            return 1;
        }
        final double seconds = (System.nanoTime() - startNs) / 1e9;
        out.printf("weir job %s: %d events on %d shard(s), backend %s, in %.3f s -> %s%s%n", name,
            job.eventsProcessed(), shards, backendName, seconds, outPath,
            ReferenceJobs.hasLateOutput(name) ? " (+ " + ReferenceJobs.latePath(outPath).getFileName() + ")" : "");
        return 0;
    }

    private static String describe(final Throwable cause)
    {
        if (cause instanceof BadInputException)
        {
            return cause.getMessage();
        }
        return cause.toString();
    }
}
