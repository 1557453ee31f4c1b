package io.weir.engine.runtime;

import java.util.concurrent.atomic.AtomicReference;

/**
 * Shared status of a running job: the first failure, and whether it is stopping. Written by any job thread
 * (first failure wins), read by every thread; the only cross-thread mutable state besides the rings.
 */
public final class JobStatus
{
    private final String jobName;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean aborting;

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

    public Throwable failure()
    {
        return failure.get();
    }
}
