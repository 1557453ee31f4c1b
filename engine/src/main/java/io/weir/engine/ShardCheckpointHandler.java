package io.weir.engine;

/**
 * Called by a shard, on its own thread, when it has received checkpoint barrier {@code checkpointId} from every
 * producer that is still running: the synchronous snapshot point. Must return in microseconds.
 */
@FunctionalInterface
public interface ShardCheckpointHandler
{
    void onBarrierAligned(ShardAgent shard, long checkpointId, int flags);
}
