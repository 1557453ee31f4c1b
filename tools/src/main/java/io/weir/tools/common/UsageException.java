package io.weir.tools.common;

/** A command line the CLI cannot run: printed as one line, exit code 2. */
public final class UsageException extends RuntimeException
{
    public UsageException(final String message)
    {
        super(message);
    }
}
