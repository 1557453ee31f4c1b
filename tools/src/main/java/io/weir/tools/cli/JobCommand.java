package io.weir.tools.cli;

import io.weir.engine.JobFailedException;
import io.weir.engine.checkpoint.CheckpointSettings;
import io.weir.engine.WeirContext;
import io.weir.engine.WeirJob;
import io.weir.snapshot.DirectoryLockedException;
import io.weir.tools.io.BadInputException;
import io.weir.tools.jobs.Event;
import io.weir.tools.jobs.ReferenceJobs;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** {@code weir job NAME --in FILE --out FILE ...}: runs one reference job over a CSV file. */
final class JobCommand
{
    static final String USAGE = String.join("\n",
        "Usage: weir job NAME --in FILE --out FILE [OPTIONS]",
        "",
        "Runs a reference job of docs/reference-jobs.md over a CSV input (ts_millis,key,amount,event_id per line;",
        "a first line that is not numeric is skipped as a header).",
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
        "",
        "Exactly-once checkpoints:",
        "  --checkpoint-dir DIR     take checkpoints into DIR; running the same command again after a crash",
        "                           resumes from the newest complete checkpoint (falling back past corrupt ones)",
        "  --checkpoint-interval-ms M   checkpoint every M ms (default 1000 with --checkpoint-dir)",
        "  --state-writer W         who writes the shards' state files: shard (default; in the shard's idle time,",
        "                           for machines with no core to spare) | checkpoint-thread (a core is free)",
        "  --restore PATH           start from a checkpoint or savepoint directory (chk-N or savepoint-N),",
        "                           with any --shards (key groups are redistributed)",
        "  --allow-non-restored-state   restore even if the checkpoint holds state the job no longer has (the",
        "                           state is dropped); without it such a restore is refused, naming the state",
        "  --stop-after-events N    take a savepoint after about N events and stop (SIGTERM does the same)",
        "  --source-rate R          read the input at R events/s (to watch, stop or crash a short job)",
        "");

    private JobCommand()
    {
    }

