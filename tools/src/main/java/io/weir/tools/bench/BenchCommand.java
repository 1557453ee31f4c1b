package io.weir.tools.bench;

import io.weir.api.eventtime.WatermarkStrategy;
import io.weir.engine.HandlerSink;
import io.weir.engine.JobBuilder;
import io.weir.engine.Producer;
import io.weir.engine.WeirContext;
import io.weir.engine.WeirJob;
import io.weir.engine.checkpoint.CheckpointSettings;
import io.weir.engine.checkpoint.CheckpointStats;
import io.weir.engine.ThreadScheduling;
import io.weir.tools.common.Backends;
import io.weir.tools.common.Options;
import io.weir.tools.common.DeltaRatioOption;
import io.weir.tools.common.StateWriterOption;
import io.weir.tools.common.UsageException;
import io.weir.api.ThreadingMode;
import io.weir.api.dataflow.JobInvoker;
import io.weir.tools.common.ThreadingOption;
import org.HdrHistogram.Histogram;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.agrona.concurrent.YieldingIdleStrategy;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * {@code weir bench}: the rolling-sum workload of docs/benchmarks.md, generated in memory on the calling thread (one
 * producer) and processed by N shards; throughput mode ({@code --rate 0}) or latency mode at a fixed offered
 * rate, latency measured from each event's intended send time. Prints a human summary, writes an {@code .hgrm}
 * file, and ends with the RESULT line.
 */
public final class BenchCommand
{
    static final String USAGE = String.join("\n",
        "Usage: weir bench [OPTIONS]",
        "",
        "The rolling-sum workload of docs/benchmarks.md: event i has key mix(i + c) mod K and amount 1 + i % 100;",
        "per key a ValueState<long> holds the running sum; each result is discarded after the latency probe.",
        "",
        "  --events N                  events (default 20,000,000)",
        "  --keys K                    distinct keys (default 1,000,000)",
        "  --shards S                  shard threads (default 1: one producer + one shard fits 2 cores)",
        "  --backend B                 chronicle (default) | lmdb | heap",
        "  --rate R                    offered events/s; 0 = throughput mode, unthrottled (default 0)",
        "  --checkpoint-interval-ms M  incremental checkpoints every M ms (default 0 = off)",
        "  --checkpoint-dir DIR        where checkpoints go (default: a temp directory, deleted after)",
        "  --state-writer W            who writes the shards' state files: shard (default) | checkpoint-thread",
        "  --delta-to-base-ratio R     merge a shard's chain of checkpoint files into a new base once it holds",
        "                              10 files and its deltas add up to R times its base (default 0.5; 0: every",
        "                              10 files)",
        "  --idle S                    shard idle strategy: busy-spin | yield | backoff | sleep",
        "                              (default busy-spin when shards + 1 <= cores, else backoff)",
        "  --hgrm FILE                 write the latency percentile distribution (HdrHistogram .hgrm)",
        "  --hlog FILE                 write an HdrHistogram interval log: latency per second, checkpoints marked",
        "  --plot FILE.svg             draw the latency distribution and latency over time as an SVG",
        "  --warmup-percent P          events sent first and excluded from the latency histogram (default 20);",
        "                              with --rate, the measured events start on a new schedule once these",
        "                              are processed, so they do not queue behind a cold start's backlog",
        "  --stateless                 the floor: same pipeline, no state access",
        "  --threading T               dedicated (default: a thread per shard) | shared (one thread for all",
        "                              shards) | invoker (no shard thread: the producer thread runs the shards,",
        "                              invoking after each offer and while it waits for the next send time)",
        "  --pin-cpu LIST              pin the producer thread (with --threading invoker: the thread that runs",
        "                              the shards) to these CPUs, e.g. 1; pair with",
        "                              -Dweir.checkpoint.thread.cpus=0 to keep the checkpoint thread off them",
        "  --state-dir DIR             where lmdb keeps its files (default: a temp directory)",
        "  --prefill                   first write every key once (not measured), so checkpoints start from",
        "                              a full state and deltas hold what the measured events change; keys go",
        "                              in key-group order, the order a sorted store (lmdb) keeps them",
        "  --measure-recovery          after the run, restore the newest checkpoint into a new job and time it",
        "  --job NAME                  instead: a reference job, file in -> file out ('weir bench --job x --help')",
        "",
        "Latency is measured from each event's intended send time start + i * 1e9 / R (coordinated omission):",
        "a stalled pipeline cannot hide its stall. In throughput mode it is queueing delay and may be large.",
        "");

