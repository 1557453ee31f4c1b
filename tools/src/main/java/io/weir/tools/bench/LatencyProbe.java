package io.weir.tools.bench;

import io.weir.engine.ResultHandler;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;

/**
 * The sink's latency probe: on the shard thread, as a result leaves the keyed operator, records
 * {@code now - intended send time} into that shard's recorder (single writer, wait-free), skipping warm-up
 * events, and notes when the shard's last result left. The reporting thread samples the recorders.
 */
final class LatencyProbe implements ResultHandler<BenchResult>
{
    static final long HIGHEST_TRACKABLE_NS = 3_600_000_000_000L;

    private final SingleWriterRecorder[] recorders;
    /**
     * Each recorder's last interval histogram, handed back to it for the next interval. The reporter thread's, then
     * the main thread's once the reporter is joined (the last drain).
     */
    private final Histogram[] recycled;
    private final long[] lastResultNs;
    private final long warmupEvents;

    LatencyProbe(final int shards, final long warmupEvents)
    {
        this.recorders = new SingleWriterRecorder[shards];
        this.recycled = new Histogram[shards];
        for (int i = 0; i < shards; i++)
        {
            recorders[i] = new SingleWriterRecorder(HIGHEST_TRACKABLE_NS, 3);
        }
        this.lastResultNs = new long[shards * 8];
        this.warmupEvents = warmupEvents;
    }

    public void onResult(final int shardId, final BenchResult value)
    {
        final long nowNs = System.nanoTime();
        if (value.sequence >= warmupEvents)
        {
            recorders[shardId].recordValue(Math.min(Math.max(nowNs - value.intendedNs, 0), HIGHEST_TRACKABLE_NS));
        }
        // Padded by 8 longs so shards do not share a cache line; read after the shard threads are joined.
        lastResultNs[shardId * 8] = nowNs;
    }

    /**
     * Add every shard's interval histogram to {@code total} and return the interval's merge. The reporter thread, or
     * the main thread after it joined the reporter.
     */
    Histogram drainInto(final Histogram total, final Histogram interval)
    {
        interval.reset();
        for (int i = 0; i < recorders.length; i++)
        {
            // Recycled: a new histogram a second per shard was most of the bench's own garbage.
            recycled[i] = recorders[i].getIntervalHistogram(recycled[i]);
            interval.add(recycled[i]);
        }
        total.add(interval);
        return interval;
    }

    /** Latest result time over all shards; valid after the shard threads finished. */
    long lastResultNs()
    {
        long last = 0;
        for (int i = 0; i < lastResultNs.length; i += 8)
        {
            last = Math.max(last, lastResultNs[i]);
        }
        return last;
    }
}
