package io.weir.state.offheap;

import io.weir.state.spi.EntryVisitor;
import io.weir.state.spi.StoreSnapshot;

/**
 * The snapshot of a store not created yet ({@link NurseryStore} on first write): no entry, full or delta. Any
 * thread, like every snapshot; it holds nothing to release.
 */
final class EmptyStoreSnapshot implements StoreSnapshot
{
    private final long checkpointId;
    private final boolean full;

    EmptyStoreSnapshot(final long checkpointId, final boolean full)
    {
        this.checkpointId = checkpointId;
        this.full = full;
    }

    public long checkpointId()
    {
        return checkpointId;
    }

    public boolean isFull()
    {
        return full;
    }

    public void forEach(final EntryVisitor visitor)
    {
    }

    public boolean read(final EntryVisitor visitor, final int budget)
    {
        return false;
    }

    public long entriesHint()
    {
        return 0;
    }

    public void release()
    {
    }
}
