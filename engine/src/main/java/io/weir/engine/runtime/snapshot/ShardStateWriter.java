package io.weir.engine.runtime.snapshot;

import io.weir.state.spi.StoreSnapshot;
import org.agrona.concurrent.ManyToOneConcurrentLinkedQueue;

import java.util.concurrent.atomic.AtomicReference;

/**
 * Lets a shard write its own state file, a step of a few entries at a time, in the gaps between events.
 * <p>
 * Why: on a machine with as many cores as busy-spinning threads (two cores, one producer, one shard), a
 * checkpoint thread can only run by preempting one of them, and the shard it preempts stops for a scheduler
 * slice. Written by the shard in its idle time, the checkpoint costs no extra thread, and an event that arrives
 * while the shard writes waits for one step, a few microseconds.
 * <p>
 * Hand-over: at its snapshot point the shard {@link #expect}s a task for the checkpoint; the checkpoint thread
 * opens the file (creating a file is a slow system call) and {@link #handOver}s it, or cancels the expectation
 * when the checkpoint was abandoned. The shard reads its snapshot into the file step by step, releases the
 * snapshot, and queues the task back to the checkpoint thread, which finishes the file (flush, fsync, rename)
 * off the shard. A shard at end of input finishes its task before it stops, so a checkpoint whose barriers
 * every shard passed still completes.
 * <p>
 * Under load the shard writes a step per duty cycle, but only once the file is overdue ({@link #mayWriteUnderLoad}):
 * until then it writes only while idle, so that events arriving after a stall (a preemption, a collection) are
 * caught up at full speed rather than at half, which is what the latency tail is made of.
 * <p>
 * Threads: {@link #expect}, {@link #isBusy}, {@link #mayWriteUnderLoad}, {@link #write} and {@link #abandon} on the
 * shard thread;
 * {@link #handOver} and {@link #cancel} on the checkpoint thread; {@link #reclaim} on whichever stops last.
 */
public final class ShardStateWriter
{
    /** No checkpoint expected. */
    private static final long NONE = Long.MIN_VALUE;

    /** One shard's state file of one checkpoint, from hand-over to finish. */
    public static final class Task
    {
        public final long checkpointId;
        public final int shardId;
        public final StoreSnapshot snapshot;
        public final StateFileEntryWriter entries;

        /** @param entries null for a cancellation: the checkpoint was abandoned before its file was opened. */
        Task(final long checkpointId, final int shardId, final StoreSnapshot snapshot,
            final StateFileEntryWriter entries)
        {
            this.checkpointId = checkpointId;
            this.shardId = shardId;
            this.snapshot = snapshot;
            this.entries = entries;
        }

        /** Free what is still held: delete the unfinished file, release the snapshot. Idempotent. */
        public void discard()
        {
            try
            {
                if (null != entries)
                {
                    entries.file().close();
                }
            }
            finally
            {
                if (null != snapshot)
                {
                    snapshot.release();
                }
            }
        }
    }

    private final int shardId;
    private final AtomicReference<Task> handedOver = new AtomicReference<>();
    private final ManyToOneConcurrentLinkedQueue<Task> written;
    private final long idleOnlyNs;
    private long expectedCheckpointId = NONE;
    private long expectedAtNs;
    private Task current;

    /**
     * @param idleOnlyNs how long after its snapshot point the shard writes the file only while idle; 0 writes under
     *                   load from the start.
     */
    public ShardStateWriter(final int shardId, final ManyToOneConcurrentLinkedQueue<Task> written, final long idleOnlyNs)
    {
        this.shardId = shardId;
        this.written = written;
        this.idleOnlyNs = idleOnlyNs;
    }

    /**
     * Shard thread, at the snapshot point of a checkpoint whose state file it will write. A file still being
     * written belongs to an abandoned checkpoint (the next one starts only when the previous one completed or
     * was abandoned), and is dropped.
     */
    public void expect(final long checkpointId, final long nowNs)
    {
        if (NONE != expectedCheckpointId)
        {
            abandon();
        }
        expectedCheckpointId = checkpointId;
        expectedAtNs = nowNs;
    }

    /** Shard thread: true from a snapshot point until its state file is written (or cancelled). */
    public boolean isBusy()
    {
        return NONE != expectedCheckpointId;
    }

    /** Shard thread, while {@link #isBusy}: whether the file is overdue, so a busy shard should write it too. */
    public boolean mayWriteUnderLoad(final long nowNs)
    {
        return nowNs - expectedAtNs >= idleOnlyNs;
    }

    /** Checkpoint thread: the file is open; the shard may start writing. */
    public void handOver(final long checkpointId, final StoreSnapshot snapshot, final StateFileEntryWriter entries)
    {
        put(new Task(checkpointId, shardId, snapshot, entries));
    }

    /** Checkpoint thread: the checkpoint was abandoned before the shard's file was opened; stop expecting it. */
    public void cancel(final long checkpointId)
    {
        put(new Task(checkpointId, shardId, null, null));
    }

    private void put(final Task task)
    {
        // Only a cancellation of an abandoned checkpoint can still be waiting here: the shard took any file of
        // it when it dropped that checkpoint at its next snapshot point.
        final Task overwritten = handedOver.getAndSet(task);
        if (null != overwritten)
        {
            overwritten.discard();
        }
    }

    /**
     * Shard thread: one step of writing, about {@code budget} entries.
     *
     * @return 0 while waiting for the hand-over, else 1 (work was done).
     */
    public int write(final int budget)
    {
        if (null == current)
        {
            final Task task = handedOver.getAndSet(null);
            if (null == task)
            {
                return 0;
            }
            if (task.checkpointId != expectedCheckpointId)
            {
                task.discard(); // of a checkpoint abandoned since
                return 1;
            }
            if (null == task.entries)
            {
                expectedCheckpointId = NONE;
                return 1;
            }
            current = task;
        }
        final Task task = current;
        final boolean more;
        try
        {
            more = task.snapshot.read(task.entries, budget);
        }
        catch (final RuntimeException | Error ex)
        {
            current = null;
            expectedCheckpointId = NONE;
            task.discard();
            throw ex;
        }
        if (!more)
        {
            current = null;
            expectedCheckpointId = NONE;
            task.snapshot.release();
            written.offer(task);
        }
        return 1;
    }

    /** Shard thread, when it stops: drop the file it was writing, if any. */
    public void abandon()
    {
        final Task task = current;
        current = null;
        expectedCheckpointId = NONE;
        try
        {
            if (null != task)
            {
                task.discard();
            }
        }
        finally
        {
            reclaim();
        }
    }

    /** Drop a task handed over but never taken; safe from both threads (only one of them gets it). */
    public void reclaim()
    {
        final Task task = handedOver.getAndSet(null);
        if (null != task)
        {
            task.discard();
        }
    }
}
