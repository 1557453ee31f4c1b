package io.weir.state.offheap;

import io.weir.state.spi.EntryVisitor;
import io.weir.state.spi.StoreSnapshot;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A {@link NurseryStore}'s snapshot: the Chronicle store's snapshot, then the entries of the young table sealed at
 * the snapshot point (a delta without the values carried unchanged from the table sealed before). The store never
 * holds a key the table holds, but its change log may: a key removed from the store and then inserted into the
 * table in the same interval. A delta therefore leaves out the store's tombstones of keys the table holds, whose
 * entry in the table is the later one; a full snapshot leaves out the table's tombstones.
 * <p>
 * Read by one thread at a time, like any snapshot: it only reads the sealed table (see {@link NurseryTable}), and
 * marks it released when it is done.
 */
final class NurserySnapshot implements StoreSnapshot, EntryVisitor
{
    private final StoreSnapshot store;
    private final NurseryTable sealed;
    private final boolean full;
    private final UnsafeBuffer keyView = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer valueView = new UnsafeBuffer(0, 0);
    /** The visitor the store's entries are passed on to, after the check against the table. */
    private EntryVisitor visitor;
    private boolean storeRead;
    private boolean released;
    private int slot;

    NurserySnapshot(final StoreSnapshot store, final NurseryTable sealed)
    {
        this.store = store;
        this.sealed = sealed;
        this.full = store.isFull();
    }

    public long checkpointId()
    {
        return store.checkpointId();
    }

    public boolean isFull()
    {
        return full;
    }

    public void forEach(final EntryVisitor visitor)
    {
        this.visitor = visitor;
        store.forEach(this);
        storeRead = true;
        visitSealed(visitor, Integer.MAX_VALUE);
    }

    public boolean read(final EntryVisitor visitor, final int budget)
    {
        this.visitor = visitor;
        if (!storeRead)
        {
            if (store.read(this, budget))
            {
                return true;
            }
            storeRead = true;
        }
        return visitSealed(visitor, budget);
    }

    /** Visits about {@code budget} entries of the table (scanning at most eight times as many slots). */
    private boolean visitSealed(final EntryVisitor visitor, final int budget)
    {
        final NurseryTable sealed = this.sealed;
        final int limit = sealed.slotLimit();
        final long slotBudget = 8L * budget;
        int visited = 0;
        int scanned = 0;
        while (slot < limit && visited < budget && scanned < slotBudget)
        {
            final int s = slot++;
            scanned++;
            if (sealed.isEmptySlot(s))
            {
                continue;
            }
            final int valueLength = sealed.valueLength(s);
            if (NurseryTable.TOMBSTONE == valueLength)
            {
                if (!full)
                {
                    visitor.onEntry(sealed.wrapKey(s, keyView), sealed.keyLength(s), null, 0);
                    visited++;
                }
            }
            else if (full || !sealed.isCarriedUnchanged(s))
            {
                visitor.onEntry(sealed.wrapKey(s, keyView), sealed.keyLength(s), sealed.wrapValue(s, valueView),
                    valueLength);
                visited++;
            }
        }
        return slot < limit;
    }

    /**
     * An entry of the store's snapshot: passed on unless it is a delta's record of a key the table holds. Only a
     * tombstone can be: the store does not hold a key the table holds at the snapshot point, so its last change of
     * such a key in the interval was a removal. Checking only tombstones keeps the probe off a delta of updates (a
     * shard that writes its own files reads every record of it between events).
     */
    public void onEntry(final DirectBuffer key, final int keyLength, final DirectBuffer value, final int valueLength)
    {
        if (!full && null == value && keyLength <= NurseryTable.ENTRY_CAPACITY && sealed.occupied() > 0 &&
            NurseryTable.NO_SLOT != sealed.find(key, keyLength, NurseryTable.hash(key, keyLength)))
        {
            return;
        }
        visitor.onEntry(key, keyLength, value, valueLength);
    }

    public long entriesHint()
    {
        final long hint = store.entriesHint();
        return hint < 0 ? -1 : hint + sealed.occupied();
    }

    public boolean captureByOwner()
    {
        return store.captureByOwner();
    }

    public int captureStep()
    {
        return store.captureStep();
    }

    public boolean isCapturing()
    {
        return store.isCapturing();
    }

    public void abandonCapture()
    {
        store.abandonCapture();
    }

    /** Idempotent: only the first call hands the table back, which the shard may have reused by a later one. */
    public void release()
    {
        if (released)
        {
            return;
        }
        released = true;
        // The table first: once the store's snapshot is released the shard may take its next snapshot point, and it
        // should find this table ready for reuse rather than allocate another.
        sealed.released = true;
        store.release();
    }
}
