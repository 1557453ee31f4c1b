package io.weir.tools.demo;

import io.weir.engine.checkpoint.CheckpointStats;
import io.weir.snapshot.CheckpointDirectory;
import org.HdrHistogram.Histogram;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/** What {@code weir demo} prints before and after the run. Used by the command's thread. */
final class DemoReport
{
    private final DemoSettings settings;
    private final PrintStream out;
    private final Histogram scratch = OutcomeRecorder.newHistogram();

    DemoReport(final DemoSettings settings, final PrintStream out)
    {
        this.settings = settings;
        this.out = out;
    }

    Histogram scratch()
    {
        return scratch;
    }

    void header()
    {
        out.printf(Locale.ROOT,
            "weir demo: fraud detection on %s cards at %s transactions/s (reached after a %.1f s warm-up) " +
            "for %d s; %d shard(s), backend %s, checkpoints every %d ms into %s%n", DemoFormat.count(settings.cards()),
            DemoFormat.count(settings.ratePerSecond()), settings.warmupNs() / 1e9, settings.durationS(),
            settings.shards(), settings.backend(), settings.checkpointIntervalMs(), settings.checkpointDir());
        out.println("  pipeline: transactions + card profiles -> enrich (keyed by card) -> score (keyed by card, " +
            "rules broadcast) -> alerts; scored -> per-merchant 10-minute windows");
        out.printf(Locale.ROOT, "  rules %s (from the start)%n", FraudRules.INITIAL.describe());
        out.printf(Locale.ROOT,
            "  rules %s (published after %d s)%n", FraudRules.TIGHTENED.describe(), settings.durationS() / 2);
        out.printf(Locale.ROOT,
            "  session summary after %d min without a transaction%n", settings.sessionGapMs() / 60_000);
        out.printf(Locale.ROOT,
            "  event time runs %dx the wall clock (--time-scale): 30 min of inactivity is %.1f s of the run, " +
            "the 1 h state TTL is %.1f s; seed %d%n", settings.timeScale(),
            settings.sessionGapMs() / (double)settings.timeScale() / 1000, settings.stateTtlMs() / 1000.0,
            settings.seed());
        out.flush();
    }

