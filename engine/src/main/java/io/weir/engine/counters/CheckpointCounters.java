package io.weir.engine.counters;

import org.agrona.concurrent.status.AtomicCounter;

/** A job's checkpoint counters, written only by the checkpoint thread (restores: by the thread starting the job). */
public final class CheckpointCounters
{
    private final AtomicCounter lastId;
    private final AtomicCounter lastDurationMs;
    private final AtomicCounter lastPauseUs;
    private final AtomicCounter lastBytes;
    private final AtomicCounter completed;
    private final AtomicCounter failed;
    private final AtomicCounter restores;

    CheckpointCounters(
        final AtomicCounter lastId,
        final AtomicCounter lastDurationMs,
        final AtomicCounter lastPauseUs,
        final AtomicCounter lastBytes,
        final AtomicCounter completed,
        final AtomicCounter failed,
        final AtomicCounter restores)
    {
        this.lastId = lastId;
        this.lastDurationMs = lastDurationMs;
        this.lastPauseUs = lastPauseUs;
        this.lastBytes = lastBytes;
        this.completed = completed;
        this.failed = failed;
        this.restores = restores;
    }

    /**
     * A checkpoint or savepoint completed. Checkpoint thread.
     *
     * @param durationNs   first snapshot point to manifest written.
     * @param maxPauseNs   the longest synchronous pause of a shard.
     * @param bytesWritten state and timer bytes written.
     */
    public void onCompleted(final long checkpointId, final long durationNs, final long maxPauseNs, final long bytesWritten)
    {
        lastId.setRelease(checkpointId);
        lastDurationMs.setRelease(durationNs / 1_000_000);
        lastPauseUs.setRelease(maxPauseNs / 1_000);
        lastBytes.setRelease(bytesWritten);
        completed.incrementRelease();
    }

    /** A checkpoint was abandoned. Checkpoint thread. */
    public void onFailed()
    {
        failed.incrementRelease();
    }

    /** The job restored a checkpoint or savepoint. Called by the thread starting the job, before it starts. */
    public void onRestored()
    {
        restores.incrementRelease();
    }
}
