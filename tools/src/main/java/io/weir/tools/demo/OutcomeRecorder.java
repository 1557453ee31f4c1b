package io.weir.tools.demo;

import io.weir.engine.ResultHandler;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The demo's outcome sink, called on each shard thread: records the latency of every transaction outcome
 * (intended send time &rarr; now) into that shard's {@link SingleWriterRecorder}, counts alerts and summaries,
 * transactions and alerts per rules version and the rule changes each shard applied, and keeps the first few of
 * each kind of alert as samples.
 * <p>
 * {@link #onResult} from shard {@code shardId}'s thread only. {@link #intervalHistogram} and the counters from
 * one reporting thread at any time; {@link #samples} after the job has terminated.
 */
public final class OutcomeRecorder implements ResultHandler<FraudOutcome>
{
    public static final int VELOCITY = 0;
    public static final int SPIKE = 1;
    public static final int ABROAD = 2;
    public static final int SESSION = 3;
    public static final String[] KIND_NAMES = {"velocity", "spike", "abroad", "session summary"};
    private static final int KINDS = 4;
    private static final int VERSIONS = FraudRules.MAX_VERSION + 1;
    /** Per shard and version: transactions scored, transactions with an alert, rules applied. */
    private static final int PER_VERSION = 3;
    private static final long HIGHEST_TRACKABLE_NS = 120_000_000_000L;

    private final int samplesPerKind;
    private final SingleWriterRecorder[] recorders;
    private final Histogram[] recycled;
    private final AtomicLongArray counts;
    private final AtomicLongArray versionCounts;
    private final List<List<List<FraudOutcome>>> samplesByShard = new ArrayList<>();

    public OutcomeRecorder(final int shards, final int samplesPerKind)
    {
        this.samplesPerKind = samplesPerKind;
        this.recorders = new SingleWriterRecorder[shards];
        this.recycled = new Histogram[shards];
        this.counts = new AtomicLongArray(shards * KINDS);
        this.versionCounts = new AtomicLongArray(shards * VERSIONS * PER_VERSION);
        for (int s = 0; s < shards; s++)
        {
            recorders[s] = new SingleWriterRecorder(1, HIGHEST_TRACKABLE_NS, 3);
            final List<List<FraudOutcome>> byKind = new ArrayList<>();
            for (int k = 0; k < KINDS; k++)
            {
                byKind.add(new ArrayList<>());
            }
            samplesByShard.add(byKind);
        }
    }

    public void onResult(final int shardId, final FraudOutcome outcome)
    {
        if (outcome.isSessionSummary())
        {
            count(shardId, SESSION, outcome);
            return;
        }
        final int versionBase = (shardId * VERSIONS + outcome.ruleVersion) * PER_VERSION;
        if (outcome.isRulesApplied())
        {
            increment(versionCounts, versionBase + 2);
            return;
        }
        final long latencyNs = System.nanoTime() - outcome.sendTimeNs;
        recorders[shardId].recordValue(Math.min(Math.max(latencyNs, 1), HIGHEST_TRACKABLE_NS));
        increment(versionCounts, versionBase);
        if (outcome.alerts != 0)
        {
            increment(versionCounts, versionBase + 1);
        }
        if (outcome.isVelocityAlert())
        {
            count(shardId, VELOCITY, outcome);
        }
        if (outcome.isSpikeAlert())
        {
            count(shardId, SPIKE, outcome);
        }
        if (outcome.isAbroadAlert())
        {
            count(shardId, ABROAD, outcome);
        }
    }

    private static void increment(final AtomicLongArray array, final int index)
    {
        array.lazySet(index, array.get(index) + 1);
    }

    /** Transactions scored under rules {@code version} so far, all shards. */
    public long transactions(final int version)
    {
        return sumOverShards(version, 0);
    }

    /** Transactions scored under rules {@code version} that raised at least one alert, all shards. */
    public long alertedTransactions(final int version)
    {
        return sumOverShards(version, 1);
    }

    /** Shards that have taken rules {@code version} into force so far. */
    public long shardsApplied(final int version)
    {
        return sumOverShards(version, 2);
    }

    private long sumOverShards(final int version, final int what)
    {
        long total = 0;
        for (int s = 0; s < recorders.length; s++)
        {
            total += versionCounts.get((s * VERSIONS + version) * PER_VERSION + what);
        }
        return total;
    }

    /** Transactions scored so far, every version, all shards. */
    public long transactions()
    {
        long total = 0;
        for (int version = 0; version < VERSIONS; version++)
        {
            total += transactions(version);
        }
        return total;
    }

    private void count(final int shardId, final int kind, final FraudOutcome outcome)
    {
        final int index = shardId * KINDS + kind;
        final long count = counts.get(index);
        counts.lazySet(index, count + 1);
        if (count < samplesPerKind)
        {
            samplesByShard.get(shardId).get(kind).add(outcome.copy());
        }
    }

    /** Alerts or summaries of {@code kind} so far, all shards. */
    public long count(final int kind)
    {
        long total = 0;
        for (int s = 0; s < recorders.length; s++)
        {
            total += counts.get(s * KINDS + kind);
        }
        return total;
    }

    /** Latencies recorded since the previous call, all shards, added to {@code into} (which is reset first). */
    public Histogram intervalHistogram(final Histogram into)
    {
        into.reset();
        for (int s = 0; s < recorders.length; s++)
        {
            recycled[s] = recorders[s].getIntervalHistogram(recycled[s]);
            into.add(recycled[s]);
        }
        return into;
    }

    /** The first samples of {@code kind}, earliest event time first, at most {@code limit}. */
    public List<FraudOutcome> samples(final int kind, final int limit)
    {
        final List<FraudOutcome> all = new ArrayList<>();
        for (final List<List<FraudOutcome>> byKind : samplesByShard)
        {
            all.addAll(byKind.get(kind));
        }
        all.sort((a, b) -> Long.compare(a.timestampMs, b.timestampMs));
        return all.size() > limit ? all.subList(0, limit) : all;
    }

    public static Histogram newHistogram()
    {
        return new Histogram(1, HIGHEST_TRACKABLE_NS, 3);
    }
}
