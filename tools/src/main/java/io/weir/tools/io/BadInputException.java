package io.weir.tools.io;

/** A line of input that is not {@code ts,key,amount,event_id}; the message names file, line and text. */
public final class BadInputException extends RuntimeException
{
    public BadInputException(final String message)
    {
        super(message);
    }
}