    private BenchCommand()
    {
    }

    public static int run(final String[] args, final PrintStream out, final PrintStream err) throws Exception
    {
        if (Arrays.asList(args).contains("--job"))
        {
            return JobBenchCommand.run(args, out, err);
        }
        final Options options = Options.parse("weir bench", args, 0,
            Set.of("events", "keys", "shards", "backend", "rate", "checkpoint-interval-ms", "checkpoint-dir", "idle",
                "hgrm", "warmup-percent", "state-dir", "state-writer", "hlog", "plot", "threading", "pin-cpu",
                "delta-to-base-ratio"),
            Set.of("help", "stateless", "prefill", "measure-recovery"));
        if (options.flag("help"))
        {
            out.print(USAGE);
            return 0;
        }
        if (!options.positional().isEmpty())
        {
            throw new UsageException("weir bench: unexpected argument " + options.positional().get(0));
        }
        final long events = options.longValue("events", 20_000_000, 1, Long.MAX_VALUE / 2);
        final long keys = options.longValue("keys", 1_000_000, 1, Long.MAX_VALUE);
        final int shards = options.intValue("shards", 1, 1, 128);
        final String backendName = options.string("backend", Backends.DEFAULT);
        final long rate = options.longValue("rate", 0, 0, 1_000_000_000);
        final long intervalMs = options.longValue("checkpoint-interval-ms", 0, 0, Long.MAX_VALUE);
        final int warmupPercent = options.intValue("warmup-percent", 20, 0, 99);
        final boolean stateless = options.flag("stateless");
        final ThreadingMode threading = ThreadingOption.parse(options, "weir bench");
        final String idle = options.string("idle",
            shards + 1 <= Runtime.getRuntime().availableProcessors() ? "busy-spin" : "backoff");
        final Supplier<IdleStrategy> idleStrategy = idleStrategy(idle);
        final Path hgrm = options.flag("hgrm") ? options.path("hgrm") : null;
        final BenchPlot plot = new BenchPlot(options,
            String.format(Locale.ROOT, "weir bench: %s%s, %d shard%s, %s, checkpoints %s", backendName,
                stateless ? " stateless" : "", shards, shards == 1 ? "" : "s",
                rate == 0 ? "throughput mode" : String.format(Locale.ROOT, "%,d events/s", rate),
                intervalMs == 0 ? "off" : "every " + intervalMs + " ms"),
            "weir " + backendName + (stateless ? " stateless" : ""));
        final Path stateDir = options.flag("state-dir") ? options.path("state-dir") : null;
        final Path checkpointDir = intervalMs == 0 ? null :
            options.flag("checkpoint-dir") ? options.path("checkpoint-dir") : Files.createTempDirectory("weir-bench-");

        final GcMonitor gc = GcMonitor.start();
        final long warmupEvents = events * warmupPercent / 100;
        final LatencyProbe probe = new LatencyProbe(shards, warmupEvents);
        final WeirContext context = new WeirContext()
            .shards(shards)
            .threading(threading)
            .externalProducers(1)
            .expectedEntriesPerShard(Math.max(1024, keys / shards + keys / shards / 4))
            .ringCapacityBytes(1 << 22)
            .stateBackend(Backends.createForStreaming(backendName, stateDir, false))
            .shardIdleStrategy(idleStrategy)
            .sourceIdleStrategy(BusySpinIdleStrategy::new)
            .log(message -> err.println("weir bench: " + message));
        if (checkpointDir != null)
        {
            CheckpointSettings settings = CheckpointSettings.every(checkpointDir, intervalMs).retainedCheckpoints(2);
            if (options.flag("state-writer"))
            {
                settings = settings.stateWriter(StateWriterOption.parse(options, "weir bench"));
            }
            if (options.has("delta-to-base-ratio"))
            {
                settings = settings.deltaToBaseRatio(
                    DeltaRatioOption.parse(options.string("delta-to-base-ratio", ""), "weir bench"));
            }
            context.checkpoints(settings);
        }
        else if (options.flag("state-writer") || options.has("delta-to-base-ratio"))
        {
            throw new UsageException("weir bench: --" + (options.flag("state-writer") ? "state-writer" :
                "delta-to-base-ratio") + " needs --checkpoint-interval-ms");
        }
        out.printf(Locale.ROOT,
            "weir bench: %,d events, %,d keys, %d shard(s), backend %s, %s, checkpoints %s, idle %s, " +
            "threading %s%s%n", events, keys, shards, backendName,
            rate == 0 ? "throughput mode" : String.format(Locale.ROOT, "%,d events/s", rate),
            intervalMs == 0 ? "off" : "every " + intervalMs + " ms", idle, threading.name().toLowerCase(Locale.ROOT),
            stateless ? ", STATELESS floor" : "");

        final Histogram total = new Histogram(LatencyProbe.HIGHEST_TRACKABLE_NS, 3);
        long startNs = 0;
        long warmupEndNs = 0;
        long endNs = 0;
        List<CheckpointStats> checkpoints = List.of();
        long stateBytes = 0;
        try
        {
        try (WeirJob<BenchEvent, BenchResult> job = JobBuilder.named("bench-rolling-sum", BenchEvent.Codec.INSTANCE)
            .timestamps(BenchEvent::sequence, WatermarkStrategy.noWatermarks())
            .keyBy(BenchEvent::key)
            .process(() -> new RollingSumBenchFunction(stateless))
            .sink(new HandlerSink<>(probe))
            .build(context))
        {
            job.start();
            final ProgressReporter progress = new ProgressReporter(out, job, probe, total,
                options.flag("prefill") ? keys : 0, events, warmupEvents, plot.openLog());
            progress.start();
            final Producer<BenchEvent> producer = job.producer(0);
            if (options.flag("pin-cpu"))
            {
                try
                {
                    ThreadScheduling.pinCurrentThread(options.string("pin-cpu", ""),
                        message -> err.println("weir bench: " + message));
                }
                catch (final IllegalArgumentException ex)
                {
                    throw new UsageException("weir bench: --pin-cpu: " + ex.getMessage());
                }
            }
            // INVOKER: this thread runs the shard too, right after each offer and while it waits to send.
            final JobInvoker invoker = threading == ThreadingMode.INVOKER ? job.invoker() : null;
            final BenchEvent event = new BenchEvent();
            if (options.flag("prefill"))
            {
                final long prefillStartNs = System.nanoTime();
                // In the order the stores keep keys: a B-tree (LMDB) loads them as appends, several times faster.
                KeyGroupOrder.forEach(keys, context.maxParallelism(), shards, k ->
                {
                    event.key = k;
                    event.amount = 0;
                    event.sequence = -1;
                    event.intendedNs = System.nanoTime();
                    while (!producer.tryOffer(event))
                    {
                        Thread.onSpinWait();
                    }
                    invoke(invoker);
                });
                awaitProcessed(job, invoker, keys);
                out.printf(Locale.ROOT,
                    "prefill:            %,d keys in %.1f s%n", keys, (System.nanoTime() - prefillStartNs) / 1e9);
            }
            final long processedBefore = job.eventsProcessed();
            startNs = System.nanoTime();
            if (rate == 0)
            {
                // A full ring means the shard is the bottleneck: back off rather than spin, so the producer's
                // core is free for the checkpoint thread instead of that thread preempting the shard. The ring
                // holds far more than the longest park (100 us) of work, so the shard never runs dry.
                final IdleStrategy backPressure = new BackoffIdleStrategy(100, 10, 1_000, 100_000);
                for (long i = 0; i < events; i++)
                {
                    if (i == warmupEvents)
                    {
                        warmupEndNs = System.nanoTime();
                    }
                    event.generate(i, keys, System.nanoTime());
                    while (!producer.tryOffer(event))
                    {
                        backPressure.idle();
                        if (job.hasFailed())
                        {
                            break;
                        }
                    }
                    backPressure.reset();
                    invoke(invoker);
                }
            }
            else
            {
                final double intervalNs = 1e9 / rate;
                long scheduleStartNs = startNs;
                if (0 == warmupEvents)
                {
                    warmupEndNs = startNs;
                }
                for (long i = 0; i < events; i++)
                {
                    if (i == warmupEvents && i > 0)
                    {
                        // A cold JVM falls behind the offered rate at first (interpreted code, compilations on the
                        // same cores): the measured events start on a new schedule once the warm-up ones are
                        // processed, rather than queueing behind the warm-up's backlog.
                        awaitProcessed(job, invoker, processedBefore + i);
                        warmupEndNs = System.nanoTime();
                        scheduleStartNs = warmupEndNs - (long)(i * intervalNs);
                    }
                    final long intendedNs = scheduleStartNs + (long)(i * intervalNs);
                    while (System.nanoTime() < intendedNs)
                    {
                        if (0 == invoke(invoker))
                        {
                            Thread.onSpinWait();
                        }
                    }
                    event.generate(i, keys, intendedNs);
                    while (!producer.tryOffer(event))
                    {
                        Thread.onSpinWait();
                        if (job.hasFailed())
                        {
                            break;
                        }
                    }
                    // Behind the offered rate, offer what is due first and process it in one cycle (the store
                    // prefetches the batch's keys together); on time, process each event as soon as it is offered.
                    if (null != invoker && (System.nanoTime() < scheduleStartNs + (long)((i + 1) * intervalNs) ||
                        (i & (INVOKER_BATCH - 1)) == INVOKER_BATCH - 1))
                    {
                        invoker.invoke();
                    }
                }
            }
            producer.endOfInput();
            job.awaitTermination();
            endNs = probe.lastResultNs();
            progress.stop();
            plot.closeLog();
            probe.drainInto(total, new Histogram(LatencyProbe.HIGHEST_TRACKABLE_NS, 3));
            checkpoints = job.completedCheckpoints();
            stateBytes = job.stateSizeBytes();
        }
        if (options.flag("measure-recovery") && checkpointDir != null)
        {
            measureRecovery(out, err, context, checkpointDir, backendName, stateDir, shards, stateless);
        }
        }
        finally
        {
            if (checkpointDir != null && !options.flag("checkpoint-dir"))
            {
                deleteTree(checkpointDir);
            }
        }
        final double seconds = (endNs - startNs) / 1e9;
        final long eventsPerSecond = (long)(events / seconds);
        out.println();
        out.printf(Locale.ROOT, "events/s:           %,d (%,d events in %.3f s)%n", eventsPerSecond, events, seconds);
        out.printf(Locale.ROOT,
            "latency (us):       p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  p99.99 %.1f  max %.1f  (%,d recorded)%n",
            us(total, 50), us(total, 90), us(total, 99), us(total, 99.9), us(total, 99.99),
            total.getMaxValue() / 1e3, total.getTotalCount());
        out.printf(Locale.ROOT, "state size:         %,d bytes (%s)%n", stateBytes, backendName);
        // Checkpoints completed by the system clock the coordinator stamps them with (SystemEpochClock): both
        // clocks read once, so the run's instants map onto it with one offset.
        final long epochMsMinusNanoMs = System.currentTimeMillis() - System.nanoTime() / 1_000_000;
        final long warmupEndEpochMs = epochMsMinusNanoMs + Math.max(startNs, warmupEndNs) / 1_000_000;
        out.println("checkpoints:        " + CheckpointSummary.of(checkpoints, warmupEndEpochMs));
        if (intervalMs > 0)
        {
            out.println("checkpoint gaps:    " + CheckpointSummary.gaps(checkpoints, warmupEndEpochMs,
                epochMsMinusNanoMs + endNs / 1_000_000, intervalMs));
        }
        if (System.getenv("WEIR_VERBOSE") != null)
        {
            checkpoints.forEach(stats -> out.println("  " + stats));
        }
        out.println("gc:                 " + gc.summary(startNs, Math.max(startNs, warmupEndNs), endNs));
        if (hgrm != null)
        {
            try (PrintStream file = new PrintStream(Files.newOutputStream(hgrm), false, StandardCharsets.UTF_8))
            {
                total.outputPercentileDistribution(file, 1000.0);
            }
            out.println("percentiles:        " + hgrm + " (microseconds)");
        }
        plot.write(out);
        out.println(resultLine(backendName, shards, keys, events, rate, checkpoints.size(), intervalMs,
            eventsPerSecond, total) + " threading=" + threading.name().toLowerCase(Locale.ROOT) +
            snapshotPauses(checkpoints));
        return 0;
    }

