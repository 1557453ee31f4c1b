package io.weir.engine;

import io.weir.engine.runtime.JobStatus;

/** A job stopped because a user function, source or sink failed; the cause is the original exception. */
public final class JobFailedException extends RuntimeException
{
    public JobFailedException(final String message, final Throwable cause)
    {
        super(message, cause);
    }

    /** Throw the job's failure, if any, wrapped so the caller's stack is kept too. */
    static void checkNotFailed(final JobStatus status)
    {
        final Throwable cause = status.failure();
        if (cause != null)
        {
            throw new JobFailedException("job '" + status.jobName() + "' failed: " + cause, cause);
        }
    }
}
