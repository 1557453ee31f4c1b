package io.weir.engine.runtime;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Shared status of a running job: the first failure, whether it is stopping, and whether every shard has opened.
 * Written by any job thread (first failure wins), read by every thread; the only cross-thread mutable state besides
 * the rings.
 */
public final class JobStatus
{
    private final String jobName;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean aborting;
    /** Shards that have not finished opening (restore, checkpoint warm-up); nothing is processed or read until 0. */
    private final AtomicInteger unopenedShards = new AtomicInteger();

    public JobStatus(final String jobName)
    {
        this.jobName = jobName;
    }

    public String jobName()
    {
        return jobName;
    }

    /** Record a failure; only the first is kept, later ones are added as suppressed. */
    public void fail(final Throwable throwable)
    {
        if (!failure.compareAndSet(null, throwable))
        {
            final Throwable first = failure.get();
            if (first != throwable)
            {
                first.addSuppressed(throwable);
            }
        }
        aborting = true;
    }

    public void abort()
    {
        aborting = true;
    }

    public boolean isAborting()
    {
        return aborting;
    }

    /** The number of shards to {@link #shardOpened open} before {@link #shardsOpen}; on the wiring thread. */
    public void shardsToOpen(final int shards)
    {
        unopenedShards.set(shards);
    }

    /**
     * A shard has opened: restored, warmed up, ready for its first event. Once per shard, by the thread that opens
     * it: its own (DEDICATED), the shards' group thread (SHARED), or the caller of the job's start (INVOKER).
     */
    public void shardOpened()
    {
        unopenedShards.decrementAndGet();
    }

    /**
     * True once every shard has opened; any thread. Shards process nothing and sources read nothing until then, so
     * that no element a source reads waits in a ring while a shard restores or warms up, and no shard's clock
     * (timers, input idleness) runs while another's restore holds the job back.
     */
    public boolean shardsOpen()
    {
        return unopenedShards.get() <= 0;
    }

    public Throwable failure()
    {
        return failure.get();
    }
}