    /** Restore the newest checkpoint of the run into a fresh job and time until every shard is ready. */
    private static void measureRecovery(
        final PrintStream out,
        final PrintStream err,
        final WeirContext used,
        final Path checkpointDir,
        final String backendName,
        final Path stateDir,
        final int shards,
        final boolean stateless) throws Exception
    {
        final WeirContext context = new WeirContext()
            .shards(shards)
            .externalProducers(1)
            .expectedEntriesPerShard(used.expectedEntriesPerShard())
            .stateBackend(Backends.createForStreaming(backendName, stateDir, false))
            .checkpoints(CheckpointSettings.every(checkpointDir, 0).restoreFrom(
                new io.weir.snapshot.CheckpointDirectory(checkpointDir).latestComplete()
                    .orElseThrow(() -> new IllegalStateException("no complete checkpoint in " + checkpointDir))
                    .directory()))
            .log(message -> err.println("weir bench: recovery: " + message));
        final long startNs = System.nanoTime();
        try (WeirJob<BenchEvent, BenchResult> job = JobBuilder.named("bench-rolling-sum", BenchEvent.Codec.INSTANCE)
            .timestamps(BenchEvent::sequence, WatermarkStrategy.noWatermarks())
            .keyBy(BenchEvent::key)
            .process(() -> new RollingSumBenchFunction(stateless))
            .sink(new HandlerSink<>((shard, result) -> { }))
            .build(context))
        {
            final long builtNs = System.nanoTime();
            job.start();
            while (!job.isReady() && !job.hasFailed())
            {
                Thread.sleep(1);
            }
            final long readyNs = System.nanoTime();
            out.printf(Locale.ROOT,
                "recovery:           checkpoint %d: verify + wire %.1f ms, load state %.1f ms, total %.1f ms%n",
                job.restoredFrom().map(m -> m.checkpointId()).orElse(-1L), (builtNs - startNs) / 1e6,
                (readyNs - builtNs) / 1e6, (readyNs - startNs) / 1e6);
            job.close(WeirJob.CloseMode.DISCARD);
        }
    }

