package io.weir.state.spi;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A write-back cache of a shard store's recently used small entries, in front of the store: a key that many events
 * touch one after another (a hot auction, a window being filled) is read and written here, and reaches the store
 * when another key takes its slot, or before any call that reads the store as a whole (the snapshot point, scans,
 * counts), so that those see every write made before them.
 * <p>
 * Direct-mapped: {@value #SLOTS} slots of a key of at most {@value #KEY_CAPACITY} bytes and a value of at most
 * {@value #VALUE_CAPACITY} bytes, chosen by a hash of the key; a longer key or value goes to the store, and an
 * absent key is cached as absent. A slot filled by a store read is written through by the put that follows it, so
 * that a store that keeps the read's look-up open (Chronicle) does not look the key up again; the key's later puts
 * stay in the slot until it is evicted (except back from a step aside, below).
 * <p>
 * When fewer than one look-up in {@value #MIN_HIT_SHARE_INVERSE} hits over {@value #WINDOW} of them (keys spread
 * over more entries than the slots hold), the cache writes itself back and steps aside, so that such workloads pay
 * one branch per operation: for {@value #MIN_BYPASS_OPERATIONS} operations, doubled at each step aside that follows
 * another without a window of enough hits between them, up to {@value #MAX_BYPASS_OPERATIONS}. A run of misses
 * that ends (an event-time window that fires reads each of its keys once) then costs a workload of hot keys a
 * short stretch aside, not the rest of its run. Back from a step aside, the cache serves reads but writes every put
 * through, its slots clean, until a window of look-ups has enough hits: a workload that keeps missing, and keeps
 * coming back to try, leaves no dirty slot for the snapshot point to write back.
 * <p>
 * Every write must come through this cache: the store behind it is not written any other way while it is open.
 * Shard thread only, like the store; {@link #close()} as the store allows.
 */
public final class HotKeyCache implements KeyedStateStore
{
    static final int SLOTS = 256;
    static final int KEY_CAPACITY = 64;
    static final int VALUE_CAPACITY = 192;
    static final int WINDOW = 1 << 12;
    static final int MIN_HIT_SHARE_INVERSE = 2;
    static final int MIN_BYPASS_OPERATIONS = 1 << 12;
    static final int MAX_BYPASS_OPERATIONS = 1 << 22;
    private static final int STRIDE = KEY_CAPACITY + VALUE_CAPACITY;
    private static final int SHIFT = Long.SIZE - Integer.numberOfTrailingZeros(SLOTS);
    private static final int NO_SLOT = -1;

    private final KeyedStateStore store;
    private final int window;
    private final int minBypassOperations;
    private final int maxBypassOperations;
    private final byte[] slotBytes = new byte[SLOTS * STRIDE];
    private final UnsafeBuffer slots = new UnsafeBuffer(slotBytes);
    /** A slot's key at offset 0, as the store takes keys. */
    private final UnsafeBuffer slotKey = new UnsafeBuffer(slotBytes, 0, KEY_CAPACITY);
    /** A slot's key length; 0 for an empty slot. */
    private final int[] keyLengths = new int[SLOTS];
    /** A slot's value length, or {@link #MISSING} for a key the store does not hold. */
    private final int[] valueLengths = new int[SLOTS];
    private final boolean[] dirty = new boolean[SLOTS];
    /** Which keys of a prefetch a slot holds, and the others' copy for the store. */
    private final boolean[] cached = new boolean[MAX_PREFETCH_KEYS];
    private final int[] prefetchLengths = new int[MAX_PREFETCH_KEYS];
    private UnsafeBuffer prefetchKeys;
    /** The slot the store's last call read into, while that read may still hold its look-up; else NO_SLOT. */
    private int fetched = NO_SLOT;
    private int dirtyCount;
    private int lookups;
    private int hits;
    private int bypassLeft;
    private int nextBypassOperations;
    /** False from a step aside until a window with enough hits: puts are written through, no slot is dirty. */
    private boolean holdsWrites = true;

    public HotKeyCache(final KeyedStateStore store)
    {
        this(store, WINDOW, MIN_BYPASS_OPERATIONS, MAX_BYPASS_OPERATIONS);
    }

    /**
     * With {@code window} look-ups per hit count, and from {@code minBypassOperations} to
     * {@code maxBypassOperations} per step aside; for tests.
     */
    HotKeyCache(
        final KeyedStateStore store, final int window, final int minBypassOperations, final int maxBypassOperations)
    {
        if (window <= 0 || minBypassOperations <= 0 || maxBypassOperations < minBypassOperations)
        {
            throw new IllegalArgumentException("hot-key cache needs window > 0 and 0 < min <= max operations aside: " +
                window + ", " + minBypassOperations + ", " + maxBypassOperations);
        }
        this.store = store;
        this.window = window;
        this.minBypassOperations = minBypassOperations;
        this.maxBypassOperations = maxBypassOperations;
        this.nextBypassOperations = minBypassOperations;
    }

    public int get(final DirectBuffer key, final int keyLength, final MutableDirectBuffer valueOut)
    {
        if (bypassing() || keyLength > KEY_CAPACITY || countLookupAndStepAside())
        {
            fetched = NO_SLOT;
            return store.get(key, keyLength, valueOut);
        }
        final int slot = slotOf(key, keyLength);
        if (holds(slot, key, keyLength))
        {
            hits++;
            final int length = valueLengths[slot];
            if (length != MISSING)
            {
                valueOut.putBytes(0, slots, slot * STRIDE + KEY_CAPACITY, length);
            }
            return length;
        }
        evict(slot);
        final int length = store.get(key, keyLength, valueOut);
        if (length <= VALUE_CAPACITY)
        {
            fill(slot, key, keyLength, valueOut, 0, length);
            fetched = slot;
        }
        else
        {
            fetched = NO_SLOT;
        }
        return length;
    }

    public void put(
        final DirectBuffer key, final int keyLength, final DirectBuffer value, final int valueOffset,
        final int valueLength)
    {
        if (bypassing() || keyLength > KEY_CAPACITY)
        {
            fetched = NO_SLOT;
            store.put(key, keyLength, value, valueOffset, valueLength);
            return;
        }
        final int slot = slotOf(key, keyLength);
        final boolean held = holds(slot, key, keyLength);
        if (!held)
        {
            evict(slot);
        }
        if (valueLength > VALUE_CAPACITY)
        {
            if (held)
            {
                drop(slot);
            }
            fetched = NO_SLOT;
            store.put(key, keyLength, value, valueOffset, valueLength);
            return;
        }
        if ((held && fetched == slot) || !holdsWrites)
        {
            // Right after the store read it: written through on that read's look-up. Or on probation after a step
            // aside: written through, the slot stays clean.
            // The store first: a put it refuses leaves no value in the slot that the store does not have.
            fetched = NO_SLOT;
            store.put(key, keyLength, value, valueOffset, valueLength);
            if (held)
            {
                setValue(slot, value, valueOffset, valueLength);
            }
            else
            {
                fill(slot, key, keyLength, value, valueOffset, valueLength);
            }
            return;
        }
        if (!held)
        {
            fill(slot, key, keyLength, value, valueOffset, valueLength);
        }
        else
        {
            setValue(slot, value, valueOffset, valueLength);
        }
        if (!dirty[slot])
        {
            dirty[slot] = true;
            dirtyCount++;
        }
    }

    public boolean remove(final DirectBuffer key, final int keyLength)
    {
        if (bypassing() || keyLength > KEY_CAPACITY)
        {
            fetched = NO_SLOT;
            return store.remove(key, keyLength);
        }
        final int slot = slotOf(key, keyLength);
        if (!holds(slot, key, keyLength))
        {
            fetched = NO_SLOT;
            return store.remove(key, keyLength);
        }
        if (valueLengths[slot] == MISSING)
        {
            return false;
        }
        // Held: present in the store, or only here while dirty (the store then holds an older value, or none).
        fetched = NO_SLOT;
        store.remove(key, keyLength);
        if (dirty[slot])
        {
            dirty[slot] = false;
            dirtyCount--;
        }
        valueLengths[slot] = MISSING;
        return true;
    }

    public void endOfAccess()
    {
        fetched = NO_SLOT;
        store.endOfAccess();
    }

    public boolean prefetches()
    {
        return store.prefetches();
    }

    public boolean prefetchesNow()
    {
        return store.prefetchesNow();
    }

    /** Hands the store only the keys no slot holds: a hot key's memory is not loaded again for nothing. */
    public void prefetch(final DirectBuffer keys, final int stride, final int[] lengths, final int count)
    {
        if (bypassLeft > 0)
        {
            store.prefetch(keys, stride, lengths, count);
            return;
        }
        int held = 0;
        for (int i = 0; i < count; i++)
        {
            final int length = lengths[i];
            cached[i] = length <= KEY_CAPACITY && holds(slotOf(keys, i * stride, length), keys, i * stride, length);
            held += cached[i] ? 1 : 0;
        }
        if (held == 0)
        {
            store.prefetch(keys, stride, lengths, count);
            return;
        }
        if (held == count)
        {
            return;
        }
        if (null == prefetchKeys || prefetchKeys.capacity() < count * stride)
        {
            prefetchKeys = new UnsafeBuffer(new byte[MAX_PREFETCH_KEYS * stride]);
        }
        int kept = 0;
        for (int i = 0; i < count; i++)
        {
            if (!cached[i])
            {
                prefetchKeys.putBytes(kept * stride, keys, i * stride, lengths[i]);
                prefetchLengths[kept++] = lengths[i];
            }
        }
        store.prefetch(prefetchKeys, stride, prefetchLengths, kept);
    }

    public void forEach(final EntryVisitor visitor)
    {
        writeBack();
        store.forEach(visitor);
    }

    public EntryScan newEntryScan()
    {
        return new WrittenBackScan(store.newEntryScan());
    }

    public long entryCount()
    {
        writeBack();
        return store.entryCount();
    }

    public long sizeBytes()
    {
        return store.sizeBytes();
    }

    public void prepareForCheckpoints()
    {
        writeBack();
        store.prepareForCheckpoints();
    }

    public StoreSnapshot snapshot(final long checkpointId, final boolean full)
    {
        writeBack();
        return store.snapshot(checkpointId, full);
    }

    /** Writes the cache back (a store may keep its files for a reopen), then closes the store. */
    public void close()
    {
        try
        {
            writeBack();
        }
        finally
        {
            store.close();
        }
    }

    /** Write every dirty slot to the store; the slots stay filled, clean. */
    public void writeBack()
    {
        fetched = NO_SLOT;
        for (int slot = 0; dirtyCount > 0 && slot < SLOTS; slot++)
        {
            if (dirty[slot])
            {
                writeSlot(slot);
            }
        }
    }

    /** Whether it is stepping aside now: the next operation goes to the store. For tests. */
    boolean isAside()
    {
        return bypassLeft > 0;
    }

    private boolean bypassing()
    {
        if (bypassLeft == 0)
        {
            return false;
        }
        bypassLeft--;
        return true;
    }

    /**
     * Count a look-up; at the end of a window with too few hits, write back, empty every slot and step aside, for
     * twice as long as the last time if the window before this one ended the same way, else for the shortest time;
     * puts are written through from then until a window with enough hits. No slot is filled while aside, so the cache
     * comes back empty, never stale.
     *
     * @return true if it stepped aside: the look-up goes to the store.
     */
    private boolean countLookupAndStepAside()
    {
        if (++lookups < window)
        {
            return false;
        }
        final boolean stepAside = hits < window / MIN_HIT_SHARE_INVERSE;
        lookups = 0;
        hits = 0;
        if (stepAside)
        {
            writeBack();
            java.util.Arrays.fill(keyLengths, 0);
            bypassLeft = nextBypassOperations;
            nextBypassOperations = (int)Math.min(2L * nextBypassOperations, maxBypassOperations);
            holdsWrites = false;
        }
        else
        {
            nextBypassOperations = minBypassOperations;
            holdsWrites = true;
        }
        return stepAside;
    }

    static int slotOf(final DirectBuffer key, final int keyLength)
    {
        return slotOf(key, 0, keyLength);
    }

    private static int slotOf(final DirectBuffer keys, final int offset, final int keyLength)
    {
        long hash = keyLength;
        int i = 0;
        for (; i + Long.BYTES <= keyLength; i += Long.BYTES)
        {
            hash = (hash ^ keys.getLong(offset + i)) * 0x9E3779B97F4A7C15L;
        }
        for (; i < keyLength; i++)
        {
            hash = (hash ^ keys.getByte(offset + i)) * 0x9E3779B97F4A7C15L;
        }
        return (int)((hash ^ (hash >>> 29)) >>> SHIFT);
    }

    private boolean holds(final int slot, final DirectBuffer key, final int keyLength)
    {
        return holds(slot, key, 0, keyLength);
    }

    private boolean holds(final int slot, final DirectBuffer keys, final int offset, final int keyLength)
    {
        if (keyLengths[slot] != keyLength)
        {
            return false;
        }
        final int base = slot * STRIDE;
        int i = 0;
        for (; i + Long.BYTES <= keyLength; i += Long.BYTES)
        {
            if (slots.getLong(base + i) != keys.getLong(offset + i))
            {
                return false;
            }
        }
        for (; i < keyLength; i++)
        {
            if (slots.getByte(base + i) != keys.getByte(offset + i))
            {
                return false;
            }
        }
        return true;
    }

    /** Empty the slot for another key, writing its value to the store first if only the slot has it. */
    private void evict(final int slot)
    {
        if (dirty[slot])
        {
            writeSlot(slot);
        }
        keyLengths[slot] = 0;
    }

    private void writeSlot(final int slot)
    {
        fetched = NO_SLOT;
        final int base = slot * STRIDE;
        slotKey.wrap(slotBytes, base, KEY_CAPACITY);
        store.put(slotKey, keyLengths[slot], slots, base + KEY_CAPACITY, valueLengths[slot]);
        dirty[slot] = false;
        dirtyCount--;
    }

    private void drop(final int slot)
    {
        if (dirty[slot])
        {
            dirty[slot] = false;
            dirtyCount--;
        }
        keyLengths[slot] = 0;
    }

    private void fill(
        final int slot, final DirectBuffer key, final int keyLength, final DirectBuffer value, final int valueOffset,
        final int valueLength)
    {
        slots.putBytes(slot * STRIDE, key, 0, keyLength);
        keyLengths[slot] = keyLength;
        setValue(slot, value, valueOffset, valueLength);
    }

    private void setValue(final int slot, final DirectBuffer value, final int valueOffset, final int valueLength)
    {
        if (valueLength != MISSING)
        {
            slots.putBytes(slot * STRIDE + KEY_CAPACITY, value, valueOffset, valueLength);
        }
        valueLengths[slot] = valueLength;
    }

    /** A store's scan whose every step starts with the cache written back, so that it visits every write. */
    private final class WrittenBackScan implements EntryScan
    {
        private final EntryScan scan;

        WrittenBackScan(final EntryScan scan)
        {
            this.scan = scan;
        }

        public boolean step(final int minEntries, final EntryVisitor visitor)
        {
            writeBack();
            return scan.step(minEntries, visitor);
        }
    }
}
