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
    /** Shards that have not finished opening (restore, checkpoint warm-up); sources read nothing until 0. */
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

    /** A shard has opened: restored, warmed up, ready for its first event; once per shard, on its thread. */
    public void shardOpened()
    {
        unopenedShards.decrementAndGet();
    }

    /**
     * True once every shard has opened. Sources wait for it, so that no element waits in a ring while a shard
     * restores or warms up: an element's latency, and a benchmark's first event, start when it can be processed.
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
