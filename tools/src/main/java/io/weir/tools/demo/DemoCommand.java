package io.weir.tools.demo;

import io.weir.engine.HandlerSink;
import io.weir.engine.JobBuilder;
import io.weir.engine.JobFailedException;
import io.weir.engine.WatermarkStrategy;
import io.weir.engine.WeirContext;
import io.weir.engine.WeirJob;
import io.weir.engine.checkpoint.CheckpointSettings;
import io.weir.tools.cli.Backends;
import org.HdrHistogram.Histogram;
import org.agrona.concurrent.BackoffIdleStrategy;

import java.io.PrintStream;
import java.util.concurrent.TimeUnit;

/**
 * {@code weir demo}: a fraud-detection pipeline on a generated card-transaction stream, with a live progress
 * line and a latency, alert and checkpoint report at the end. Runs on the calling thread.
 */
public final class DemoCommand
{
    static final String USAGE = String.join("\n",
        "Usage: weir demo [OPTIONS]",
        "",
        "Fraud detection on a generated card-transaction stream, keyed by card, for a bounded time. Rules:",
        "  velocity  5 or more transactions of one card within 10 s (event time)  -> alert",
        "  spike     an amount above 10x the card's running average (after 3 transactions)  -> alert",
        "  session   30 minutes without a transaction (event-time timer)  -> session summary",
        "Per-card state (count and sum, recent timestamps, the open session, merchant-category counts) lives in",
        "the state backend with a 1 h time to live, and is checkpointed every second. The generator injects",
        "bursts and spikes now and then, so alerts appear. It shows a progress line once a second, then the",
        "latency percentiles (intended send time -> outcome seen on the shard thread, warm-up excluded),",
        "samples and counts of alerts, checkpoint pauses and the state size.",
        "",
        "Options:",
        "  --duration-s S             how long to generate transactions (default " +
            DemoSettings.DURATION_S_DEFAULT + ")",
        "  --rate R                   transactions per second, paced by intended send time (default " +
            DemoSettings.RATE_DEFAULT + ")",
        "  --cards N                  distinct cards (default " + DemoSettings.CARDS_DEFAULT + ")",
        "  --seed X                   seed of the generator: the same seed gives the same cards, amounts and",
        "                             injected fraud (default " + DemoSettings.SEED_DEFAULT + ")",
        "  --shards N                 shard threads (default: available processors)",
        "  --backend B                state backend: chronicle (default) | lmdb | heap",
        "  --checkpoint-dir DIR       where checkpoints go (default ./" + DemoSettings.CHECKPOINT_DIR_DEFAULT +
            "); a run",
        "                             interrupted with Ctrl-C resumes its state from there the next time",
        "  --checkpoint-interval-ms M checkpoint every M ms (default " +
            DemoSettings.CHECKPOINT_INTERVAL_MS_DEFAULT + ")",
        "  --time-scale X             the generated event-time clock starts at the wall clock and runs X times",
        "                             faster (default " + DemoSettings.TIME_SCALE_DEFAULT + ": one second of the " +
            "run is 10 minutes of card activity),",
        "                             so 30-minute sessions end, and summaries appear, within a 20 s run. The",
        "                             1 h state TTL (processing time) is divided by X as well. --time-scale 1",
        "                             runs the rules in real time (no summaries in a short run).",
        "  --out-of-order-ms D        event-time jitter of the generator and the watermark bound (default " +
            DemoSettings.OUT_OF_ORDERNESS_MS_DEFAULT + ")",
        "  --samples N                alerts and summaries shown of each kind (default " +
            DemoSettings.SAMPLES_DEFAULT + ")",
        "  --help                     this text",
        "");

    private static final long TICK_NS = TimeUnit.SECONDS.toNanos(1);

    private DemoCommand()
    {
    }

