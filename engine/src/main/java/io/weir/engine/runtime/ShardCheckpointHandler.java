package io.weir.engine.runtime;

import io.weir.engine.runtime.snapshot.ShardSnapshotPoint;
import io.weir.engine.runtime.snapshot.ShardStateWriter;

/**
 * Called by a stage instance, on its thread, when it has received checkpoint barrier {@code checkpointId} on every
 * input channel that is still open: the synchronous snapshot point. Must return in microseconds.
 */
@FunctionalInterface
public interface ShardCheckpointHandler
{
    void onBarrierAligned(OperatorChain<?, ?, ?> stage, long checkpointId, int flags);

    /**
     * The timers of the stage's last snapshot point, copied over duty cycles after it
     * ({@link OperatorChain#isCopyingTimers}), are copied: {@code point} is that point, complete. On the stage's
     * thread.
     */
    default void onTimersCopied(final OperatorChain<?, ?, ?> stage, final ShardSnapshotPoint point)
    {
    }

    /**
     * The writer through which an operator instance ({@code slot = stage * shards + shard}) writes its own state
     * files between events, or null when another thread writes them. Asked once, when the instance is created.
     */
    default ShardStateWriter stateWriter(final int slot)
    {
        return null;
    }
}
