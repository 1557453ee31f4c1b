package io.weir.state.changes;

import org.agrona.BitUtil;
import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A map from byte-string keys to their position in a change interval's {@link DeltaLog}, for keys
 * that have no stored value to carry that position in its header (inserted or removed in the interval). It
 * allocates nothing in steady state: records {@code [length i32][log index i32][bytes]} are appended to a reused
 * arena, and an open-addressing table of {@code (hash << 32) | (record offset + 1)} slots indexes them, 0 being
 * empty. {@link #clear()} keeps the capacity for the next interval, so growth is bounded by one interval's puts
 * (a key put again while batched is updated in place; put again later, its batched record is appended anew).
 * <p>
 * Everything is off-heap: the table grows while the state warms up (to millions of slots when a first interval
 * inserts every key), and growing heap arrays that size are humongous objects the collector copies or scans. A
 * list of the occupied slots makes {@link #clear()} cost the keys of the interval rather than the capacity: the
 * shard clears the index at a snapshot point, where wiping a table sized by the first interval's inserts took
 * milliseconds.
 * <p>
 * Most look-ups miss (a store asks for every key it inserts, and few were removed in the interval), and a miss in a
 * table of megabytes is a cache miss. So {@link #get} first asks a filter of {@value #FILTER_BITS_PER_SLOT} bits per
 * slot, one set per key (16 times smaller than the table, so it stays in cache): a clear bit means absent.
 * <p>
 * A {@link #put} is where the table misses the cache most (a removal indexes a key the interval has not looked at
 * since it was written), so puts are batched: a key is appended to the arena and its filter bit set at once, and
 * the table takes the batch of {@value #BATCH} together, first loading every slot they hash to, so that their
 * cache misses overlap rather than follow one another. Until then {@link #get} finds the key in the batch.
 * <p>
 * Not thread-safe: only the owning shard uses it.
 */
public final class KeyLogIndex
{
    public static final int MISSING = -1;

    private static final int LENGTH_BYTES = 4;
    private static final int HEADER_BYTES = LENGTH_BYTES + 4;
    private static final int INITIAL_CAPACITY = 64;
    private static final int FILTER_BITS_PER_SLOT = 4;
    static final int BATCH = 16;
    private static final int NOT_BATCHED = -1;

    private final ExpandableDirectByteBuffer arena = new ExpandableDirectByteBuffer(4096);
    private int arenaLength;
    /** {@code capacity} slots of 8 bytes. */
    private UnsafeBuffer slots;
    /** The indexes of the occupied slots, in insertion order: {@code size} ints. */
    private UnsafeBuffer occupied;
    /** {@code capacity * FILTER_BITS_PER_SLOT} bits: the bit of every key's hash is set. */
    private UnsafeBuffer filter;
    private int filterMask;
    private long filterMisses;
    private int capacity;
    private int size;
    /** Puts not yet in the table: their hashes and arena record offsets, oldest first. */
    private final int[] batchHashes = new int[BATCH];
    private final int[] batchRecords = new int[BATCH];
    private int batched;
    /** Consumes the slot loads of a batch, so the JIT cannot drop them. */
    private long loadSink;

    public KeyLogIndex()
    {
        allocate(INITIAL_CAPACITY);
    }

    /** Keys mapped, the batched puts included (it moves them into the table first). */
    public int size()
    {
        flush();
        return size;
    }

    /** Whether no key is mapped: cheaper than {@link #size()}, as it leaves the batch of puts as it is. */
    public boolean isEmpty()
    {
        return 0 == size && 0 == batched;
    }

    /** Slots in the table (a power of two, at least twice {@link #size()}). */
    int capacity()
    {
        return capacity;
    }

    /** The log index the key is mapped to, or {@link #MISSING}. */
    public int get(final DirectBuffer key, final int length)
    {
        final int hash = hash(key, length);
        if (!mayContain(hash))
        {
            filterMisses++;
            return MISSING;
        }
        final int batchedRecord = batchedRecord(hash, key, length);
        if (NOT_BATCHED != batchedRecord)
        {
            return arena.getInt(batchedRecord + LENGTH_BYTES);
        }
        final long slot = slots.getLong(probe(hash, key, length) * 8);
        return 0 == slot ? MISSING : arena.getInt((int)slot - 1 + LENGTH_BYTES);
    }

    /**
     * Map the key to {@code logIndex} unless it is mapped already.
     *
     * @return the log index the key already had, or {@link #MISSING} if it was added now.
     */
    public int putIfAbsent(final DirectBuffer key, final int length, final int logIndex)
    {
        flush();
        final int hash = hash(key, length);
        final int index = probe(hash, key, length);
        final long slot = slots.getLong(index * 8);
        if (0 != slot)
        {
            return arena.getInt((int)slot - 1 + LENGTH_BYTES);
        }
        insertAt(hash, index, key, length, logIndex);
        return MISSING;
    }

    /** Map the key to {@code logIndex}, replacing the log index it had, if any. Batched (see above). */
    public void put(final DirectBuffer key, final int length, final int logIndex)
    {
        final int hash = hash(key, length);
        final int batchedRecord = batchedRecord(hash, key, length);
        if (NOT_BATCHED != batchedRecord)
        {
            arena.putInt(batchedRecord + LENGTH_BYTES, logIndex);
            return;
        }
        batchHashes[batched] = hash;
        batchRecords[batched] = appendRecord(key, length, logIndex);
        setFilterBit(hash);
        if (++batched == BATCH)
        {
            flush();
        }
    }

    /** The arena record of the key if it is in the batch of puts, else {@link #NOT_BATCHED}. */
    private int batchedRecord(final int hash, final DirectBuffer key, final int length)
    {
        for (int i = batched - 1; i >= 0; i--)
        {
            if (batchHashes[i] == hash && equalsAt(batchRecords[i], key, length))
            {
                return batchRecords[i];
            }
        }
        return NOT_BATCHED;
    }

    /** Move the batched puts into the table: their slots loaded together first, then each probed and set. */
    private void flush()
    {
        final int count = batched;
        if (0 == count)
        {
            return;
        }
        final int mask = capacity - 1;
        long loaded = 0;
        for (int i = 0; i < count; i++)
        {
            loaded += slots.getLong((batchHashes[i] & mask) * 8);
        }
        loadSink += loaded;
        batched = 0;
        for (int i = 0; i < count; i++)
        {
            final int hash = batchHashes[i];
            final int record = batchRecords[i];
            final int index = probeRecord(hash, record);
            final long slot = slots.getLong(index * 8);
            if (0 == slot)
            {
                insertAt(hash, index, record);
            }
            else
            {
                arena.putInt((int)slot - 1 + LENGTH_BYTES, arena.getInt(record + LENGTH_BYTES));
            }
        }
    }

    /** Add the key at the empty table index {@code index} that probing for it found. */
    private void insertAt(final int hash, final int index, final DirectBuffer key, final int length, final int logIndex)
    {
        insertAt(hash, index, appendRecord(key, length, logIndex));
    }

    /** Its filter bit is set again: a batched key's bit was set at its put, but a rehash since made a new filter. */
    private void insertAt(final int hash, final int index, final int record)
    {
        setFilterBit(hash);
        slots.putLong(index * 8, ((long)hash << 32) | (record + 1L));
        occupied.putInt(size * 4, index);
        if (++size * 2 > capacity)
        {
            rehash(capacity * 2);
        }
    }

    /** Append {@code [length][log index][key]} to the arena; returns the record's offset. */
    private int appendRecord(final DirectBuffer key, final int length, final int logIndex)
    {
        final int newOffset = arenaLength;
        arena.putInt(newOffset, length);
        arena.putInt(newOffset + LENGTH_BYTES, logIndex);
        arena.putBytes(newOffset + HEADER_BYTES, key, 0, length);
        arenaLength = newOffset + HEADER_BYTES + length;
        return newOffset;
    }

    /** {@link #probe} for the key of the arena record at {@code record}. */
    private int probeRecord(final int hash, final int record)
    {
        final int mask = capacity - 1;
        final int length = arena.getInt(record);
        int index = hash & mask;
        long slot;
        while ((slot = slots.getLong(index * 8)) != 0)
        {
            final int other = (int)slot - 1;
            if ((int)(slot >>> 32) == hash && arena.getInt(other) == length &&
                sameBytes(arena, other + HEADER_BYTES, arena, record + HEADER_BYTES, length))
            {
                return index;
            }
            index = (index + 1) & mask;
        }
        return index;
    }

    /** The table index holding the key, or the empty one where it would go. */
    private int probe(final int hash, final DirectBuffer key, final int length)
    {
        final int mask = capacity - 1;
        int index = hash & mask;
        long slot;
        while ((slot = slots.getLong(index * 8)) != 0)
        {
            if ((int)(slot >>> 32) == hash && equalsAt((int)slot - 1, key, length))
            {
                return index;
            }
            index = (index + 1) & mask;
        }
        return index;
    }

    /** Forget every key, in time proportional to their number; the capacity stays. */
    public void clear()
    {
        for (int i = 0; i < batched; i++)
        {
            clearFilterWord(batchHashes[i]);
        }
        batched = 0;
        for (int i = 0; i < size; i++)
        {
            final int index = occupied.getInt(i * 4) * 8;
            clearFilterWord((int)(slots.getLong(index) >>> 32));
            slots.putLong(index, 0);
        }
        size = 0;
        arenaLength = 0;
    }

    private boolean equalsAt(final int recordOffset, final DirectBuffer key, final int length)
    {
        if (arena.getInt(recordOffset) != length)
        {
            return false;
        }
        return sameBytes(arena, recordOffset + HEADER_BYTES, key, 0, length);
    }

    private void rehash(final int newCapacity)
    {
        final UnsafeBuffer oldSlots = slots;
        final UnsafeBuffer oldOccupied = occupied;
        final int count = size;
        allocate(BitUtil.findNextPositivePowerOfTwo(newCapacity));
        final int mask = capacity - 1;
        for (int i = 0; i < count; i++)
        {
            final long slot = oldSlots.getLong(oldOccupied.getInt(i * 4) * 8);
            int index = (int)(slot >>> 32) & mask;
            while (slots.getLong(index * 8) != 0)
            {
                index = (index + 1) & mask;
            }
            slots.putLong(index * 8, slot);
            occupied.putInt(i * 4, index);
            setFilterBit((int)(slot >>> 32));
        }
    }

    /** Look-ups the filter answered without reading the table (tests). */
    long filterMisses()
    {
        return filterMisses;
    }

    private boolean mayContain(final int hash)
    {
        final int bit = filterBit(hash);
        return (filter.getLong((bit >>> 6) << 3) & (1L << bit)) != 0;
    }

    private void setFilterBit(final int hash)
    {
        final int bit = filterBit(hash);
        final int at = (bit >>> 6) << 3;
        filter.putLong(at, filter.getLong(at) | (1L << bit));
    }

    /** Clears the filter word holding the hash's bit: every key in it is being cleared too. */
    private void clearFilterWord(final int hash)
    {
        filter.putLong((filterBit(hash) >>> 6) << 3, 0L);
    }

    /** The filter bit of a hash: from its high bits, as the table's index takes its low ones. */
    private int filterBit(final int hash)
    {
        return Integer.rotateRight(hash * 0x9E3779B9, 16) & filterMask;
    }

    private void allocate(final int newCapacity)
    {
        capacity = newCapacity;
        // Fresh direct memory is zeroed: every slot starts empty.
        slots = new UnsafeBuffer(BufferUtil.allocateDirectAligned(Math.multiplyExact(newCapacity, 8), 64));
        occupied = new UnsafeBuffer(BufferUtil.allocateDirectAligned(Math.multiplyExact(newCapacity / 2 + 1, 4), 64));
        final int filterBits = Math.multiplyExact(newCapacity, FILTER_BITS_PER_SLOT);
        filter = new UnsafeBuffer(BufferUtil.allocateDirectAligned(filterBits / Byte.SIZE, 64));
        filterMask = filterBits - 1;
    }

    /** Whether two byte ranges are equal, compared eight bytes at a time. */
    public static boolean sameBytes(
        final DirectBuffer a, final int aOffset, final DirectBuffer b, final int bOffset, final int length)
    {
        int i = 0;
        for (; i + Long.BYTES <= length; i += Long.BYTES)
        {
            if (a.getLong(aOffset + i) != b.getLong(bOffset + i))
            {
                return false;
            }
        }
        if (i == length)
        {
            return true;
        }
        if (length >= Long.BYTES)
        {
            // The last 8 bytes, overlapping those compared: one read instead of up to 7.
            return a.getLong(aOffset + length - Long.BYTES) == b.getLong(bOffset + length - Long.BYTES);
        }
        if (i + Integer.BYTES <= length)
        {
            if (a.getInt(aOffset + i) != b.getInt(bOffset + i))
            {
                return false;
            }
            i += Integer.BYTES;
        }
        for (; i < length; i++)
        {
            if (a.getByte(aOffset + i) != b.getByte(bOffset + i))
            {
                return false;
            }
        }
        return true;
    }

    private static int hash(final DirectBuffer key, final int length)
    {
        long h = 0x9E3779B97F4A7C15L ^ length;
        int i = 0;
        for (; i + 8 <= length; i += 8)
        {
            h = (h ^ key.getLong(i)) * 0xBF58476D1CE4E5B9L;
            h ^= h >>> 31;
        }
        for (; i < length; i++)
        {
            h = (h ^ key.getByte(i)) * 0x94D049BB133111EBL;
        }
        h ^= h >>> 29;
        return (int)(h ^ (h >>> 32));
    }
}
