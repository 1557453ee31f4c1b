package io.weir.state.offheap;

/** A shard's Chronicle Map ran out of space and the backend is configured not to grow it. */
public final class ChronicleMapFullException extends IllegalStateException
{
    private static final long serialVersionUID = 1L;

    public ChronicleMapFullException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