    void summary(
        final long generated,
        final long elapsedNs,
        final long warmupNs,
        final double ratePerSecondAfterWarmup,
        final Histogram latency,
        final OutcomeRecorder recorder,
        final MerchantRecorder merchants,
        final List<CheckpointStats> checkpoints,
        final long stateSizeBytes)
    {
        final double seconds = elapsedNs / 1e9;
        out.println();
        out.printf(Locale.ROOT, "Done in %.1f s: %s transactions on %d shard(s), %s/s on average", seconds,
            DemoFormat.count(generated), settings.shards(), DemoFormat.count((long)(generated / seconds)));
        if (ratePerSecondAfterWarmup >= 0)
        {
            out.printf(Locale.ROOT, ", %s/s after the warm-up", DemoFormat.count((long)ratePerSecondAfterWarmup));
        }
        out.println('.');
        if (ratePerSecondAfterWarmup >= 0 && ratePerSecondAfterWarmup < settings.ratePerSecond() * 0.95)
        {
            out.printf(Locale.ROOT,
                "Note: the engine kept up with only %.0f%% of --rate %s on this machine, so the latencies " +
                "below include queueing behind the backlog; a lower --rate shows the engine's own latency.%n",
                100.0 * ratePerSecondAfterWarmup / settings.ratePerSecond(),
                DemoFormat.count(settings.ratePerSecond()));
        }
        out.println();
        out.printf(Locale.ROOT,
            "Latency, intended send time -> outcome on the shard thread (from the first progress line after " +
            "the %.1f s warm-up at a rising rate; %s transactions):%n", warmupNs / 1e9,
            DemoFormat.count(latency.getTotalCount()));
        if (latency.getTotalCount() > 0)
        {
            out.printf(Locale.ROOT, "  p50 %s us   p90 %s us   p99 %s us   p99.9 %s us   max %s us%n",
                micros(latency.getValueAtPercentile(50)), micros(latency.getValueAtPercentile(90)),
                micros(latency.getValueAtPercentile(99)), micros(latency.getValueAtPercentile(99.9)),
                micros(latency.getMaxValue()));
        }
        out.println();
        out.println("Alerts and summaries:");
        out.printf(Locale.ROOT, "  %-16s %12s   too many transactions of one card within %d s%n", "velocity",
            DemoFormat.count(recorder.count(OutcomeRecorder.VELOCITY)), FraudDetector.VELOCITY_WINDOW_MS / 1000);
        out.printf(Locale.ROOT, "  %-16s %12s   an amount far above the card's running average%n", "spike",
            DemoFormat.count(recorder.count(OutcomeRecorder.SPIKE)));
        out.printf(Locale.ROOT, "  %-16s %12s   a large amount outside the card's home country%n", "abroad",
            DemoFormat.count(recorder.count(OutcomeRecorder.ABROAD)));
        out.printf(Locale.ROOT,
            "  %-16s %12s   sessions ended by %d min of inactivity (open ones end with the input)%n",
            "session summary", DemoFormat.count(recorder.count(OutcomeRecorder.SESSION)),
            settings.sessionGapMs() / 60_000);
        out.println();
        out.println("Per rules version (each shard switches when the new rules reach it):");
        for (final FraudRules rules : new FraudRules[]{FraudRules.INITIAL, FraudRules.TIGHTENED})
        {
            final long scored = recorder.transactions(rules.version);
            final long alerted = recorder.alertedTransactions(rules.version);
            out.printf(Locale.ROOT,
                "  v%d  %12s transactions  %10s with alerts  (%.2f per 1,000)  applied by %d of %d " +
                "shard(s)%n", rules.version, DemoFormat.count(scored), DemoFormat.count(alerted),
                scored == 0 ? 0.0 : 1000.0 * alerted / scored, recorder.shardsApplied(rules.version),
                settings.shards());
        }
        out.println();
        out.printf(Locale.ROOT,
            "Per merchant: %s window totals (%d-minute tumbling windows, event time) from %s merchants; " +
            "most alerts:%n", DemoFormat.count(merchants.windows()), FraudPipeline.MERCHANT_WINDOW_MS / 60_000,
            DemoFormat.count(merchants.merchants().size()));
        for (final MerchantTotals top : merchants.top(5))
        {
            out.printf(Locale.ROOT,
                "  merchant %-6d %10s transactions  %14s  %6s alerts  %12s alerted%n", top.merchantId,
                DemoFormat.count(top.transactions), DemoFormat.money(top.amountCents),
                DemoFormat.count(top.alerts), DemoFormat.money(top.alertedAmountCents));
        }
        for (int kind = 0; kind < OutcomeRecorder.KIND_NAMES.length; kind++)
        {
            final List<FraudOutcome> samples = recorder.samples(kind, settings.samples());
            if (!samples.isEmpty())
            {
                out.println();
                out.printf(Locale.ROOT, "First %s %s:%n", OutcomeRecorder.KIND_NAMES[kind],
                    kind == OutcomeRecorder.SESSION ? "records" : "alerts");
                for (final FraudOutcome sample : samples)
                {
                    out.println("  " + sample.describe());
                }
            }
        }
        out.println();
        checkpointSummary(checkpoints);
        out.printf(Locale.ROOT, "State: %s in the stores of %d shard(s), every keyed stage (%s backend)%n",
            bytes(stateSizeBytes), settings.shards(), settings.backend());
        out.println();
        out.println("The checkpoints are still in " + settings.checkpointDir() + "; inspect them with:");
        out.println("  ./weir snapshot list " + settings.checkpointDir());
        if (!checkpoints.isEmpty())
        {
            final String last = settings.checkpointDir().resolve(CheckpointDirectory.checkpointDirectoryName(
                checkpoints.get(checkpoints.size() - 1).checkpointId())).toString();
            out.println("  ./weir snapshot show " + last);
            out.println("  ./weir snapshot dump " + last + " --operator score --state session --format csv | head");
        }
        out.flush();
    }

    private void checkpointSummary(final List<CheckpointStats> checkpoints)
    {
        if (checkpoints.isEmpty())
        {
            out.println("Checkpoints: none completed");
            return;
        }
        final long[] pausesNs = new long[checkpoints.size()];
        long maxAsyncNs = 0;
        long bytesWritten = 0;
        int full = 0;
        for (int i = 0; i < pausesNs.length; i++)
        {
            final CheckpointStats stats = checkpoints.get(i);
            pausesNs[i] = stats.maxPauseNs();
            maxAsyncNs = Math.max(maxAsyncNs, stats.asyncNs());
            bytesWritten += stats.bytesWritten();
            full += stats.full() ? 1 : 0;
        }
        Arrays.sort(pausesNs);
        out.printf(Locale.ROOT,
            "Checkpoints: %d completed (%d full, %d incremental), shard pause (longest per checkpoint) " +
            "median %s us, max %s us, max async write %d ms, %s written%n", checkpoints.size(), full,
            checkpoints.size() - full, micros(pausesNs[(pausesNs.length - 1) / 2]),
            micros(pausesNs[pausesNs.length - 1]),
            TimeUnit.NANOSECONDS.toMillis(maxAsyncNs), bytes(bytesWritten));
    }

    private static String micros(final long nanos)
    {
        return DemoFormat.count(Math.round(nanos / 1000.0));
    }

    private static String bytes(final long bytes)
    {
        if (bytes >= 1 << 20)
        {
            return String.format(Locale.ROOT, "%.1f MB", bytes / (double)(1 << 20));
        }
        return String.format(Locale.ROOT, "%.1f KB", bytes / 1024.0);
    }
}
