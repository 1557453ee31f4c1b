package io.weir.engine.runtime.snapshot;

import io.weir.engine.checkpoint.CheckpointStats;
import org.agrona.concurrent.NanoClock;

import java.util.concurrent.locks.LockSupport;

/**
 * Cuts the checkpoint thread's file writing into short slices, with a sleep after each.
 * <p>
 * Why: on a machine with as many busy-spinning threads (shards, producer) as cores, the checkpoint thread runs
 * by preempting one of them, and the scheduler then lets it run for a full time slice, several milliseconds, in
 * which that shard processes nothing. Events queue behind it at the offered rate, and the backlog takes longer
 * again to drain. Sleeping after every {@code sliceNs} of work hands the core back first: a shard the writer
 * displaced waits about one slice plus a context switch. The writing takes longer in wall time, which only
 * matters if it no longer fits in the checkpoint interval ({@link CheckpointStats} reports the time paused).
 * <p>
 * The readers call {@link #onEntry} between entries, where no store lock is held (the {@code StoreSnapshot}
 * contract), so a sleeping writer never holds up a shard.
 * <p>
 * Checkpoint thread only.
 */
public final class WriterPacer
{
    /** Entries between clock reads: a read costs about 20 ns, an entry's copy and encoding about 100 ns. */
    public static final int ENTRIES_PER_CLOCK_READ = 16;
    /** The shortest sleep: Linux stretches it to its timer slack, about 50 µs, or longer when cores are busy. */
    private static final long SLEEP_NS = 1;

    private final NanoClock clock;
    private final long sliceNs;
    private long sliceStartNs;
    private int untilClockRead = ENTRIES_PER_CLOCK_READ;
    private long sleeps;
    private long sleptNs;

    /**
     * @param sliceNs work between sleeps; 0 never sleeps.
     */
    public WriterPacer(final NanoClock clock, final long sliceNs)
    {
        if (sliceNs < 0)
        {
            throw new IllegalArgumentException("writer slice must be >= 0 ns: " + sliceNs);
        }
        this.clock = clock;
        this.sliceNs = sliceNs;
    }

    /** A new file, after the thread may have been idle: its first slice starts now. */
    public void startSlice()
    {
        sliceStartNs = clock.nanoTime();
        untilClockRead = ENTRIES_PER_CLOCK_READ;
    }

    /** One entry written; sleeps if the slice is used up. */
    public void onEntry()
    {
        if (--untilClockRead > 0 || 0 == sliceNs)
        {
            return;
        }
        untilClockRead = ENTRIES_PER_CLOCK_READ;
        final long now = clock.nanoTime();
        if (now - sliceStartNs >= sliceNs)
        {
            LockSupport.parkNanos(SLEEP_NS);
            sliceStartNs = clock.nanoTime();
            sleeps++;
            sleptNs += sliceStartNs - now;
        }
    }

    /** Sleeps so far: a checkpoint reports the difference over its own writing. */
    public long sleeps()
    {
        return sleeps;
    }

    public long sleptNs()
    {
        return sleptNs;
    }
}
