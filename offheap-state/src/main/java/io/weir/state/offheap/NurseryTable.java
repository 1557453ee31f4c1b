package io.weir.state.offheap;

import io.weir.state.changes.KeyLogIndex;
import org.agrona.BitUtil;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * An open-addressing hash table of small entries for a {@link NurseryStore}: linear probing over a power-of-two
 * number of slots, each with room for a key of at most {@value #KEY_CAPACITY} bytes and a value of at most
 * {@value #VALUE_CAPACITY} bytes in one off-heap arena, and the key's hash, lengths and flags in primitive arrays
 * (a probe reads the hash array until a hash matches). A slot holds a value, or a tombstone: a removal of a key
 * that the last snapshot holds.
 * <p>
 * Threading. While it is the nursery's young table, the shard thread reads and writes it. From the snapshot point
 * that seals it, the table is frozen: the shard thread and one snapshot reader read it, and the shard thread writes
 * only {@link #gone}, which the reader never reads. The reader sets {@link #released} when it is done; the shard
 * {@link #clear}s the table for reuse only after that.
 */
final class NurseryTable
{
    static final int KEY_CAPACITY = 64;
    static final int VALUE_CAPACITY = 64;
    static final int STRIDE = KEY_CAPACITY + VALUE_CAPACITY;
    /** A slot's value length for a tombstone. */
    static final int TOMBSTONE = -1;
    static final int NO_SLOT = -1;
    /** Bound on slots, so that slot offsets in the arena fit an int. */
    static final int MAX_CAPACITY = 1 << 23;
    /** A slot's hash when it is empty; {@link #hash} never returns it. */
    private static final int EMPTY = 0;

    private int capacity;
    private int mask;
    private ByteBuffer arena;
    private UnsafeBuffer slots;
    private int[] hashes;
    private int[] keyLengths;
    private int[] valueLengths;
    /** The last snapshot holds the key (with a value): a removal must leave a tombstone, not an empty slot. */
    private boolean[] carried;
    /** Sealed tables only, written by the shard: the entry left the table (moved, removed or migrated). */
    private boolean[] gone;
    private boolean dirtyGone;
    private int occupied;
    private int tombstones;
    /** Set by the snapshot reader when it no longer reads the table. */
    volatile boolean released = true;

    NurseryTable(final int capacity)
    {
        allocate(capacity);
    }

    private void allocate(final int capacity)
    {
        if (!BitUtil.isPowerOfTwo(capacity) || capacity > MAX_CAPACITY)
        {
            throw new IllegalArgumentException("nursery table capacity must be a power of two up to " + MAX_CAPACITY +
                ": " + capacity);
        }
        // Allocated before any field changes: a table that cannot grow (direct memory exhausted) stays as it was.
        final ByteBuffer arena = ByteBuffer.allocateDirect(capacity * STRIDE);
        final int[] hashes = new int[capacity];
        final int[] keyLengths = new int[capacity];
        final int[] valueLengths = new int[capacity];
        final boolean[] carried = new boolean[capacity];
        final boolean[] gone = new boolean[capacity];
        this.capacity = capacity;
        this.mask = capacity - 1;
        this.arena = arena;
        this.slots = new UnsafeBuffer(arena);
        this.hashes = hashes;
        this.keyLengths = keyLengths;
        this.valueLengths = valueLengths;
        this.carried = carried;
        this.gone = gone;
        this.occupied = 0;
        this.tombstones = 0;
    }

    /** A key's hash, never {@link #EMPTY}: the same for every table, so one hash serves the probes of two. */
    static int hash(final DirectBuffer key, final int keyLength)
    {
        long hash = keyLength;
        int i = 0;
        for (; i + Long.BYTES <= keyLength; i += Long.BYTES)
        {
            hash = (hash ^ key.getLong(i)) * 0x9E3779B97F4A7C15L;
        }
        // The tail in at most three reads, not a multiply per byte: a third of the time hashing took (JFR).
        long tail = 0;
        if (i + Integer.BYTES <= keyLength)
        {
            tail = key.getInt(i) & 0xFFFF_FFFFL;
            i += Integer.BYTES;
        }
        if (i + Short.BYTES <= keyLength)
        {
            tail = (tail << 16) | (key.getShort(i) & 0xFFFF);
            i += Short.BYTES;
        }
        if (i < keyLength)
        {
            tail = (tail << 8) | (key.getByte(i) & 0xFF);
        }
        hash = (hash ^ tail) * 0x9E3779B97F4A7C15L;
        final int h = (int)(hash ^ (hash >>> 29));
        return h == EMPTY ? 1 : h;
    }

    int capacity()
    {
        return capacity;
    }

    /** Slots in use, tombstones included. */
    int occupied()
    {
        return occupied;
    }

    /** Slots holding a value. */
    int live()
    {
        return occupied - tombstones;
    }

    long sizeBytes()
    {
        return (long)capacity * (STRIDE + 3 * Integer.BYTES + 2);
    }

    /** Sealed tables: the key's slot if its entry has not left the table, else {@link #NO_SLOT}. */
    int findRemaining(final DirectBuffer key, final int keyLength, final int hash)
    {
        final int slot = find(key, keyLength, hash);
        return NO_SLOT == slot || gone[slot] ? NO_SLOT : slot;
    }

    /** @return the key's slot, or {@link #NO_SLOT}. */
    int find(final DirectBuffer key, final int keyLength, final int hash)
    {
        final int[] hashes = this.hashes;
        int slot = hash & mask;
        while (true)
        {
            final int h = hashes[slot];
            if (h == EMPTY)
            {
                return NO_SLOT;
            }
            if (h == hash && keyLengths[slot] == keyLength &&
                KeyLogIndex.sameBytes(slots, slot * STRIDE, key, 0, keyLength))
            {
                return slot;
            }
            slot = (slot + 1) & mask;
        }
    }

    /**
     * Insert a key the table does not hold, with a value ({@code valueLength} at most {@link #VALUE_CAPACITY}) or a
     * {@link #TOMBSTONE}. Doubles the table first when it is three quarters full.
     */
    void insert(
        final DirectBuffer key, final int keyLength, final int hash, final DirectBuffer value, final int valueOffset,
        final int valueLength, final boolean carried)
    {
        if ((occupied + 1) * 4L > capacity * 3L)
        {
            grow();
        }
        int slot = hash & mask;
        while (hashes[slot] != EMPTY)
        {
            slot = (slot + 1) & mask;
        }
        slots.putBytes(slot * STRIDE, key, 0, keyLength);
        hashes[slot] = hash;
        keyLengths[slot] = keyLength;
        this.carried[slot] = carried;
        valueLengths[slot] = TOMBSTONE;
        tombstones++;
        occupied++;
        setValue(slot, value, valueOffset, valueLength);
    }

    /** Replace a slot's value ({@code valueLength} at most {@link #VALUE_CAPACITY}) or make it a {@link #TOMBSTONE}. */
    void setValue(final int slot, final DirectBuffer value, final int valueOffset, final int valueLength)
    {
        final boolean wasTombstone = valueLengths[slot] == TOMBSTONE;
        if (valueLength != TOMBSTONE)
        {
            slots.putBytes(slot * STRIDE + KEY_CAPACITY, value, valueOffset, valueLength);
        }
        valueLengths[slot] = valueLength;
        tombstones += (valueLength == TOMBSTONE ? 1 : 0) - (wasTombstone ? 1 : 0);
    }

    /**
     * Empty a slot, moving later entries of its probe run back (no deletion markers, so a table that churns all
     * interval long keeps short probes).
     */
    void delete(final int slot)
    {
        if (valueLengths[slot] == TOMBSTONE)
        {
            tombstones--;
        }
        occupied--;
        int hole = slot;
        int next = (slot + 1) & mask;
        while (hashes[next] != EMPTY)
        {
            final int home = hashes[next] & mask;
            // The entry at next may move to the hole unless its home lies cyclically in (hole, next].
            if (((next - home) & mask) >= ((next - hole) & mask))
            {
                moveSlot(next, hole);
                hole = next;
            }
            next = (next + 1) & mask;
        }
        hashes[hole] = EMPTY;
        keyLengths[hole] = 0;
    }

    private void moveSlot(final int from, final int to)
    {
        final int length = valueLengths[from];
        slots.putBytes(to * STRIDE, slots, from * STRIDE, keyLengths[from]);
        if (length > 0)
        {
            slots.putBytes(to * STRIDE + KEY_CAPACITY, slots, from * STRIDE + KEY_CAPACITY, length);
        }
        hashes[to] = hashes[from];
        keyLengths[to] = keyLengths[from];
        valueLengths[to] = length;
        carried[to] = carried[from];
    }

    private void grow()
    {
        final ByteBuffer oldArena = arena;
        final UnsafeBuffer oldSlots = slots;
        final int[] oldHashes = hashes;
        final int[] oldKeyLengths = keyLengths;
        final int[] oldValueLengths = valueLengths;
        final boolean[] oldCarried = carried;
        final int oldCapacity = capacity;
        final int oldTombstones = tombstones;
        final int oldOccupied = occupied;
        allocate(oldCapacity * 2);
        for (int from = 0; from < oldCapacity; from++)
        {
            if (oldHashes[from] == EMPTY)
            {
                continue;
            }
            int slot = oldHashes[from] & mask;
            while (hashes[slot] != EMPTY)
            {
                slot = (slot + 1) & mask;
            }
            slots.putBytes(slot * STRIDE, oldSlots, from * STRIDE, STRIDE);
            hashes[slot] = oldHashes[from];
            keyLengths[slot] = oldKeyLengths[from];
            valueLengths[slot] = oldValueLengths[from];
            carried[slot] = oldCarried[from];
        }
        occupied = oldOccupied;
        tombstones = oldTombstones;
        // Keep the old arena reachable until its bytes are copied.
        java.lang.ref.Reference.reachabilityFence(oldArena);
    }

    boolean isGone(final int slot)
    {
        return gone[slot];
    }

    /** Sealed tables, shard thread: the entry left the table. */
    void markGone(final int slot)
    {
        gone[slot] = true;
        dirtyGone = true;
    }

    boolean isEmptySlot(final int slot)
    {
        return hashes[slot] == EMPTY;
    }

    int hashAt(final int slot)
    {
        return hashes[slot];
    }

    int keyLength(final int slot)
    {
        return keyLengths[slot];
    }

    /** The slot's value length, or {@link #TOMBSTONE}. */
    int valueLength(final int slot)
    {
        return valueLengths[slot];
    }

    boolean isCarried(final int slot)
    {
        return carried[slot];
    }

    /** Point {@code view} at the slot's key (each thread passes its own view). */
    UnsafeBuffer wrapKey(final int slot, final UnsafeBuffer view)
    {
        view.wrap(slots, slot * STRIDE, KEY_CAPACITY);
        return view;
    }

    /** Point {@code view} at the slot's value (each thread passes its own view). */
    UnsafeBuffer wrapValue(final int slot, final UnsafeBuffer view)
    {
        view.wrap(slots, slot * STRIDE + KEY_CAPACITY, VALUE_CAPACITY);
        return view;
    }

    void copyValue(final int slot, final MutableDirectBuffer out)
    {
        final int length = valueLengths[slot];
        if (length > 0)
        {
            out.putBytes(0, slots, slot * STRIDE + KEY_CAPACITY, length);
        }
    }

    /** Whether {@link #clear} has nothing to do. */
    boolean isClear()
    {
        return occupied == 0 && !dirtyGone;
    }

    /** Empty every slot for reuse as a young table (shard thread, after the reader released it). */
    void clear()
    {
        if (occupied > 0)
        {
            Arrays.fill(hashes, EMPTY);
            Arrays.fill(keyLengths, 0);
        }
        if (dirtyGone)
        {
            Arrays.fill(gone, false);
            dirtyGone = false;
        }
        occupied = 0;
        tombstones = 0;
    }
}
