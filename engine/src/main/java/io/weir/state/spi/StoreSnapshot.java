package io.weir.state.spi;

/**
 * The frozen view of a store taken at a snapshot point. Read either by the checkpoint thread while the shard
 * keeps processing, or by the shard itself, a few entries at a time in its idle time ({@link #read}); one
 * thread at a time. {@link #release()} is called once by the reading thread when it is done (or abandoned).
 */
public interface StoreSnapshot
{
    long checkpointId();

    /** True when this snapshot holds every entry, false when it holds only changes since the previous one. */
    boolean isFull();

    /**
     * Visit every entry of the snapshot (for a delta: changed entries and tombstones with a null value). Called
     * at most once: a copy-on-write store may hand back its pre-images as it reads, and refuse a second pass.
     * <p>
     * The visitor is never called while the snapshot holds a lock the shard may wait on (a segment lock, a
     * monitor shared with the store): the checkpoint writer sleeps inside it between slices of work, and a shard
     * must not wait for that.
     */
    void forEach(EntryVisitor visitor);

    /**
     * Visit the next entries of the snapshot, about {@code budget} of them, and return whether any are left.
     * Called repeatedly until it returns false, instead of {@link #forEach}, by a shard writing its own snapshot
     * between events: each call must be short, and the shard may change the store between calls (the snapshot
     * still yields the state as of its snapshot point). A backend may visit more than {@code budget} entries
     * when its unit of work cannot be split (one Chronicle segment of a scan); this default visits everything
     * at once.
     */
    default boolean read(final EntryVisitor visitor, final int budget)
    {
        forEach(visitor);
        return false;
    }

    /** Free what the snapshot pinned (copy-on-write pre-images, read transactions). Idempotent. */
    void release();
}
