package io.weir.state.changes;

/**
 * Snapshot points cut a store's writes into change intervals. A store numbers them with {@link #next} and keeps
 * each key's last-write interval as a stamp in its stored value, so a write knows whether it is the key's first
 * change in the interval (and a {@link DeltaLog} record must be appended) or a later one.
 */
public final class ChangeIntervals
{
    private ChangeIntervals()
    {
    }

    /** The interval after {@code interval}. 0 is never one, so a store may read a 0 stamp as "no entry". */
    public static int next(final int interval)
    {
        return interval == -1 ? 1 : interval + 1;
    }
}
