package io.weir.state.changes;

/**
 * The keys a store changed in one change interval (between two snapshot points), for the delta of the next
 * snapshot. Stores number intervals with {@link #nextInterval} and keep each key's last-write interval as a
 * stamp in its stored value, so a write knows whether it is the key's first change in the interval.
 * <p>
 * Not thread-safe. The owning shard fills it; once handed to a snapshot it is frozen, read by the snapshot
 * thread, and reused by the shard after the snapshot is released.
 */
public final class ChangeSet
{
    /** Every key changed in the interval, once each. */
    public final KeyLog keys = new KeyLog();
    /**
     * Keys that had no entry at some change in the interval (inserted, or removed): they carry no stamp, so this
     * remembers that they are logged, with their position in {@link #keys} for a store that needs it (Chronicle
     * finds pre-images by it; LMDB records 0).
     */
    public final KeyLogIndex absentKeys = new KeyLogIndex();

    public void clear()
    {
        keys.clear();
        absentKeys.clear();
    }

    /** The interval after {@code interval}. 0 is never one, so a store may read a 0 stamp as "no entry". */
    public static int nextInterval(final int interval)
    {
        return interval == -1 ? 1 : interval + 1;
    }
}
