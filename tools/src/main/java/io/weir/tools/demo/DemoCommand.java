package io.weir.tools.demo;

import io.weir.api.eventtime.WatermarkStrategy;
import io.weir.engine.HandlerSink;
import io.weir.engine.JobFailedException;
import io.weir.engine.WeirContext;
import io.weir.engine.WeirJob;
import io.weir.engine.checkpoint.CheckpointSettings;
import io.weir.tools.common.Backends;
import io.weir.tools.common.Conventions;
import io.weir.tools.common.UsageException;
import org.HdrHistogram.Histogram;
import org.agrona.concurrent.BackoffIdleStrategy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code weir demo}: a fraud-detection pipeline ({@link FraudPipeline}) on generated card-transaction, card-profile
 * and rules streams, with a live progress line and a latency, alert, rules, merchant and checkpoint report at the
 * end. Runs on the calling thread.
 */
@Command(
    name = "demo",
    customSynopsis = "weir demo [OPTIONS]",
    header = "fraud detection on generated card streams: alerts, rule changes, merchants, latency, checkpoints",
    description = {
        "A fraud-detection dataflow on generated streams, for a bounded time:",
        "  enrich          transactions joined with the card-profile stream (home country), keyed by card;",
        "                  a transaction that comes before its card's profile waits for it in keyed state",
        "  score           per card, with thresholds from the rules stream (broadcast state):",
        "    velocity      N or more transactions of one card within 10 s (event time)  -> alert",
        "    spike         an amount above F x the card's running average (after 3 transactions)  -> alert",
        "    abroad        an amount above A outside the card's home country  -> alert",
        "    session       30 minutes without a transaction (event-time timer)  -> session summary",
        "  merchant-totals per merchant, transactions, amount and alerts in 10-minute windows (event time)",
        "The rules are published at the start and tightened half-way through the run; the report shows the",
        "alerts under each version. State lives in the state backend (the scoring state with a 1 h time to",
        "live) and is checkpointed every second. The generator injects bursts, spikes and large payments",
        "abroad now and then. It shows a progress line once a second, then the latency percentiles (intended",
        "send time -> outcome seen on the shard thread, warm-up excluded), samples and counts of alerts,",
        "alerts per rules version, the merchants with most alerts, checkpoint pauses and the state size."},
    sortOptions = false)
public final class DemoCommand implements Callable<Integer>
{
    private static final long TICK_NS = TimeUnit.SECONDS.toNanos(1);
    /**
     * The scoring stage keeps lists that grow by an element a transaction and maps and sessions beside 8-byte
     * counters in one store: in Chronicle's default 16-byte chunks, inserts and growth searched the free bitmaps
     * for long runs (15% of the shards' time at --rate 300000); 64-byte chunks processed 17% more transactions.
     */
    private static final int CHRONICLE_CHUNK_BYTES = 64;

    @Spec
    private CommandSpec spec;

    @Option(names = "--duration-s", paramLabel = "S",
        description = "how long to generate transactions (default ${DEFAULT-VALUE})")
    private long durationS = DemoSettings.DURATION_S_DEFAULT;

    @Option(names = "--rate", paramLabel = "R",
        description = "transactions per second, paced by intended send time (default ${DEFAULT-VALUE})")
    private long rate = DemoSettings.RATE_DEFAULT;

    @Option(names = "--cards", paramLabel = "N", description = "distinct cards (default ${DEFAULT-VALUE})")
    private int cards = DemoSettings.CARDS_DEFAULT;

    @Option(names = "--seed", paramLabel = "X", description =
        "seed of the generator: the same seed gives the same cards, amounts and injected fraud " +
        "(default ${DEFAULT-VALUE})")
    private long seed = DemoSettings.SEED_DEFAULT;

    @Option(names = "--shards", paramLabel = "N", description = "shard threads (default: available processors)")
    private int shards = Runtime.getRuntime().availableProcessors();

    @Option(names = "--backend", paramLabel = "B", description = "state backend: chronicle (default) | lmdb | heap")
    private String backend = Backends.DEFAULT;

    @Option(names = "--checkpoint-dir", paramLabel = "DIR", description =
        "where checkpoints go (default ./${DEFAULT-VALUE}); a run interrupted with Ctrl-C resumes its " +
        "state from there the next time")
    private Path checkpointDir = Path.of(DemoSettings.CHECKPOINT_DIR_DEFAULT);

    @Option(names = "--checkpoint-interval-ms", paramLabel = "M",
        description = "checkpoint every M ms (default ${DEFAULT-VALUE})")
    private long checkpointIntervalMs = DemoSettings.CHECKPOINT_INTERVAL_MS_DEFAULT;

