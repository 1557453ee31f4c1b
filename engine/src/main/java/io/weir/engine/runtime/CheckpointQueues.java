package io.weir.engine.runtime;

import io.weir.engine.runtime.snapshot.ShardSnapshotPoint;
import io.weir.engine.runtime.snapshot.ShardStateWriter;
import org.agrona.concurrent.OneToOneConcurrentArrayQueue;

/**
 * The bounded queues between the checkpoint thread and the operator instances (slot
 * {@code operator * shards + shard}), so that neither runs the other's code. Per slot: an event queue from the
 * instance to the checkpoint thread (its {@link ShardSnapshotPoint}s and the {@link ShardStateWriter.Task}s of the
 * state files it wrote), and, when instances write their own state files, a command queue the other way (held by
 * the slot's {@link ShardStateWriter}: files to write, cancellations).
 * <p>
 * At most one checkpoint is in flight, and the checkpoint thread takes every event on each cycle: between two of
 * its cycles an instance adds at most three (a late file and point of an abandoned checkpoint, the point of the
 * next), so a full event queue means the checkpoint thread stopped taking them; the instance then fails rather
 * than waits.
 * <p>
 * Threads: {@link #onBarrierAligned} and {@link #stateWriter} on the instance's thread; {@link #pollEvent} and
 * {@link #writtenByShard} on the checkpoint thread.
 */
public final class CheckpointQueues implements ShardCheckpointHandler
{
    /** Events an instance may queue to the checkpoint thread before it takes them. */
    public static final int EVENT_QUEUE_CAPACITY = 16;

    private final OneToOneConcurrentArrayQueue<Object>[] events;
    /** Per slot when instances write their own state files; else null. */
    private final ShardStateWriter[] stateWriters;

    /**
     * @param slots                the number of operator instances.
     * @param shardsWriteFiles     whether instances write their own state files between events.
     * @param idleOnlyNs           see {@link ShardStateWriter}.
     * @param commandQueueCapacity see {@link ShardStateWriter}.
     */
    @SuppressWarnings("unchecked")
    public CheckpointQueues(
        final int slots, final boolean shardsWriteFiles, final long idleOnlyNs, final int commandQueueCapacity)
    {
        events = new OneToOneConcurrentArrayQueue[slots];
        stateWriters = shardsWriteFiles ? new ShardStateWriter[slots] : null;
        for (int slot = 0; slot < slots; slot++)
        {
            events[slot] = new OneToOneConcurrentArrayQueue<>(EVENT_QUEUE_CAPACITY);
            if (shardsWriteFiles)
            {
                stateWriters[slot] = new ShardStateWriter(slot, events[slot], idleOnlyNs, commandQueueCapacity);
            }
        }
    }

    /** The synchronous snapshot point: fixed here, on the instance's thread, and queued to the checkpoint thread. */
    public void onBarrierAligned(final OperatorChain<?, ?, ?> stage, final long checkpointId, final int flags)
    {
        final int slot = stage.slot();
        if (writtenByShard(flags))
        {
            stateWriters[slot].expect(checkpointId, System.nanoTime());
        }
        final ShardSnapshotPoint point = stage.takeSnapshotPoint(checkpointId, flags, System.nanoTime());
        if (!writtenByShard(flags) && (flags & RecordDescriptor.BARRIER_FLAG_STOP) == 0)
        {
            // Read by the checkpoint thread while the instance goes on: the instance copies what would hold its
            // locks. A stopping savepoint's instances stop at once and copy nothing; the reader reads them itself.
            stage.captureForReader(point.storeSnapshot());
        }
        if (!stage.isCopyingTimers())
        {
            handOver(point);
        }
    }

    /** The instance copied the timers of its last snapshot point after it: the point is queued now. */
    public void onTimersCopied(final OperatorChain<?, ?, ?> stage, final ShardSnapshotPoint point)
    {
        handOver(point);
    }

    private void handOver(final ShardSnapshotPoint point)
    {
        final int slot = point.slot();
        if (!events[slot].offer(point))
        {
            point.storeSnapshot().release();
            throw new IllegalStateException("operator instance " + slot + ": the queue to the checkpoint thread is " +
                "full (capacity " + events[slot].capacity() + "), so the snapshot point of checkpoint " +
                point.checkpointId() + " is dropped: the checkpoint thread is not taking what instances hand over");
        }
    }

    /** The instance's state-file writer when instances write their own; null when the checkpoint thread does. */
    public ShardStateWriter stateWriter(final int slot)
    {
        return null == stateWriters ? null : stateWriters[slot];
    }

    /** Whether instances write the state files of a checkpoint with these barrier flags. */
    public boolean writtenByShard(final int flags)
    {
        // A savepoint stopping the job is followed by the shards stopping at once: they write no files.
        return null != stateWriters && (flags & RecordDescriptor.BARRIER_FLAG_SAVEPOINT) == 0;
    }

    /** Checkpoint thread: the slot's next event, a {@link ShardSnapshotPoint} or a written {@link ShardStateWriter.Task}. */
    public Object pollEvent(final int slot)
    {
        return events[slot].poll();
    }

    public int slots()
    {
        return events.length;
    }
}
