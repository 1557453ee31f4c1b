package io.weir.state.changes;

/**
 * One checkpoint interval changed more than a {@link DeltaLog} can hold. Unlike a full map, growing the
 * map does not help: the store lets it through.
 */
public final class DeltaLogFullException extends IllegalStateException
{
    public DeltaLogFullException(final String message)
    {
        super(message);
    }
}