    /** Run the demo; returns the exit code. Usage errors throw {@link io.weir.tools.cli.UsageException}. */
    public static int run(final String[] args, final PrintStream out, final PrintStream err)
    {
        final DemoSettings settings = DemoSettings.parse(args);
        if (settings.help())
        {
            out.print(USAGE);
            return 0;
        }
        final OutcomeRecorder recorder = new OutcomeRecorder(settings.shards(), settings.samples());
        final WeirContext context = new WeirContext()
            .shards(settings.shards())
            .externalProducers(1)
            .expectedEntriesPerShard(Math.max(1 << 16, settings.cards() * 8L / settings.shards()))
            .stateBackend(Backends.create(settings.backend(), null, false))
            .checkpoints(CheckpointSettings.every(settings.checkpointDir(), settings.checkpointIntervalMs()))
            .log(message -> err.println(DemoSettings.COMMAND + ": " + message));
        final DemoReport report = new DemoReport(settings, out);
        report.header();
        try (WeirJob<CardTransaction, FraudOutcome> job = build(settings, recorder, context))
        {
            job.start();
            final TransactionGenerator generator = new TransactionGenerator(job.producer(0),
                new BackoffIdleStrategy(), settings.cards(), settings.ratePerSecond(), settings.timeScale(),
                settings.outOfOrdernessMs(), settings.seed());
            final Thread generatorThread = new Thread(generator, "weir-demo-generator");
            generatorThread.setDaemon(true);
            generatorThread.start();
            final Histogram total = OutcomeRecorder.newHistogram();
            final long startNs = System.nanoTime();
            final long warmupNs = TimeUnit.SECONDS.toNanos(settings.durationS()) / 5;
            try
            {
                showProgress(settings, job, generator, recorder, total, startNs, warmupNs,
                    new ProgressLine(out, ProgressLine.isTerminal(out)));
            }
            finally
            {
                generator.requestStop();
                generatorThread.join();
            }
            job.awaitTermination();
            recorder.intervalHistogram(report.scratch());
            total.add(report.scratch());
            if (generator.failure() != null)
            {
                err.println(DemoSettings.COMMAND + ": the generator failed: " + generator.failure());
                return 1;
            }
            report.summary(generator.generated(), System.nanoTime() - startNs, warmupNs, total, recorder,
                job.completedCheckpoints(), job.stateSizeBytes());
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

    static WeirJob<CardTransaction, FraudOutcome> build(
        final DemoSettings settings, final OutcomeRecorder recorder, final WeirContext context)
    {
        final long sessionGapMs = settings.sessionGapMs();
        final long stateTtlMs = settings.stateTtlMs();
        return JobBuilder.named("fraud-demo", CardTransaction.Codec.INSTANCE)
            .timestamps(CardTransaction::timestampMs,
                WatermarkStrategy.forBoundedOutOfOrderness(settings.outOfOrdernessMs()))
            .keyBy(CardTransaction::cardId)
            .process(() -> new FraudDetector(sessionGapMs, stateTtlMs))
            .sink(new HandlerSink<>(recorder))
            .build(context);
    }

    /** Once a second until the duration has passed: one progress line; latencies after warm-up go to total. */
    private static void showProgress(
        final DemoSettings settings,
        final WeirJob<CardTransaction, FraudOutcome> job,
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
            final long events = job.eventsProcessed();
            final double seconds = (tickNs - intervalStartNs) / 1e9;
            progress.show(String.format("  %3d s  %,13d events  %,9.0f ev/s  p99 %,7d us  checkpoints %,4d  " +
                "alerts %,d%s",
                TimeUnit.NANOSECONDS.toSeconds(tickNs - startNs + TICK_NS / 2), events,
                (events - lastEvents) / seconds,
                interval.getTotalCount() == 0 ? 0 : interval.getValueAtPercentile(99) / 1000,
                job.completedCheckpoints().size(),
                recorder.count(OutcomeRecorder.VELOCITY) + recorder.count(OutcomeRecorder.SPIKE),
                intervalStartNs - startNs < warmupNs ? "  (warm-up)" : ""));
            lastEvents = events;
            intervalStartNs = tickNs;
        }
        progress.finish();
    }
}
