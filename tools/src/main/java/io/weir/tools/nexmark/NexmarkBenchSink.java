package io.weir.tools.nexmark;

import io.weir.api.connector.SinkFactory;
import io.weir.api.connector.SinkWriter;
import io.weir.tools.nexmark.queries.NexmarkQuery;
import org.HdrHistogram.Histogram;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Discards a query's rows, recording each row's latency: now minus the time the source emitted the first event of
 * the row's due time ({@link NexmarkQuery#dueTime}), from a table of emission times per millisecond of event time
 * that the source fills ({@link #emitted}). Rows due before {@code warmupMs} of event time, or after the last
 * event (flushed by the end of input), are counted but not timed. Writers run on shard threads; the results are
 * read after the job ended.
 */
final class NexmarkBenchSink<R> implements SinkFactory<R>
{
    private static final long HIGHEST_TRACKABLE_NS = 3_600_000_000_000L;

    private final NexmarkQuery<R> query;
    private final long baseTimeMs;
    private final long warmupMs;
    private final AtomicLongArray emittedNs;
    private final List<Writer> writers = new ArrayList<>();
    private long lastTimestamp = Long.MIN_VALUE;

    /** Rows due in event time {@code [baseTimeMs, baseTimeMs + spanMs)}, timed from {@code warmupMs} on. */
    NexmarkBenchSink(final NexmarkQuery<R> query, final long baseTimeMs, final long spanMs, final long warmupMs)
    {
        this.query = query;
        this.baseTimeMs = baseTimeMs;
        this.warmupMs = warmupMs;
        this.emittedNs = new AtomicLongArray((int)spanMs);
    }

    /** The source made an event of {@code timestampMs} at {@code nowNs}. Source thread. */
    void emitted(final long timestampMs, final long nowNs)
    {
        if (timestampMs != lastTimestamp)
        {
            final long from = lastTimestamp == Long.MIN_VALUE ? timestampMs : lastTimestamp + 1;
            for (long ms = from; ms <= timestampMs; ms++)
            {
                emittedNs.lazySet((int)(ms - baseTimeMs), nowNs);
            }
            lastTimestamp = timestampMs;
        }
    }

    /** When the first event was made. */
    long firstEmittedNs()
    {
        return emittedNs.get(0);
    }

    public synchronized SinkWriter<R> createWriter(final int shardId, final int shards)
    {
        final Writer writer = new Writer();
        writers.add(writer);
        return writer;
    }

    /** Every writer's latencies. After the job ended. */
    synchronized Histogram latencies()
    {
        final Histogram all = new Histogram(HIGHEST_TRACKABLE_NS, 3);
        for (final Writer writer : writers)
        {
            all.add(writer.latencies);
        }
        return all;
    }

    /** The time the last row arrived, 0 if none did. After the job ended. */
    synchronized long lastRowNs()
    {
        long last = 0;
        for (final Writer writer : writers)
        {
            last = Math.max(last, writer.lastRowNs);
        }
        return last;
    }

    /** Rows received. After the job ended. */
    synchronized long rows()
    {
        long rows = 0;
        for (final Writer writer : writers)
        {
            rows += writer.rows;
        }
        return rows;
    }

    private final class Writer implements SinkWriter<R>
    {
        final Histogram latencies = new Histogram(HIGHEST_TRACKABLE_NS, 3);
        long lastRowNs;
        long rows;

        public void collect(final R row)
        {
            final long nowNs = System.nanoTime();
            rows++;
            lastRowNs = nowNs;
            final long due = query.dueTime(row);
            if (due == Long.MIN_VALUE || due - baseTimeMs < warmupMs || due - baseTimeMs >= emittedNs.length())
            {
                return;
            }
            final long emitted = emittedNs.get((int)(due - baseTimeMs));
            if (emitted != 0)
            {
                latencies.recordValue(Math.min(Math.max(nowNs - emitted, 0), HIGHEST_TRACKABLE_NS));
            }
        }

        public void close()
        {
        }
    }
}
