package io.weir.engine.runtime.snapshot;

import io.weir.api.connector.TransactionalSinkWriter;
import io.weir.engine.state.RegisteredState;
import io.weir.state.spi.StoreSnapshot;
import org.agrona.DirectBuffer;

import java.util.List;

/**
 * What a shard fixed at its synchronous snapshot point of one checkpoint: the frozen store, a copy of its timers,
 * its watermark and the committed lengths of its output. Created on the shard thread, then handed to the
 * checkpoint thread, which alone uses it afterwards. The timers are copied after the point, over the shard's next
 * duty cycles: the point is handed over once they are ({@link #withTimers}).
 *
 * @param slot          the operator instance: {@code operator * shards + shardId}.
 * @param timers        serialized timers (see {@link TimerRecordDescriptor}), {@code timerCount} records.
 * @param pauseNs       time from barrier alignment to resuming processing.
 * @param broadcastState the broadcast state entries of instance 0 of a keyed broadcast operator (see
 *                       {@code HeapBroadcastState#encode}), {@code broadcastStateLength} bytes; null for other
 *                       instances and operators.
 * @param broadcastStates the broadcast states those entries belong to (their codecs go into the manifest).
 */
public record ShardSnapshotPoint(
    long checkpointId,
    int flags,
    int slot,
    int shardId,
    int firstKeyGroup,
    int lastKeyGroup,
    long watermark,
    StoreSnapshot storeSnapshot,
    DirectBuffer timers,
    int timersLength,
    long timerCount,
    List<TransactionalSinkWriter.PartPosition> sinkParts,
    List<RegisteredState> states,
    long pauseNs,
    DirectBuffer broadcastState,
    int broadcastStateLength,
    List<io.weir.api.state.MapStateDescriptor<?, ?>> broadcastStates)
{
    public ShardSnapshotPoint(
        final long checkpointId, final int flags, final int slot, final int shardId, final int firstKeyGroup,
        final int lastKeyGroup, final long watermark, final StoreSnapshot storeSnapshot, final DirectBuffer timers,
        final int timersLength, final long timerCount, final List<TransactionalSinkWriter.PartPosition> sinkParts,
        final List<RegisteredState> states, final long pauseNs)
    {
        this(checkpointId, flags, slot, shardId, firstKeyGroup, lastKeyGroup, watermark, storeSnapshot, timers,
            timersLength, timerCount, sinkParts, states, pauseNs, null, 0, List.of());
    }

    /** This point with its timers, once the instance has copied them ({@code timerCount} records). */
    public ShardSnapshotPoint withTimers(final DirectBuffer timers, final int timersLength)
    {
        return new ShardSnapshotPoint(checkpointId, flags, slot, shardId, firstKeyGroup, lastKeyGroup, watermark,
            storeSnapshot, timers, timersLength, timerCount, sinkParts, states, pauseNs, broadcastState,
            broadcastStateLength, broadcastStates);
    }
}