    @Option(names = "--allow-non-restored-state", description =
        "resume from --checkpoint-dir even if it holds state this demo no longer has (written by another " +
        "version of it); the state is dropped. Without it such a resume is refused, naming the state")
    private boolean allowNonRestoredState;

    @Option(names = "--time-scale", paramLabel = "X", description =
        "the generated event-time clock starts at the wall clock and runs X times faster (default " +
        "${DEFAULT-VALUE}: one second of the run is 10 minutes of card activity), so 30-minute " +
        "sessions end, and summaries appear, within a 20 s run. The 1 h state TTL (processing time) " +
        "is divided by X as well. --time-scale 1 runs the rules in real time (no summaries in a short " +
        "run).")
    private long timeScale = DemoSettings.TIME_SCALE_DEFAULT;

    @Option(names = "--out-of-order-ms", paramLabel = "D",
        description = "event-time jitter of the generator and the watermark bound (default ${DEFAULT-VALUE})")
    private long outOfOrdernessMs = DemoSettings.OUT_OF_ORDERNESS_MS_DEFAULT;

    @Option(names = "--samples", paramLabel = "N",
        description = "alerts and summaries shown of each kind (default ${DEFAULT-VALUE})")
    private int samples = DemoSettings.SAMPLES_DEFAULT;

    private final PrintStream out;
    private final PrintStream err;

    DemoCommand(final PrintStream out, final PrintStream err)
    {
        this.out = out;
        this.err = err;
    }

    /** The options, validated. */
    private DemoSettings settings()
    {
        if (!Backends.NAMES.contains(backend))
        {
            throw new UsageException(DemoSettings.COMMAND + ": unknown backend '" + backend + "'; backends: " +
                String.join(", ", Backends.NAMES));
        }
        return new DemoSettings(
            Conventions.range(spec, "--duration-s", durationS, 1, 24 * 3600),
            Conventions.range(spec, "--rate", rate, 1, 100_000_000),
            Conventions.range(spec, "--cards", cards, 1, 100_000_000),
            seed,
            Conventions.range(spec, "--shards", shards, 1, 128),
            backend,
            checkpointDir,
            Conventions.range(spec, "--checkpoint-interval-ms", checkpointIntervalMs, 10, 3_600_000),
            Conventions.range(spec, "--time-scale", timeScale, 1, 100_000),
            Conventions.range(spec, "--out-of-order-ms", outOfOrdernessMs, 0, 3_600_000),
            Conventions.range(spec, "--samples", samples, 0, 1000));
    }

    /** Run the demo; returns the exit code. Usage errors throw {@link UsageException}. */
    @Override
    public Integer call()
    {
        final DemoSettings settings = settings();
        final OutcomeRecorder recorder = new OutcomeRecorder(settings.shards(), settings.samples());
        final MerchantRecorder merchants = new MerchantRecorder(settings.shards());
        final WeirContext context = new WeirContext()
            .shards(settings.shards())
            .stateBackend(Backends.createForStreaming(settings.backend(), null, false, CHRONICLE_CHUNK_BYTES))
            .checkpoints(CheckpointSettings.every(settings.checkpointDir(), settings.checkpointIntervalMs())
                .allowNonRestoredState(allowNonRestoredState))
            .log(message -> err.println(DemoSettings.COMMAND + ": " + message));
        final DemoReport report = new DemoReport(settings, out);
        report.header();
        try (WeirJob<Object, Object> job = build(settings, recorder, merchants, context))
        {
            job.start();
            final TransactionGenerator generator = new TransactionGenerator(
                job.producer(FraudPipeline.TRANSACTIONS, 0), job.producer(FraudPipeline.PROFILES, 0),
                job.producer(FraudPipeline.RULES, 0), TimeUnit.SECONDS.toNanos(settings.durationS()) / 2,
                settings.warmupNs(), new BackoffIdleStrategy(), settings.cards(), settings.ratePerSecond(),
                settings.timeScale(), settings.outOfOrdernessMs(), settings.seed());
            final Thread generatorThread = new Thread(generator, "weir-demo-generator");
            generatorThread.setDaemon(true);
            generatorThread.start();
            final Histogram total = OutcomeRecorder.newHistogram();
            final long startNs = System.nanoTime();
            final long warmupNs = settings.warmupNs();
            final WarmupEnd warmupEnd;
            try
            {
                warmupEnd = showProgress(settings, job, generator, recorder, total, startNs, warmupNs,
                    new ProgressLine(out, ProgressLine.isTerminal(out)));
            }
            finally
            {
                generator.requestStop();
                generatorThread.join();
            }
            final long stoppedNs = System.nanoTime();
            final long generated = generator.generated();
            job.awaitTermination();
            recorder.intervalHistogram(report.scratch());
            total.add(report.scratch());
            if (generator.failure() != null)
            {
                err.println(DemoSettings.COMMAND + ": the generator failed: " + generator.failure());
                return 1;
            }
            // Transactions the engine accepted after the warm-up, over the time the generator ran after it.
            report.summary(generated, System.nanoTime() - startNs, warmupNs,
                null == warmupEnd ? -1 : (generated - warmupEnd.generated) * 1e9 / (stoppedNs - warmupEnd.nanoTime),
                total, recorder, merchants, job.completedCheckpoints(), job.stateSizeBytes());
        }
        catch (final JobFailedException ex)
        {
            err.println(DemoSettings.COMMAND + ": failed: " + ex.getCause());
            return 1;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            err.println(DemoSettings.COMMAND + ": interrupted");
            return 1;
        }
        return 0;
    }

