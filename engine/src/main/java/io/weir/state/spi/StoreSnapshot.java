package io.weir.state.spi;

/**
 * The frozen view of a store taken at a snapshot point. Read by the snapshot thread while the shard keeps
 * processing; {@link #release()} is called once by the snapshot thread when it is done (or abandoned).
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

    /** Free what the snapshot pinned (copy-on-write pre-images, read transactions). Idempotent. */
    void release();
}
