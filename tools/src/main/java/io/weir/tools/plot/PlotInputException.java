package io.weir.tools.plot;

/** A latency file that cannot be read; the message names the file and, where there is one, the line. */
public final class PlotInputException extends RuntimeException
{
    public PlotInputException(final String message)
    {
        super(message);
    }

    public PlotInputException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
