package io.weir.engine.runtime;

/**
 * An engine operator that keeps keyed state outside the stage's store between snapshot points and must write it
 * there before one: the stage calls {@link #beforeSnapshotPoint} at each snapshot point (a checkpoint's or a
 * savepoint's), before the store's snapshot is taken. Shard thread only.
 */
public interface SnapshotPointListener
{
    /** Writes the state kept outside the store into it; it may change the current key (every element and timer sets it). */
    void beforeSnapshotPoint();
}
