package io.weir.tools.cli;

import io.weir.engine.JobFailedException;
import io.weir.engine.checkpoint.CheckpointSettings;
import io.weir.engine.WeirContext;
import io.weir.engine.WeirJob;
import io.weir.snapshot.DirectoryLockedException;
import io.weir.tools.common.Backends;
import io.weir.tools.common.Conventions;
import io.weir.tools.common.FlinkEngine;
import io.weir.tools.common.DeltaRatioOption;
import io.weir.tools.common.StateWriterOption;
import io.weir.tools.common.ThreadingOption;
import io.weir.tools.common.UsageException;
import io.weir.tools.io.BadInputException;
import io.weir.tools.jobs.Event;
import io.weir.tools.jobs.ReferenceJobs;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** {@code weir job NAME --in FILE --out FILE ...}: runs one reference job over a CSV file. */
@Command(
    name = "job",
    customSynopsis = "weir job NAME --in FILE --out FILE [OPTIONS]",
    header = "run a reference job (rolling-sum, dedup, session, tumbling, velocity)",
    description = {
        "Runs a reference job of docs/reference-jobs.md over a CSV input (ts_millis,key,amount,event_id per line;",
        "a first line that is not numeric is skipped as a header)."},
    sortOptions = false)
final class JobCommand implements Callable<Integer>
{
    /** How long a stop with savepoint may take, state files included, before the job is abandoned without one. */
    private static final long STOP_TIMEOUT_MINUTES = 30;

    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME", converter = JobName.class,
        description = "rolling-sum | dedup | session | tumbling | velocity")
    private String name;

    @Option(names = "--in", required = true, paramLabel = "FILE", description = "input CSV")
    private Path in;

    @Option(names = "--out", required = true, paramLabel = "FILE", description =
        "result CSV; session, tumbling and velocity also write FILE's .late.csv sibling. Outputs " +
        "appear whole or not at all.")
    private Path outPath;

    @Option(names = "--out-of-order-ms", paramLabel = "D",
        description = "watermark bound: W = max(ts) - D - 1 (default ${DEFAULT-VALUE})")
    private long outOfOrdernessMs = ReferenceJobs.DEFAULT_OUT_OF_ORDERNESS_MS;

    @Option(names = "--shards", paramLabel = "N", description = "shard threads (default: available processors)")
    private int shards = Runtime.getRuntime().availableProcessors();

    @Option(names = "--threading", paramLabel = "T", description =
        "dedicated (default; a thread per shard and per source) | shared (one thread for every shard) | " +
        "invoker (no shard or source thread: this command's thread runs them)")
    private String threading = "dedicated";

    @Option(names = "--backend", paramLabel = "B", description = "chronicle (default) | lmdb | heap")
    private String backendName = Backends.DEFAULT;

    @Option(names = "--state-dir", paramLabel = "DIR",
        description = "where lmdb / file-backed state lives (default: a temp directory)")
    private Path stateDir;

    @Option(names = "--keep-state", description = "keep the state directory after the job")
    private boolean keepState;

    @Option(names = "--max-parallelism", paramLabel = "G", description = "key groups (default ${DEFAULT-VALUE})")
    private int maxParallelism = 128;

    @Option(names = "--checkpoint-dir", paramLabel = "DIR", description =
        "exactly-once checkpoints: take checkpoints into DIR; running the same command again after a " +
        "crash resumes from the newest complete checkpoint (falling back past corrupt ones)")
    private Path checkpointDir;

    @Option(names = "--checkpoint-interval-ms", paramLabel = "M",
        description = "checkpoint every M ms (default 1000 with --checkpoint-dir)")
    private Long checkpointIntervalMs;

    @Option(names = "--state-writer", paramLabel = "W", description =
        "who writes the shards' state files: shard (default; in the shard's idle time, for machines " +
        "with no core to spare) | checkpoint-thread (a core is free)")
    private String stateWriter;

    @Option(names = "--delta-to-base-ratio", paramLabel = "R", description = DeltaRatioOption.DESCRIPTION)
    private String deltaToBaseRatio;

    @Option(names = "--restore", paramLabel = "PATH", description =
        "start from a checkpoint or savepoint directory (chk-N or savepoint-N), with any --shards " +
        "(key groups are redistributed)")
    private Path restore;

    @Option(names = "--allow-non-restored-state", description =
        "restore even if the checkpoint holds state the job no longer has (the state is dropped); " +
        "without it such a restore is refused, naming the state")
    private boolean allowNonRestoredState;

    @Option(names = "--stop-after-events", paramLabel = "N",
        description = "take a savepoint after about N events and stop (SIGTERM does the same)")
    private long stopAfterEvents;

    @Option(names = "--source-rate", paramLabel = "R",
        description = "read the input at R events/s (to watch, stop or crash a short job)")
    private long sourceRate;

    @Option(names = "--engine", paramLabel = "E", description =
        "weir (default) | flink: run the same job on Apache Flink (the flink-adapter module)")
    private String engine = "weir";

    @Option(names = "--parallelism", paramLabel = "P",
        description = "with --engine flink: subtasks of the keyed operator (default 1)")
    private int parallelism = 1;

    @Option(names = "--flink-master", paramLabel = "HOST:PORT", description =
        "with --engine flink: submit to this running cluster (its REST port) instead of an embedded one")
    private String flinkMaster;

    private final PrintStream out;
    private final PrintStream err;

    JobCommand(final PrintStream out, final PrintStream err)
    {
        this.out = out;
        this.err = err;
    }

    @Override
    public Integer call()
    {
        Conventions.range(spec, "--out-of-order-ms", outOfOrdernessMs, 0, Long.MAX_VALUE / 4);
        Conventions.range(spec, "--max-parallelism", maxParallelism, 1, 32768);
        Conventions.range(spec, "--shards", shards, 1, maxParallelism);
        Conventions.range(spec, "--source-rate", sourceRate, 0, Long.MAX_VALUE);
        Conventions.range(spec, "--stop-after-events", stopAfterEvents, 0, Long.MAX_VALUE);
        if (!FlinkEngine.ENGINES.contains(engine))
        {
            throw new UsageException("weir job: --engine must be one of " + String.join(", ", FlinkEngine.ENGINES) +
                ", not " + engine);
        }
        if (engine.equals("flink"))
        {
            return runOnFlink();
        }
        final WeirContext context = new WeirContext()
            .shards(shards)
            .threading(ThreadingOption.parse(threading, "weir job"))
            .maxParallelism(maxParallelism)
            .stateBackend(Backends.create(backendName, stateDir, keepState))
            .log(message -> err.println("weir job " + name + ": " + message));
        final CheckpointSettings checkpoints = checkpointSettings();
        if (checkpoints.enabled())
        {
            context.checkpoints(checkpoints);
        }
        else if (stopAfterEvents > 0 || restore != null)
        {
            throw new UsageException("weir job: --stop-after-events and --restore need --checkpoint-dir");
        }
        final long startNs = System.nanoTime();
        final WeirJob<?, ?> job;
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
        final StopSignal signal = checkpoints.enabled() ? new StopSignal(err) : null;
        int exitCode = 1;
        try
        {
            exitCode = runJob(job, name, stopAfterEvents, signal, out, err);
            if (exitCode == 0 && job.stoppedWithSavepoint().isEmpty())
            {
                report(job, name, checkpoints, shards, backendName, startNs, outPath, out);
            }
            return exitCode;
        }
        finally
        {
            if (signal != null)
            {
                // A SIGTERM that came meanwhile waits for this: the JVM exits only after the job is closed.
                signal.finished(exitCode);
            }
        }
    }

    /** The job on Flink: the same graph ({@link ReferenceJobs#dataflow}), no Weir checkpoint options. */
    private int runOnFlink()
    {
        Conventions.range(spec, "--parallelism", parallelism, 1, 32768);
        if (checkpointDir != null || restore != null || stopAfterEvents > 0)
        {
            throw new UsageException("weir job: --checkpoint-dir, --restore and --stop-after-events are Weir's; " +
                "not with --engine flink");
        }
        final String backend = FlinkEngine.backend("weir job", backendName,
            spec.commandLine().getParseResult().hasMatchedOption("--backend"));
        final String job = name;
        final String input = in.toString();
        final String output = outPath.toString();
        final long bound = outOfOrdernessMs;
        final long rate = sourceRate;
        final long startNs = System.nanoTime();
        try
        {
            FlinkEngine.run(() -> ReferenceJobs.dataflow(job, Path.of(input), Path.of(output), bound, rate,
                message -> System.err.println("weir job " + job + ": " + message)), parallelism, backend, flinkMaster);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new UsageException("weir job " + name + ": " + ex.getMessage());
        }
        catch (final Exception ex)
        {
            err.println("weir job " + name + ": " + (ex instanceof NoSuchFileException ? "input file not found: " +
                ex.getMessage() : ex.getMessage()));
            return 1;
        }
        out.printf(Locale.ROOT,
            "weir job %s: on Flink (parallelism %d, backend %s) in %.3f s -> %s%s%n", name, parallelism,
            backend, (System.nanoTime() - startNs) / 1e9, outPath,
            ReferenceJobs.hasLateOutput(name) ? " (+ " + ReferenceJobs.latePath(outPath).getFileName() + ")" : "");
        return 0;
    }

    private static void report(
        final WeirJob<?, ?> job, final String name, final CheckpointSettings checkpoints, final int shards,
        final String backendName, final long startNs, final Path outPath, final PrintStream out)
    {
        final double seconds = (System.nanoTime() - startNs) / 1e9;
        if (checkpoints.enabled())
        {
            out.printf(Locale.ROOT,
                "weir job %s: %d checkpoints completed%s%n", name, job.completedCheckpoints().size(),
                job.restoredFrom().map(m -> ", resumed from checkpoint " + m.checkpointId()).orElse(""));
            if (System.getenv("WEIR_VERBOSE") != null)
            {
                job.completedCheckpoints().forEach(stats -> out.println("  " + stats));
            }
        }
        out.printf(Locale.ROOT, "weir job %s: %d events on %d shard(s), backend %s, in %.3f s -> %s%s%n", name,
            job.eventsProcessed(), shards, backendName, seconds, outPath,
            ReferenceJobs.hasLateOutput(name) ? " (+ " + ReferenceJobs.latePath(outPath).getFileName() + ")" : "");
    }

    /**
     * Run the job to its end, or until a stop is asked for (SIGTERM, or {@code --stop-after-events}): then take a
     * savepoint and stop. The savepoint is taken on this thread, never on the signal's, so that the job is closed
     * only after the savepoint is complete or has failed.
     *
     * @return the exit code: 0 when the job finished or stopped with a savepoint, 1 when it failed.
     */
    private static int runJob(
        final WeirJob<?, ?> job, final String name, final long stopAfterEvents, final StopSignal signal,
        final PrintStream out, final PrintStream err)
    {
        try (job)
        {
            if (signal != null)
            {
                signal.install();
            }
            job.start();
            boolean stopTried = false;
            while (!job.awaitTermination(1, TimeUnit.MILLISECONDS))
            {
                final boolean signalled = signal != null && signal.isRequested();
                if (!stopTried && (signalled || (stopAfterEvents > 0 && job.eventsProcessed() >= stopAfterEvents)))
                {
                    stopTried = true;
                    final int exitCode = stopWithSavepoint(job, name, signalled, out, err);
                    if (exitCode >= 0)
                    {
                        return exitCode;
                    }
                }
            }
            return 0;
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
    }

    /**
     * @return 0 when stopped with a savepoint, 1 when the job must be given up without one, -1 when no savepoint
     *         could be taken but the job goes on to its end (its input ended meanwhile).
     */
    private static int stopWithSavepoint(
        final WeirJob<?, ?> job, final String name, final boolean signalled, final PrintStream out,
        final PrintStream err) throws InterruptedException
    {
        final Path savepoint;
        try
        {
            savepoint = job.stopWithSavepoint(STOP_TIMEOUT_MINUTES, TimeUnit.MINUTES);
        }
        catch (final java.util.concurrent.TimeoutException ex)
        {
            err.println("weir job " + name + ": " + (signalled ? "stopped by signal; " : "") + "no savepoint: it " +
                "did not complete within " + STOP_TIMEOUT_MINUTES + " minutes");
            job.close(WeirJob.CloseMode.DISCARD);
            return 1;
        }
        catch (final java.util.concurrent.ExecutionException ex)
        {
            if (job.hasFailed())
            {
                job.close(WeirJob.CloseMode.DISCARD);
                return 1;
            }
            err.println("weir job " + name + ": no savepoint (" + describe(ex.getCause()) + "); the job runs to " +
                "its end");
            return -1;
        }
        if (signalled)
        {
            err.println("weir job " + name + ": stopped by signal; savepoint " + savepoint +
                " (resume with --restore " + savepoint + ")");
        }
        else
        {
            out.printf(Locale.ROOT,
                "weir job %s: stopped after %d events with savepoint %s%n", name, job.eventsProcessed(),
                savepoint);
        }
        return 0;
    }

    /**
     * SIGTERM: asks the job's thread for a stop with savepoint, and holds the JVM's shutdown until that thread is
     * done. The exit status is then 1 if it failed (the JVM's own, 143, otherwise).
     */
    private static final class StopSignal
    {
        private final PrintStream err;
        private final Thread hook = new Thread(this::onSignal, "weir-stop-on-signal");
        private final CountDownLatch done = new CountDownLatch(1);
        private volatile boolean requested;
        private volatile int exitCode;
        private boolean installed;

        StopSignal(final PrintStream err)
        {
            this.err = err;
        }

        void install()
        {
            Runtime.getRuntime().addShutdownHook(hook);
            installed = true;
        }

        boolean isRequested()
        {
            return requested;
        }

        /** The job's thread is done, with this exit code: a shutdown waiting for it goes on. */
        void finished(final int code)
        {
            exitCode = code;
            done.countDown();
            if (installed)
            {
                try
                {
                    Runtime.getRuntime().removeShutdownHook(hook);
                }
                catch (final IllegalStateException ignore)
                {
                    // The JVM is shutting down: the hook is running and has seen the exit code.
                }
            }
        }

        private void onSignal()
        {
            requested = true;
            boolean interrupted = false;
            while (true)
            {
                try
                {
                    done.await();
                    break;
                }
                catch (final InterruptedException ex)
                {
                    interrupted = true;
                }
            }
            if (exitCode != 0)
            {
                err.flush();
                System.out.flush();
                Runtime.getRuntime().halt(exitCode);
            }
            if (interrupted)
            {
                Thread.currentThread().interrupt();
            }
        }
    }

    private CheckpointSettings checkpointSettings()
    {
        if (checkpointDir == null)
        {
            final String given = checkpointIntervalMs != null ? "checkpoint-interval-ms" :
                stateWriter != null ? "state-writer" : deltaToBaseRatio != null ? "delta-to-base-ratio" :
                allowNonRestoredState ? "allow-non-restored-state" : null;
            if (given != null)
            {
                throw new UsageException("weir job: --" + given + " needs --checkpoint-dir");
            }
            return CheckpointSettings.DISABLED;
        }
        CheckpointSettings settings = CheckpointSettings.every(checkpointDir, Conventions.range(spec,
            "--checkpoint-interval-ms", checkpointIntervalMs == null ? 1000 : checkpointIntervalMs, 0, Long.MAX_VALUE));
        if (stateWriter != null)
        {
            settings = settings.stateWriter(StateWriterOption.parse(stateWriter, "weir job"));
        }
        if (deltaToBaseRatio != null)
        {
            settings = settings.deltaToBaseRatio(DeltaRatioOption.parse(deltaToBaseRatio, "weir job"));
        }
        if (restore != null)
        {
            settings = settings.restoreFrom(restore);
        }
        settings = settings.allowNonRestoredState(allowNonRestoredState);
        return settings;
    }

    /** NAME: one of the reference jobs. */
    static final class JobName implements CommandLine.ITypeConverter<String>
    {
        @Override
        public String convert(final String value)
        {
            if (!ReferenceJobs.NAMES.contains(value))
            {
                throw new CommandLine.TypeConversionException("unknown job '" + value + "'; jobs: " +
                    String.join(", ", ReferenceJobs.NAMES));
            }
            return value;
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