    static WeirJob<Object, Object> build(
        final DemoSettings settings,
        final OutcomeRecorder recorder,
        final MerchantRecorder merchants,
        final WeirContext context)
    {
        return context.build(FraudPipeline.dataflow(settings.outOfOrdernessMs(), settings.sessionGapMs(),
            settings.stateTtlMs(), new HandlerSink<>(recorder), new HandlerSink<>(merchants),
            (long)settings.cards() / settings.shards()));
    }

    /** Transactions generated by the end of the warm-up, and when it ended. */
    private record WarmupEnd(long generated, long nanoTime)
    {
    }

    /**
     * Once a second until the duration has passed: one progress line; latencies after warm-up go to total.
     *
     * @return where the warm-up ended, or null if the run ended first.
     */
    private static WarmupEnd showProgress(
        final DemoSettings settings,
        final WeirJob<Object, Object> job,
        final TransactionGenerator generator,
        final OutcomeRecorder recorder,
        final Histogram total,
        final long startNs,
        final long warmupNs,
        final ProgressLine progress) throws InterruptedException
    {
        final Histogram interval = OutcomeRecorder.newHistogram();
        final long endNs = startNs + TimeUnit.SECONDS.toNanos(settings.durationS());
        long intervalStartNs = startNs;
        long lastEvents = 0;
        WarmupEnd warmupEnd = null;
        while (true)
        {
            final long nowNs = System.nanoTime();
            if (nowNs - endNs >= 0 || generator.failure() != null)
            {
                break;
            }
            final long waitNs = Math.min(endNs - nowNs, intervalStartNs + TICK_NS - nowNs);
            if (waitNs > 0 && job.awaitTermination(waitNs, TimeUnit.NANOSECONDS))
            {
                break;
            }
            final long tickNs = System.nanoTime();
            if (tickNs - intervalStartNs < TICK_NS / 2)
            {
                continue;
            }
            recorder.intervalHistogram(interval);
            if (intervalStartNs - startNs >= warmupNs)
            {
                total.add(interval);
            }
            else if (tickNs - startNs >= warmupNs && endNs - tickNs >= TICK_NS / 2)
            {
                // The interval that ended the warm-up: later latencies count, and so do later transactions, when
                // there is at least half a tick of them.
                warmupEnd = new WarmupEnd(generator.generated(), tickNs);
            }
            final long events = job.eventsProcessed();
            final double seconds = (tickNs - intervalStartNs) / 1e9;
            progress.show(String.format(Locale.ROOT,
                "  %3d s  %,13d events  %,9.0f ev/s  p99 %,7d us  checkpoints %,4d  " +
                "alerts %,d  rules v%d%s",
                TimeUnit.NANOSECONDS.toSeconds(tickNs - startNs + TICK_NS / 2), events,
                (events - lastEvents) / seconds,
                interval.getTotalCount() == 0 ? 0 : interval.getValueAtPercentile(99) / 1000,
                job.completedCheckpoints().size(),
                recorder.count(OutcomeRecorder.VELOCITY) + recorder.count(OutcomeRecorder.SPIKE) +
                recorder.count(OutcomeRecorder.ABROAD),
                recorder.shardsApplied(FraudRules.TIGHTENED.version) == settings.shards() ?
                FraudRules.TIGHTENED.version : FraudRules.INITIAL.version,
                intervalStartNs - startNs < warmupNs ? "  (warm-up)" : ""));
            lastEvents = events;
            intervalStartNs = tickNs;
        }
        progress.finish();
        return warmupEnd;
    }
}