    static String resultLine(
        final String backend,
        final int shards,
        final long keys,
        final long events,
        final long rate,
        final int checkpointsCompleted,
        final long intervalMs,
        final long eventsPerSecond,
        final Histogram histogram)
    {
        return "RESULT job=rolling-sum backend=" + backend + " shards=" + shards + " keys=" + keys +
            " events=" + events + " rate=" + rate + " checkpoints=" + (intervalMs == 0 ? "off" : intervalMs + "ms") +
            " events_per_s=" + eventsPerSecond +
            " p50_ns=" + histogram.getValueAtPercentile(50) +
            " p90_ns=" + histogram.getValueAtPercentile(90) +
            " p99_ns=" + histogram.getValueAtPercentile(99) +
            " p999_ns=" + histogram.getValueAtPercentile(99.9) +
            " p9999_ns=" + histogram.getValueAtPercentile(99.99) +
            " max_ns=" + histogram.getMaxValue() +
            " checkpoints_completed=" + checkpointsCompleted;
    }

    /** Events offered at most between duty cycles when an INVOKER-mode run is behind its offered rate. */
    private static final int INVOKER_BATCH = 16;

    /** Until the job has processed {@code count} events (or failed), invoking it when this thread runs it. */
    private static void awaitProcessed(final WeirJob<?, ?> job, final JobInvoker invoker, final long count)
    {
        while (job.eventsProcessed() < count && !job.hasFailed())
        {
            if (0 == invoke(invoker))
            {
                Thread.onSpinWait();
            }
        }
    }

