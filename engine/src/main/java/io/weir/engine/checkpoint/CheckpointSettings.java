package io.weir.engine.checkpoint;

import io.weir.snapshot.CheckpointDirectory;

import java.nio.file.Path;

/**
 * How a job checkpoints: where, how often, how many to keep, when to start a new full base, and what to
 * restore from. Immutable.
 *
 * @param directory           checkpoint root; null disables checkpoints.
 * @param intervalMs          0: only on request ({@code triggerCheckpoint}, savepoints).
 * @param maxDeltaChainLength a shard's chain is compacted into a new full base when it holds this many files.
 * @param restoreFrom         a checkpoint or savepoint directory to restore; null: the newest complete checkpoint
 *                            under {@code directory}, if any.
 */
public record CheckpointSettings(
    Path directory, long intervalMs, int retainedCheckpoints, int maxDeltaChainLength, Path restoreFrom)
{
    public static final CheckpointSettings DISABLED = new CheckpointSettings(null, 0, 3, 10, null);

    public CheckpointSettings
    {
        if (intervalMs < 0)
        {
            throw new IllegalArgumentException("checkpoint interval must be >= 0 ms: " + intervalMs);
        }
        if (retainedCheckpoints < 1)
        {
            throw new IllegalArgumentException("retained checkpoints must be >= 1: " + retainedCheckpoints);
        }
        if (maxDeltaChainLength < 1)
        {
            throw new IllegalArgumentException("max delta chain length must be >= 1: " + maxDeltaChainLength);
        }
    }

    public static CheckpointSettings every(final Path directory, final long intervalMs)
    {
        return new CheckpointSettings(directory, intervalMs, CheckpointDirectory.RETAINED_CHECKPOINTS_DEFAULT, 10,
            null);
    }

    public boolean enabled()
    {
        return directory != null;
    }

    public CheckpointSettings restoreFrom(final Path path)
    {
        return new CheckpointSettings(directory, intervalMs, retainedCheckpoints, maxDeltaChainLength, path);
    }

    public CheckpointSettings maxDeltaChainLength(final int length)
    {
        return new CheckpointSettings(directory, intervalMs, retainedCheckpoints, length, restoreFrom);
    }

    public CheckpointSettings retainedCheckpoints(final int count)
    {
        return new CheckpointSettings(directory, intervalMs, count, maxDeltaChainLength, restoreFrom);
    }
}