    static int run(final String[] args, final PrintStream out, final PrintStream err)
    {
        final Options options = Options.parse("weir job", args, 0,
            Set.of("in", "out", "out-of-order-ms", "shards", "backend", "state-dir", "max-parallelism",
                "checkpoint-dir", "checkpoint-interval-ms", "state-writer", "restore", "stop-after-events",
                "source-rate"),
            Set.of("keep-state", "help", "allow-non-restored-state"));
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
        final long sourceRate = options.longValue("source-rate", 0, 0, Long.MAX_VALUE);
        final long stopAfterEvents = options.longValue("stop-after-events", 0, 0, Long.MAX_VALUE);
        final WeirContext context = new WeirContext()
            .shards(shards)
            .maxParallelism(maxParallelism)
            .stateBackend(Backends.create(backendName, stateDir, options.flag("keep-state")))
            .log(message -> err.println("weir job " + name + ": " + message));
        final CheckpointSettings checkpoints = checkpointSettings(options);
        if (checkpoints.enabled())
        {
            context.checkpoints(checkpoints);
        }
        else if (stopAfterEvents > 0 || options.flag("restore"))
        {
            throw new UsageException("weir job: --stop-after-events and --restore need --checkpoint-dir");
        }
        final long startNs = System.nanoTime();
        final WeirJob<Event, ?> job;
        try
        {
            job = ReferenceJobs.build(name, in, outPath, outOfOrdernessMs, context, sourceRate);
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
        catch (final DirectoryLockedException ex)
        {
            err.println("weir job " + name + ": " + ex.getMessage());
            return 1;
        }
        catch (final io.weir.snapshot.SnapshotCorruptException ex)
        {
            err.println("weir job " + name + ": cannot restore: " + ex.getMessage().replace("\n", "; "));
            if (System.getenv("WEIR_VERBOSE") != null)
            {
                ex.printStackTrace(err);
            }
            return 1;
        }
        final Thread savepointOnTerm = checkpoints.enabled() ? new Thread(() -> stopWithSavepoint(job, err)) : null;
        try (job)
        {
            job.start();
            if (savepointOnTerm != null)
            {
                Runtime.getRuntime().addShutdownHook(savepointOnTerm);
            }
            if (stopAfterEvents > 0)
            {
                while (job.eventsProcessed() < stopAfterEvents && !job.awaitTermination(1, TimeUnit.MILLISECONDS))
                {
                    Thread.onSpinWait();
                }
                if (job.eventsProcessed() >= stopAfterEvents && !job.hasFailed())
                {
                    final Path savepoint = job.stopWithSavepoint(60, TimeUnit.SECONDS);
                    out.printf("weir job %s: stopped after %d events with savepoint %s%n", name,
                        job.eventsProcessed(), savepoint);
                    return 0;
                }
            }
            job.awaitTermination();
        }
        catch (final java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException ex)
        {
            err.println("weir job " + name + ": savepoint failed: " + ex);
            return 1;
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
        finally
        {
            if (savepointOnTerm != null)
            {
                try
                {
                    Runtime.getRuntime().removeShutdownHook(savepointOnTerm);
                }
                catch (final IllegalStateException ignore)
                {
                    // The JVM is already shutting down: the hook is running and takes the savepoint.
                }
            }
        }
        final double seconds = (System.nanoTime() - startNs) / 1e9;
        if (job.stoppedWithSavepoint().isPresent())
        {
            out.printf("weir job %s: stopped after %d events with savepoint %s; no output published%n", name,
                job.eventsProcessed(), job.stoppedWithSavepoint().get());
            return 0;
        }
        if (checkpoints.enabled())
        {
            out.printf("weir job %s: %d checkpoints completed%s%n", name, job.completedCheckpoints().size(),
                job.restoredFrom().map(m -> ", resumed from checkpoint " + m.checkpointId()).orElse(""));
            if (System.getenv("WEIR_VERBOSE") != null)
            {
                job.completedCheckpoints().forEach(stats -> out.println("  " + stats));
            }
        }
        out.printf("weir job %s: %d events on %d shard(s), backend %s, in %.3f s -> %s%s%n", name,
            job.eventsProcessed(), shards, backendName, seconds, outPath,
            ReferenceJobs.hasLateOutput(name) ? " (+ " + ReferenceJobs.latePath(outPath).getFileName() + ")" : "");
        return 0;
    }

    private static CheckpointSettings checkpointSettings(final Options options)
    {
        if (!options.flag("checkpoint-dir"))
        {
            for (final String option :
                new String[]{"checkpoint-interval-ms", "state-writer", "allow-non-restored-state"})
            {
                if (options.flag(option))
                {
                    throw new UsageException("weir job: --" + option + " needs --checkpoint-dir");
                }
            }
            return CheckpointSettings.DISABLED;
        }
        CheckpointSettings settings = CheckpointSettings.every(options.path("checkpoint-dir"),
            options.longValue("checkpoint-interval-ms", 1000, 0, Long.MAX_VALUE));
        if (options.flag("state-writer"))
        {
            settings = settings.stateWriter(StateWriterOption.parse(options, "weir job"));
        }
        if (options.flag("restore"))
        {
            settings = settings.restoreFrom(options.path("restore"));
        }
        settings = settings.allowNonRestoredState(options.flag("allow-non-restored-state"));
        return settings;
    }

    /** SIGTERM: a graceful stop that leaves a savepoint to resume from. */
    private static void stopWithSavepoint(final WeirJob<?, ?> job, final PrintStream err)
    {
        if (job.hasFailed())
        {
            err.println("weir job " + job.name() + ": stopped by signal after the job had failed; no savepoint");
            return;
        }
        try
        {
            final Path savepoint = job.stopWithSavepoint(60, TimeUnit.SECONDS);
            err.println("weir job " + job.name() + ": stopped by signal; savepoint " + savepoint +
                " (resume with --restore " + savepoint + ")");
        }
        catch (final Exception ex)
        {
            err.println("weir job " + job.name() + ": stopped by signal; no savepoint: " + ex);
        }
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
