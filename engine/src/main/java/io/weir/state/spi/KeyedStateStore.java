package io.weir.state.spi;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * A shard's keyed state: bytes in, bytes out. One instance per shard; every method except where noted
 * is called only from the owning shard thread.
 * <p>
 * Keys are composite byte strings built by the engine (see {@link StateKeyDescriptor}): they begin with the
 * key group (big-endian u16), then the state id, the user key and an optional namespace / user-map key, so a
 * byte-ordered backend keeps one key group, one state and one key's entries contiguous. Keys and values are
 * passed as {@link DirectBuffer}s starting at offset 0; buffers handed to the store are only valid for the call.
 * Backends must copy what they keep.
 * <p>
 * Checkpoints: {@link #snapshot(long, boolean)} is the synchronous snapshot point. It must return in
 * microseconds regardless of state size; the returned {@link StoreSnapshot} is then read by the snapshot
 * thread while the shard goes on writing, and it must see exactly the state as of the snapshot point.
 */
public interface KeyedStateStore extends AutoCloseable
{
    /** Returned by {@link #get} when the key has no entry. */
    int MISSING = -1;
    /** The most keys one {@link #prefetch} call hands a store. */
    int MAX_PREFETCH_KEYS = 64;

    /**
     * Copy the value stored under the key into {@code valueOut} at offset 0.
     *
     * @return the value's length in bytes, or {@link #MISSING}.
     */
    int get(DirectBuffer key, int keyLength, MutableDirectBuffer valueOut);

    /** Insert or replace the value stored under the key. */
    void put(DirectBuffer key, int keyLength, DirectBuffer value, int valueOffset, int valueLength);

    /**
     * The shard is done with state access for now (end of a duty cycle, or closing): release anything held
     * across calls. A backend may keep a {@link #get}'s look-up open, with the key's lock, so that a {@link #put}
     * of the same key right after does not look it up again; it must release it here, and before any other
     * call. Shard thread only.
     */
    default void endOfAccess()
    {
    }

    /**
     * Whether {@link #prefetch} does anything. The shard reads ahead in its input only for a store that says so.
     */
    default boolean prefetches()
    {
        return false;
    }

    /**
     * Whether a {@link #prefetch} now would load memory worth loading ahead: the shard asks before each look-ahead
     * and, while this is false, skips it, the collection and hashing of the keys included. A store whose entries
     * move between memory that misses the cache and memory that mostly does not says which holds them now. False
     * whenever {@link #prefetches} is. Shard thread only; asked before each step of a look-ahead (a few events, a
     * batch of timers, a batch of a firing window's keys), so a field read or two.
     */
    default boolean prefetchesNow()
    {
        return prefetches();
    }

    /**
     * A hint that the next calls will look up these keys: {@code count} keys (at most
     * {@value #MAX_PREFETCH_KEYS}), key {@code i} at offset {@code i * stride} of {@code keys}, {@code lengths[i]}
     * bytes long. A store whose look-ups miss the CPU cache
     * may load the memory of all of them now, so that their misses overlap instead of coming one after another.
     * Changes nothing, may ignore any key, and must not fail for a key it does not hold. Shard thread only.
     */
    default void prefetch(DirectBuffer keys, int stride, int[] lengths, int count)
    {
    }

    /** @return true if an entry was removed. */
    boolean remove(DirectBuffer key, int keyLength);

    /**
     * Visit every live entry. Used for TTL full cleanup, restore and tests, never per event. The visitor must
     * not modify the store; collect keys and remove them afterwards.
     */
    void forEach(EntryVisitor visitor);

    /**
     * A new walk over the live entries in bounded steps ({@link EntryScan}), for work spread over duty cycles.
     * Default: a {@link KeySnapshotEntryScan}, which copies the keys at the start of each pass; a backend that can
     * resume its own iteration should. Shard thread only, like the store.
     */
    default EntryScan newEntryScan()
    {
        return new KeySnapshotEntryScan(this);
    }

    /** Number of live entries (may be approximate for backends that cannot count cheaply). */
    long entryCount();

    /** Bytes of memory or disk this store currently holds (off-heap, mapped file or heap estimate). */
    long sizeBytes();

    /**
     * Checkpoints will be taken: called once by the shard before its first event (after any restore). A store that
     * is still empty may start tracking its changes now, so that its first full snapshot is a copy of what it
     * tracked rather than a scan of its state; and it may run its snapshot code once, so that the code is loaded
     * and compiled before events arrive. Default: nothing. Shard thread only.
     */
    default void prepareForCheckpoints()
    {
    }

    /**
     * The synchronous snapshot point of checkpoint {@code checkpointId}: fixes the state as it is now.
     *
     * @param full true for a self-contained snapshot of every entry, false for a delta of the entries changed
     *             (written or removed) since the previous snapshot point, or, for the first snapshot, since
     *             {@link #prepareForCheckpoints} (a store may refuse a first delta without it).
     */
    StoreSnapshot snapshot(long checkpointId, boolean full);

    /** Release memory and files. Called from the shard thread after it stopped, or from the closing thread. */
    @Override
    void close();
}
