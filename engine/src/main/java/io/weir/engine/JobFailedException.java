package io.weir.engine;

/** A job stopped because a user function, source or sink failed; the cause is the original exception. */
public final class JobFailedException extends RuntimeException
{
    public JobFailedException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
