package io.weir.engine.runtime.snapshot;

import io.weir.state.spi.StoreSnapshot;
import org.agrona.concurrent.OneToOneConcurrentArrayQueue;

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
 * when the checkpoint was abandoned, through a bounded command queue that the shard drains in its duty cycle
 * ({@link #write}); a full queue refuses the command and the checkpoint thread retries it on its next cycle. The
 * shard reads its snapshot into the file step by step, releases the snapshot, and queues the task back to the
 * checkpoint thread on the instance's bounded event queue, which finishes the file (flush, fsync, rename) off the
 * shard. A shard at end of input finishes its task before it stops, so a checkpoint whose barriers
 * every shard passed still completes.
 * <p>
 * Under load the shard writes a step per duty cycle, but only once the file is overdue ({@link #mayWriteUnderLoad}):
 * until then it writes only while idle, so that events arriving after a stall (a preemption, a collection) are
 * caught up at full speed rather than at half, which is what the latency tail is made of. The step is then sized
 * by the entries the interval's events changed, so that the file keeps pace with them ({@link #underLoadBudget}).
 * <p>
 * Threads: {@link #expect}, {@link #isBusy}, {@link #mayWriteUnderLoad}, {@link #onWork}, {@link #underLoadBudget},
 * {@link #write} and {@link #abandon} on the shard thread;
 * {@link #handOver} and {@link #cancel} on the checkpoint thread; {@link #reclaim} on the shard thread, or on the
 * checkpoint thread once the shard thread has stopped.
 */
public final class ShardStateWriter
{
    /** No checkpoint expected. */
    private static final long NONE = Long.MIN_VALUE;

    /**
     * The most entries a busy duty cycle writes: the longest an event waits for the file, about a millisecond at
     * 100-150 ns an entry.
     */
    public static final int MAX_STEP_ENTRIES = 8192;

    private static final long MIN_RAMP_NS = 10_000_000;

    /** Commands the checkpoint thread may queue to one shard before the shard takes them. */
    public static final int COMMAND_QUEUE_CAPACITY = 4;

    /** One shard's state file of one checkpoint, from hand-over to finish; a command and, written, an event. */
    public static final class Task
    {
        public final long checkpointId;
        public final int shardId;
        public final StoreSnapshot snapshot;
        public final StateFileEntryWriter entries;

        /** @param entries null for a cancellation: the checkpoint was abandoned before its file was opened. */
        public Task(final long checkpointId, final int shardId, final StoreSnapshot snapshot,
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
    private final OneToOneConcurrentArrayQueue<Task> commands;
    private final OneToOneConcurrentArrayQueue<Object> events;
    private final long idleOnlyNs;
    /**
     * How long an overdue file's step takes to grow by its base, where its snapshot does not say how many entries it
     * holds: an eighth of {@link #idleOnlyNs}, at least 10 ms.
     */
    private final long rampNs;
    private long expectedCheckpointId = NONE;
    /** Work since the latest snapshot point ({@link #onWork}). */
    private long workSincePoint;
    /** Work in the interval the file being written covers: from the snapshot point before its own to its own. */
    private long intervalWork;
    /** The current file's entries per unit of work, doubled ({@link #underLoadBudget}); 0 when not known. */
    private long entriesPerWork;
    private long expectedAtNs;
    private Task current;

    /**
     * @param idleOnlyNs how long after its snapshot point the shard writes the file only while idle; 0 writes under
     *                   load from the start.
     * @param events     the instance's queue to the checkpoint thread, where written files go.
     * @param commandQueueCapacity how many commands the checkpoint thread may queue before the shard takes them.
     */
    public ShardStateWriter(
        final int shardId,
        final OneToOneConcurrentArrayQueue<Object> events,
        final long idleOnlyNs,
        final int commandQueueCapacity)
    {
        this.shardId = shardId;
        this.events = events;
        this.idleOnlyNs = idleOnlyNs;
        this.rampNs = Math.max(MIN_RAMP_NS, idleOnlyNs / 8);
        this.commands = new OneToOneConcurrentArrayQueue<>(commandQueueCapacity);
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
        intervalWork = workSincePoint;
        workSincePoint = 0;
        entriesPerWork = 0;
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

    /** Shard thread, every duty cycle: the work it did (events, timers), counted from one snapshot point to the next. */
    public void onWork(final int work)
    {
        workSincePoint += work;
    }

    /**
     * Shard thread, while {@link #mayWriteUnderLoad}: how many entries a busy duty cycle writes, given its work
     * ({@code base} entries, about one per event it handled). Where the snapshot says how many entries it holds
     * ({@link StoreSnapshot#entriesHint}), {@code base} times twice the entries per unit of work of the interval it
     * covers, at least once: the file is done about an interval after its snapshot point, whether an event changes
     * one entry or a dozen (the fraud demo's transactions; an entry per event let only one checkpoint in several
     * complete at overload). Otherwise {@code base}, and once more for every {@link #rampNs} the file is overdue.
     * At most {@link #MAX_STEP_ENTRIES}.
     */
    public int underLoadBudget(final long nowNs, final int base)
    {
        final long times;
        if (entriesPerWork > 0)
        {
            times = entriesPerWork;
        }
        else
        {
            times = 1 + Math.max(0, nowNs - expectedAtNs - idleOnlyNs) / rampNs;
        }
        return (int)Math.min(MAX_STEP_ENTRIES, Math.min(MAX_STEP_ENTRIES, (long)base) * times);
    }

    /** Twice the snapshot's entries per unit of work of its interval, rounded up; 0 if it does not say. */
    private long entriesPerWork(final StoreSnapshot snapshot)
    {
        final long entries = snapshot.entriesHint();
        if (entries < 0)
        {
            return 0;
        }
        final long work = Math.max(1, intervalWork);
        return Math.max(1, (2 * entries + work - 1) / work);
    }

    /**
     * Checkpoint thread: the file is open; the shard may start writing.
     *
     * @return false when the command queue is full: nothing was queued, offer the same task again later.
     */
    public boolean handOver(final Task task)
    {
        return commands.offer(task);
    }

    /** Checkpoint thread: {@link #handOver(Task)} of a new task of this shard. */
    public boolean handOver(final long checkpointId, final StoreSnapshot snapshot, final StateFileEntryWriter entries)
    {
        return handOver(new Task(checkpointId, shardId, snapshot, entries));
    }

    /**
     * Checkpoint thread: the checkpoint was abandoned before the shard's file was opened; stop expecting it.
     *
     * @return false when the command queue is full: nothing was queued, offer the cancellation again later.
     */
    public boolean cancel(final long checkpointId)
    {
        return handOver(new Task(checkpointId, shardId, null, null));
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
            final Task task = commands.poll();
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
            entriesPerWork = entriesPerWork(task.snapshot);
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
            if (!events.offer(task))
            {
                task.discard();
                throw new IllegalStateException("shard " + shardId + ": the queue to the checkpoint thread is full " +
                    "(capacity " + events.capacity() + "), so the state file of checkpoint " + task.checkpointId +
                    " is dropped: the checkpoint thread is not taking what shards hand back");
            }
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

    /** Drop the tasks handed over but never taken: the consumer's side of the command queue. */
    public void reclaim()
    {
        Task task;
        while (null != (task = commands.poll()))
        {
            task.discard();
        }
    }
}