    /** One duty cycle of the job's sources and shards on this thread in INVOKER mode; 0 otherwise. */
    private static int invoke(final JobInvoker invoker)
    {
        return null == invoker ? 0 : invoker.invoke();
    }

    /**
     * The snapshot points' pauses, apart from the events': {@code snap_count=}, {@code snap_p50_ns=},
     * {@code snap_p99_ns=}, {@code snap_max_ns=} over every shard's snapshot point of every checkpoint of the run.
     * The event percentiles include the events that waited behind a snapshot point.
     */
    static String snapshotPauses(final List<CheckpointStats> checkpoints)
    {
        final long[] pauses = sortedPauses(checkpoints);
        if (0 == pauses.length)
        {
            return " snap_count=0";
        }
        return " snap_count=" + pauses.length + " snap_p50_ns=" + pauses[(int)(pauses.length * 0.5)] +
            " snap_p99_ns=" + pauses[Math.min(pauses.length - 1, (int)(pauses.length * 0.99))] +
            " snap_max_ns=" + pauses[pauses.length - 1];
    }

    /** Every shard's snapshot-point pause of every checkpoint, in ns, ascending. */
    static long[] sortedPauses(final List<CheckpointStats> checkpoints)
    {
        return checkpoints.stream().flatMapToLong(c -> Arrays.stream(c.pausesNs())).sorted().toArray();
    }

    private static double us(final Histogram histogram, final double percentile)
    {
        return histogram.getValueAtPercentile(percentile) / 1e3;
    }

