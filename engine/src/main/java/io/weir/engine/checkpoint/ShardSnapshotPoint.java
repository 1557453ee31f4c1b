package io.weir.engine.checkpoint;

import io.weir.engine.TransactionalSinkWriter;
import io.weir.engine.state.RegisteredState;
import io.weir.state.spi.StoreSnapshot;
import org.agrona.DirectBuffer;

import java.util.List;

/**
 * What a shard fixed at its synchronous snapshot point of one checkpoint: the frozen store, a copy of its timers,
 * its watermark and the committed lengths of its output. Created on the shard thread, then handed to the
 * checkpoint thread, which alone uses it afterwards.
 *
 * @param slot          the operator instance: {@code operator * shards + shardId}.
 * @param timers        serialized timers (see {@link TimerRecordDescriptor}), {@code timerCount} records.
 * @param pauseNs       time from barrier alignment to resuming processing.
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
    long pauseNs)
{
}
