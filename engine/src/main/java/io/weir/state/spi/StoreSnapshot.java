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

    /**
     * About how many entries {@link #read} will visit in all, if the snapshot knows it without counting (a delta's
     * logged keys); -1 if not. A shard writing its own file while busy sizes its steps by it, so that the file keeps
     * pace with the changes its events make, however many each makes.
     */
    default long entriesHint()
    {
        return -1;
    }

    /**
     * Shard thread, at the snapshot point, when another thread will read this snapshot: whether the shard must
     * first copy it, a step at a time with {@link #captureStep}, because reading it means holding locks that the
     * shard's writes wait for (a reader descheduled while holding one would stall the shard for a scheduler
     * slice or more). After true, the reading thread reads only what the shard copied, waiting for more as
     * needed. False (the default): the reading thread reads the snapshot itself and never blocks the shard.
     */
    default boolean captureByOwner()
    {
        return false;
    }

    /**
     * Shard thread, between events, after {@link #captureByOwner} returned true: copy the next bounded piece.
     *
     * @return 1 if work was done; 0 when the copy is complete, the snapshot was released, or the copy waits for
     * the reader to consume what was copied (see {@link #isCapturing}).
     */
    default int captureStep()
    {
        return 0;
    }

    /** Shard thread: true from a {@link #captureByOwner} that returned true until the copy is complete or released. */
    default boolean isCapturing()
    {
        return false;
    }

    /**
     * Shard thread, when it stops while {@link #isCapturing}: the reader fails with an exception naming the
     * checkpoint instead of waiting for a copy that will not come.
     */
    default void abandonCapture()
    {
    }

    /** Free what the snapshot pinned (copy-on-write pre-images, read transactions). Idempotent. */
    void release();
}
