package io.weir.engine.runtime.checkpoint;

import io.weir.engine.runtime.snapshot.WriterPacer;
import io.weir.engine.state.TtlSnapshotFilter;
import io.weir.snapshot.ChainResolver;
import io.weir.snapshot.SnapshotFileBuffers;
import io.weir.snapshot.SnapshotFileDescriptor;
import io.weir.snapshot.SnapshotFileResult;
import io.weir.snapshot.SnapshotFileWriter;
import io.weir.snapshot.SnapshotHeader;
import org.agrona.concurrent.SystemNanoClock;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Merges one shard's chain of state files (a full base and its deltas) into a new full base, on a thread of its
 * own, so that checkpoints go on while it works: merging a chain of a few gigabytes takes tens of seconds, in which
 * the checkpoint thread, had it merged them itself, would have triggered none.
 * <p>
 * One job at a time. The checkpoint thread {@link #submit}s a {@link Job} (the files, as the chain named them
 * then) when {@link #isBusy()} is false, and later {@link #poll}s its {@link Result}; whether the new base still
 * stands for the chain's first files is the checkpoint thread's to decide (the chain may have been reset since).
 * The new file is written as {@code target.tmp} and renamed when complete; a job that fails or is stopped leaves
 * no file behind.
 * <p>
 * Threads: {@link #submit}, {@link #isBusy}, {@link #poll} and {@link #close} on the checkpoint thread; the merge
 * on the compaction thread, started by the first {@link #submit} and stopped and joined by {@link #close}.
 */
final class ChainCompactor implements AutoCloseable
{
    /** Entries merged between looks at the stop flag. */
    private static final int STOP_CHECK_ENTRIES = 4096;

    /**
     * A chain to merge.
     *
     * @param slot        the chain's slot (operator instance).
     * @param files       the chain's files, base first.
     * @param target      the new base's path.
     * @param header      the new base's header.
     * @param ttlFilter   entries it finds expired are left out, as a full snapshot leaves them out.
     * @param generation  the chain's generation when submitted.
     */
    record Job(int slot, List<Path> files, Path target, SnapshotHeader header, TtlSnapshotFilter ttlFilter,
        long generation)
    {
    }

    /**
     * @param job     the job.
     * @param base    the new base's file, or null when the merge failed or was stopped.
     * @param failure why it failed, or null.
     */
    record Result(Job job, SnapshotFileResult base, Throwable failure)
    {
    }

    private static final class Stopped extends RuntimeException
    {
        Stopped()
        {
            super("the job is stopping", null, false, false);
        }
    }

    private final ArrayBlockingQueue<Job> jobs = new ArrayBlockingQueue<>(1);
    private final AtomicReference<Result> result = new AtomicReference<>();
    private final Thread thread;
    private final WriterPacer pacer;
    private final SnapshotFileBuffers fileBuffers = new SnapshotFileBuffers(
        SnapshotFileDescriptor.DEFAULT_BLOCK_SIZE_BYTES, SnapshotFileWriter.STAGING_CAPACITY_BYTES);
    private final ChainResolver.Scratch scratch = new ChainResolver.Scratch();
    private final UnsafeBuffer key = new UnsafeBuffer(new byte[0]);
    private final UnsafeBuffer value = new UnsafeBuffer(new byte[0]);
    private volatile boolean stopping;
    /** Checkpoint thread: a job was submitted and its result not polled yet. */
    private boolean busy;
    private int untilStopCheck = STOP_CHECK_ENTRIES;

    /**
     * @param name    the thread's name.
     * @param sliceNs the merge's work between sleeps (see {@link WriterPacer}); 0 never sleeps.
     */
    ChainCompactor(final String name, final long sliceNs)
    {
        this.pacer = new WriterPacer(SystemNanoClock.INSTANCE, sliceNs);
        this.thread = new Thread(this::run, name);
        this.thread.setDaemon(true);
    }

    boolean isBusy()
    {
        return busy;
    }

    void submit(final Job job)
    {
        if (busy || stopping || !jobs.offer(job))
        {
            throw new IllegalStateException("a compaction is already under way, or the compactor closed: " + job);
        }
        busy = true;
        if (Thread.State.NEW == thread.getState())
        {
            thread.start(); // on first use: a job that never compacts has no thread to stop
        }
    }

    /** The result of the job submitted, once it is done; null before. */
    Result poll()
    {
        final Result done = result.getAndSet(null);
        if (null != done)
        {
            busy = false;
        }
        return done;
    }

    /** Stop the job under way (its file is deleted) and the thread, and wait for it. */
    public void close()
    {
        stopping = true;
        if (Thread.State.NEW == thread.getState())
        {
            return;
        }
        thread.interrupt();
        boolean interrupted = false;
        while (thread.isAlive())
        {
            try
            {
                thread.join();
            }
            catch (final InterruptedException ex)
            {
                interrupted = true;
            }
        }
        if (interrupted)
        {
            Thread.currentThread().interrupt();
        }
    }

    private void run()
    {
        while (!stopping)
        {
            final Job job;
            try
            {
                job = jobs.take();
            }
            catch (final InterruptedException ex)
            {
                continue; // stopping
            }
            result.set(merge(job));
        }
    }

    private Result merge(final Job job)
    {
        final TtlSnapshotFilter ttlFilter = job.ttlFilter();
        try (ChainResolver resolver = ChainResolver.open(job.files());
            SnapshotFileWriter writer = SnapshotFileWriter.open(job.target(), job.header(), fileBuffers))
        {
            pacer.startSlice();
            resolver.forEachUnordered((keyGroup, k, keyOffset, keyLength, v, valueOffset, valueLength) ->
            {
                if (--untilStopCheck == 0)
                {
                    untilStopCheck = STOP_CHECK_ENTRIES;
                    if (stopping)
                    {
                        throw new Stopped();
                    }
                }
                pacer.onEntry();
                if (!ttlFilter.isEmpty())
                {
                    key.wrap(k, keyOffset, keyLength);
                    value.wrap(v, valueOffset, valueLength);
                    if (ttlFilter.isExpired(key, keyLength, value, valueLength))
                    {
                        return;
                    }
                }
                writer.put(keyGroup, k, keyOffset, keyLength, v, valueOffset, valueLength);
            }, scratch);
            return new Result(job, writer.finish(), null);
        }
        catch (final Throwable ex)
        {
            return new Result(job, null, ex);
        }
    }
}