    static Supplier<IdleStrategy> idleStrategy(final String name)
    {
        switch (name)
        {
            case "busy-spin":
                return BusySpinIdleStrategy::new;
            case "yield":
                return YieldingIdleStrategy::new;
            case "backoff":
                return () -> new BackoffIdleStrategy(100, 10, 1_000, 100_000);
            case "sleep":
                return () -> new SleepingMillisIdleStrategy(1);
            default:
                throw new UsageException("weir bench: unknown idle strategy '" + name +
                    "'; use busy-spin, yield, backoff or sleep");
        }
    }

    private static void deleteTree(final Path root) throws IOException
    {
        try (var paths = Files.walk(root))
        {
            for (final Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList())
            {
                Files.deleteIfExists(path);
            }
        }
    }

    /** Pause and size figures over a run's checkpoints. */
    static final class CheckpointSummary
    {
        private CheckpointSummary()
        {
        }

        /**
         * @param warmupEndEpochMs the pauses of checkpoints completed after this are also summarised on their own:
         *                         the first checkpoints of a run load classes and run interpreted, as the first
         *                         events do, which the latency histogram leaves out.
         */
        static String of(final List<CheckpointStats> checkpoints, final long warmupEndEpochMs)
        {
            if (checkpoints.isEmpty())
            {
                return "none";
            }
            final long[] pauses = sortedPauses(checkpoints);
            final long[] steady = checkpoints.stream().filter(c -> c.completedAtMs() > warmupEndEpochMs)
                .flatMapToLong(c -> Arrays.stream(c.pausesNs())).sorted().toArray();
            final long fullBytes = checkpoints.stream().filter(CheckpointStats::full)
                .mapToLong(CheckpointStats::bytesWritten).max().orElse(0);
            final long deltaBytes = (long)checkpoints.stream().filter(c -> !c.full())
                .mapToLong(CheckpointStats::bytesWritten).average().orElse(0);
            final long asyncMaxMs = checkpoints.stream().mapToLong(CheckpointStats::asyncNs).max().orElse(0) /
                1_000_000;
            final long sleeps = checkpoints.stream().mapToLong(CheckpointStats::writerSleeps).sum();
            final long sleptMs = checkpoints.stream().mapToLong(CheckpointStats::writerSleptNs).sum() / 1_000_000;
            return String.format(Locale.ROOT, "%d completed; shard pause us %s; async max %d ms; " +
                "full file bytes max %,d, delta bytes avg %,d; writer slept %,d times, %,d ms; after warm-up: " +
                "%d pauses, shard pause us %s", checkpoints.size(), percentiles(pauses), asyncMaxMs, fullBytes,
                deltaBytes, sleeps, sleptMs, steady.length, percentiles(steady));
        }

        /**
         * The longest stretch of the measured run, {@code [fromEpochMs, toEpochMs]}, in which no checkpoint
         * completed: a throughput measured "with checkpoints" may have run long stretches without one (a chain
         * being compacted into a new base holds the next checkpoint back, an overdue state file is written only
         * between events).
         */
        static String gaps(
            final List<CheckpointStats> checkpoints,
            final long fromEpochMs,
            final long toEpochMs,
            final long intervalMs)
        {
            final long[] completed = checkpoints.stream().mapToLong(CheckpointStats::completedAtMs)
                .filter(ms -> ms > fromEpochMs && ms < toEpochMs).sorted().toArray();
            long longest = 0;
            long previous = fromEpochMs;
            for (final long ms : completed)
            {
                longest = Math.max(longest, ms - previous);
                previous = ms;
            }
            longest = Math.max(longest, toEpochMs - previous);
            final String gaps = String.format(Locale.ROOT,
                "longest %,d ms without a completed checkpoint after warm-up " +
                "(%,d completed in %,d ms, one asked every %,d ms)", longest, completed.length,
                toEpochMs - fromEpochMs, intervalMs);
            return longest > 3 * intervalMs ?
                gaps + "; the events in it were measured without one" : gaps;
        }

        private static String percentiles(final long[] sorted)
        {
            if (0 == sorted.length)
            {
                return "none";
            }
            return String.format(Locale.ROOT, "p50 %.1f p99 %.1f max %.1f", sorted[(int)(sorted.length * 0.5)] / 1e3,
                sorted[Math.min(sorted.length - 1, (int)(sorted.length * 0.99))] / 1e3, sorted[sorted.length - 1] / 1e3);
        }
    }
}
