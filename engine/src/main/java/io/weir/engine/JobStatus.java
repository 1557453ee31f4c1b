package io.weir.engine;

import java.util.concurrent.atomic.AtomicReference;

/**
 * Shared status of a running job: the first failure, and whether it is stopping. Written by any job thread
 * (first failure wins), read by every thread; the only cross-thread mutable state besides the rings.
 */
final class JobStatus
{
    private final String jobName;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean aborting;

    JobStatus(final String jobName)
    {
        this.jobName = jobName;
    }

    String jobName()
    {
        return jobName;
    }

    /** Record a failure; only the first is kept, later ones are added as suppressed. */
    void fail(final Throwable throwable)
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

    void abort()
    {
        aborting = true;
    }

    boolean isAborting()
    {
        return aborting;
    }

    Throwable failure()
    {
        return failure.get();
    }

    /** Throw the job's failure, if any, wrapped so the caller's stack is kept too. */
    void checkNotFailed()
    {
        final Throwable cause = failure.get();
        if (cause != null)
        {
            throw new JobFailedException("job '" + jobName + "' failed: " + cause, cause);
        }
    }
}
