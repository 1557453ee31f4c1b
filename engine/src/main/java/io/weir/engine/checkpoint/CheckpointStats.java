package io.weir.engine.checkpoint;

import java.util.Arrays;

/**
 * What one completed checkpoint cost.
 *
 * @param pausesNs      per shard: barrier aligned &rarr; processing resumed (the synchronous snapshot point).
 * @param asyncNs       first snapshot point &rarr; manifest durable (the asynchronous part, off the shards).
 * @param bytesWritten  bytes of state and timer files written for this checkpoint.
 * @param entries       state entries (and tombstones) written.
 */
public record CheckpointStats(
    long checkpointId,
    boolean savepoint,
    boolean full,
    long[] pausesNs,
    long asyncNs,
    long bytesWritten,
    long entries,
    long completedAtMs,
    long writerSleeps,
    long writerSleptNs)
{
    public long maxPauseNs()
    {
        long max = 0;
        for (final long pause : pausesNs)
        {
            max = Math.max(max, pause);
        }
        return max;
    }

    public String toString()
    {
        return (savepoint ? "savepoint " : "checkpoint ") + checkpointId + (full ? " full" : " delta") +
            " pauses_ns=" + Arrays.toString(pausesNs) + " async_ms=" + asyncNs / 1_000_000 + " bytes=" + bytesWritten +
            " entries=" + entries + " writer_sleeps=" + writerSleeps + " writer_slept_ms=" + writerSleptNs / 1_000_000;
    }
}
