package io.weir.state.offheap;

import io.weir.state.changes.KeyLogIndex;
import org.agrona.BitUtil;
import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * An open-addressing hash table of small entries for a {@link NurseryStore}: entries in slots of {@value #STRIDE}
 * bytes in one cache-aligned off-heap arena, and an index of the entries, linear probing over a power-of-two number
 * of places, each holding an entry's hash and slot (a probe reads the index until a hash matches). A slot holds its
 * entry's lengths and flags, then the key, then the value, so that a look-up of an entry of at most
 * {@value #ENTRY_CAPACITY} bytes touches two cache lines: the index's and the slot's.
 * <p>
 * An entry keeps its slot until it is deleted (the index's places move, the slots never do), and a new entry takes
 * the slot freed last: where entries come and go at the same rate (a deduplication flag set per event and cleared by
 * its expiry), an insert writes the line the last removal just read, not a line of the arena that is not in the
 * cache. A larger value, of up to {@value #BLOCK_BYTES} bytes, is kept out of line in a block of its own (up to four
 * cache lines) from the table's block arena, its length and block in the slot after the key, so that a list of a few
 * dozen elements or an aggregate of a few fields stays out of the map too; the arena holds at most a block per two
 * places of the table's index. A slot holds a value, or a tombstone: a removal of a key that the last snapshot
 * holds. A slot's carried flag says whether the last snapshot holds its key, and if
 * so whether the slot still holds the value that snapshot holds ({@linkplain #carryUnchanged carried unchanged}): a
 * delta leaves such a value out.
 * <p>
 * Threading. While it is the nursery's young table, the shard thread reads and writes it. From the snapshot point
 * that seals it, the table is frozen, its blocks included: the shard thread and one snapshot reader read it, and
 * the shard thread writes only a slot's {@linkplain #markGone gone} flag, which the reader never reads. The reader
 * sets {@link #released} when it is done; the shard {@link #clear}s the table for reuse only after that.
 */
final class NurseryTable
{
    /** Bytes of a slot: one cache line. */
    static final int STRIDE = 64;
    /** A slot's bytes before the key: key length, value length, carried flag, gone flag. */
    private static final int HEADER = 4;
    /** Bytes of a key and its value together that a slot holds. */
    static final int ENTRY_CAPACITY = STRIDE - HEADER;
    /** Bytes of a block: the largest value a slot keeps out of line. */
    static final int BLOCK_BYTES = 256;
    /** An out-of-line value's fields in its slot, after the key: its length, then its block. */
    private static final int POINTER_BYTES = 8;
    /** Blocks the arena holds when it is created; it doubles as it fills, to a block per two index places. */
    private static final int INITIAL_BLOCKS = 64;
    private static final int KEY_LENGTH_OFFSET = 0;
    private static final int VALUE_LENGTH_OFFSET = 1;
    private static final int CARRIED_OFFSET = 2;
    private static final int GONE_OFFSET = 3;
    /** Carried flags: the last snapshot does not hold the key; holds it; holds it with the slot's value. */
    private static final byte NOT_CARRIED = 0;
    private static final byte CARRIED = 1;
    private static final byte CARRIED_UNCHANGED = 2;
    /** A slot's value length for a tombstone. */
    static final int TOMBSTONE = -1;
    /** A slot's value length byte for a value kept in a block. */
    private static final byte OUT_OF_LINE = -2;
    /** A slot's value length byte while the slot is free; the next free slot follows the header. */
    private static final byte FREE = -3;
    static final int NO_SLOT = -1;
    /** Bound on index places, so that slot offsets in the arena fit an int. */
    static final int MAX_CAPACITY = 1 << 23;
    /** A hash {@link #hash} never returns, so that an index place holding an entry is never 0. */
    private static final int EMPTY = 0;
    /** An index place that holds no entry. */
    private static final long EMPTY_PLACE = 0;

    private int capacity;
    private int mask;
    private ByteBuffer arena;
    private UnsafeBuffer slots;
    /** The index's places: an entry's hash in the high 32 bits, its slot in the low; {@link #EMPTY_PLACE} if none. */
    private long[] index;
    /** Slots handed out so far, freed ones included: every slot in use is below it. */
    private int slotHighWater;
    /** The slot freed last, or {@link #NO_SLOT}: the head of the free slots' list, linked through the slots. */
    private int freeSlot = NO_SLOT;
    private int occupied;
    private int tombstones;
    /** Out-of-line values, {@link #BLOCK_BYTES} each; null until the first. Kept when the table grows or clears. */
    private ByteBuffer blockArena;
    private UnsafeBuffer blocks;
    private int blockCapacity;
    /** Blocks handed out so far, freed ones included; the freed ones are on {@link #freeBlocks}. */
    private int blockHighWater;
    private int[] freeBlocks;
    private int freeBlockCount;
    /** Times the slots or the block arena grew: the table's {@link #sizeBytes} changes only then. */
    private int growths;
    /** Set by the snapshot reader when it no longer reads the table. */
    volatile boolean released = true;

    NurseryTable(final int capacity)
    {
        allocate(capacity);
    }

    /** Whether a slot holds a key and a value of these lengths in line. */
    static boolean fitsInLine(final int keyLength, final int valueLength)
    {
        return keyLength + valueLength <= ENTRY_CAPACITY;
    }

    /** Whether the table can take a new entry of a key and a value of these lengths: in line, or with a block. */
    boolean canTake(final int keyLength, final int valueLength)
    {
        return fitsInLine(keyLength, valueLength) || (fitsOutOfLine(keyLength, valueLength) && hasFreeBlock());
    }

    /** Whether the slot's entry can take a value of this length: in line, or in its block or a new one. */
    boolean canRewrite(final int slot, final int valueLength)
    {
        final int keyLength = keyLength(slot);
        return fitsInLine(keyLength, valueLength) ||
            (fitsOutOfLine(keyLength, valueLength) && (isOutOfLine(slot) || hasFreeBlock()));
    }

    /** Whether the table can take the value of another table's slot, which holds one. */
    boolean canCarry(final NurseryTable from, final int fromSlot)
    {
        return !from.isOutOfLine(fromSlot) || hasFreeBlock();
    }

    private static boolean fitsOutOfLine(final int keyLength, final int valueLength)
    {
        return keyLength + POINTER_BYTES <= ENTRY_CAPACITY && valueLength <= BLOCK_BYTES;
    }

    private boolean hasFreeBlock()
    {
        return freeBlockCount > 0 || blockHighWater < (capacity >>> 1);
    }

    private void allocate(final int capacity)
    {
        if (!BitUtil.isPowerOfTwo(capacity) || capacity < 4 || capacity > MAX_CAPACITY)
        {
            throw new IllegalArgumentException("nursery table capacity must be a power of two from 4 to " +
                MAX_CAPACITY + ": " + capacity);
        }
        // Allocated before any field changes: a table that cannot grow (direct memory exhausted) stays as it was.
        final ByteBuffer arena = BufferUtil.allocateDirectAligned(slotsFor(capacity) * STRIDE, STRIDE);
        final long[] index = new long[capacity];
        this.capacity = capacity;
        this.mask = capacity - 1;
        this.arena = arena;
        this.slots = new UnsafeBuffer(arena);
        this.index = index;
    }

    /** Slots of a table of {@code capacity} index places: it grows before it holds more entries. */
    private static int slotsFor(final int capacity)
    {
        return capacity / 4 * 3;
    }

    /** A key's hash, never {@link #EMPTY}: the same for every table, so one hash serves the probes of two. */
    static int hash(final DirectBuffer key, final int keyLength)
    {
        return hash(key, 0, keyLength);
    }

    /** The hash of the key at {@code key[offset, offset + keyLength)}. */
    static int hash(final DirectBuffer key, final int offset, final int keyLength)
    {
        long hash = keyLength;
        int i = 0;
        for (; i + Long.BYTES <= keyLength; i += Long.BYTES)
        {
            hash = (hash ^ key.getLong(offset + i)) * 0x9E3779B97F4A7C15L;
        }
        // The tail in at most three reads, not a multiply per byte: a third of the time hashing took (JFR).
        long tail = 0;
        if (i + Integer.BYTES <= keyLength)
        {
            tail = key.getInt(offset + i) & 0xFFFF_FFFFL;
            i += Integer.BYTES;
        }
        if (i + Short.BYTES <= keyLength)
        {
            tail = (tail << 16) | (key.getShort(offset + i) & 0xFFFF);
            i += Short.BYTES;
        }
        if (i < keyLength)
        {
            tail = (tail << 8) | (key.getByte(offset + i) & 0xFF);
        }
        hash = (hash ^ tail) * 0x9E3779B97F4A7C15L;
        final int h = (int)(hash ^ (hash >>> 29));
        return h == EMPTY ? 1 : h;
    }

    /** Places of the index; the table holds at most three quarters as many entries before it grows. */
    int capacity()
    {
        return capacity;
    }

    /** Every slot in use is below this: a walk of the entries visits the slots {@code [0, slotLimit())}. */
    int slotLimit()
    {
        return slotHighWater;
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

    /** Times the table grew (its slots or its blocks), for a caller that keeps its {@link #sizeBytes}. */
    int growths()
    {
        return growths;
    }

    long sizeBytes()
    {
        return (long)slotsFor(capacity) * STRIDE + (long)capacity * Long.BYTES +
            (long)blockCapacity * (BLOCK_BYTES + Integer.BYTES);
    }

    /** Sealed tables: the key's slot if its entry has not left the table, else {@link #NO_SLOT}. */
    int findRemaining(final DirectBuffer key, final int keyLength, final int hash)
    {
        final int slot = find(key, keyLength, hash);
        return NO_SLOT == slot || isGone(slot) ? NO_SLOT : slot;
    }

    /**
     * The home place of the index of a key with this hash: the first line a look-up of the key reads. For a
     * look-ahead, which passes it to {@link #touchSlot} once it has loaded the places of every key it looks ahead to.
     */
    long place(final int hash)
    {
        return index[hash & mask];
    }

    /**
     * Loads the slot of the entry at a home place ({@link #place}) if its hash is the key's: the second line a
     * look-up of a key the table holds reads (an insert of a key found nowhere writes a slot freed just before, most
     * often, which is in the cache); returns a value read (for the caller to consume, so that the loads are not
     * dropped).
     */
    int touchSlot(final long place, final int hash)
    {
        return hashOf(place) == hash ? slots.getByte(slotOf(place) * STRIDE) : 0;
    }

    /** @return the key's slot, or {@link #NO_SLOT}. */
    int find(final DirectBuffer key, final int keyLength, final int hash)
    {
        final long[] index = this.index;
        int position = hash & mask;
        while (true)
        {
            final long place = index[position];
            if (place == EMPTY_PLACE)
            {
                return NO_SLOT;
            }
            if (hashOf(place) == hash)
            {
                final int slot = slotOf(place);
                if (keyLength(slot) == keyLength &&
                    KeyLogIndex.sameBytes(slots, slot * STRIDE + HEADER, key, 0, keyLength))
                {
                    return slot;
                }
            }
            position = (position + 1) & mask;
        }
    }

    private static int hashOf(final long place)
    {
        return (int)(place >>> 32);
    }

    private static int slotOf(final long place)
    {
        return (int)place;
    }

    /**
     * Insert a key the table does not hold, with a value or a {@link #TOMBSTONE}; the table must
     * {@linkplain #canTake take} them.
     * Doubles the table first when it is three quarters full.
     */
    void insert(
        final DirectBuffer key, final int keyLength, final int hash, final DirectBuffer value, final int valueOffset,
        final int valueLength, final boolean carried)
    {
        final int slot = takeSlot(hash);
        // Written, never read: the slot freed last, in the cache if a removal just read it.
        final int base = slot * STRIDE;
        slots.putByte(base + KEY_LENGTH_OFFSET, (byte)keyLength);
        slots.putByte(base + VALUE_LENGTH_OFFSET, (byte)valueLength);
        slots.putByte(base + CARRIED_OFFSET, carried ? CARRIED : NOT_CARRIED);
        slots.putByte(base + GONE_OFFSET, (byte)0);
        slots.putBytes(base + HEADER, key, 0, keyLength);
        if (valueLength == TOMBSTONE)
        {
            tombstones++;
        }
        else if (fitsInLine(keyLength, valueLength))
        {
            slots.putBytes(base + HEADER + keyLength, value, valueOffset, valueLength);
        }
        else
        {
            writeOutOfLine(base + HEADER + keyLength, takeBlock(), value, valueOffset, valueLength);
            slots.putByte(base + VALUE_LENGTH_OFFSET, OUT_OF_LINE);
        }
        occupied++;
    }

    /** Writes a value to a block, and the value's length and block at {@code pointer} of the slots. */
    private void writeOutOfLine(
        final int pointer, final int block, final DirectBuffer value, final int valueOffset, final int valueLength)
    {
        blocks.putBytes(block * BLOCK_BYTES, value, valueOffset, valueLength);
        slots.putInt(pointer, valueLength);
        slots.putInt(pointer + Integer.BYTES, block);
    }

    /** A free block, the arena grown first if it has none (within {@link #hasFreeBlock}). */
    private int takeBlock()
    {
        if (freeBlockCount > 0)
        {
            return freeBlocks[--freeBlockCount];
        }
        if (blockHighWater == blockCapacity)
        {
            growBlocks();
        }
        return blockHighWater++;
    }

    private void freeBlock(final int block)
    {
        freeBlocks[freeBlockCount++] = block;
    }

    private void growBlocks()
    {
        final int grown = 0 == blockCapacity ? INITIAL_BLOCKS : blockCapacity * 2;
        // Allocated before any field changes: an arena that cannot grow stays as it was.
        final ByteBuffer arena = BufferUtil.allocateDirectAligned(grown * BLOCK_BYTES, STRIDE);
        final UnsafeBuffer grownBlocks = new UnsafeBuffer(arena);
        final int[] grownFree = new int[grown];
        if (null != blocks)
        {
            grownBlocks.putBytes(0, blocks, 0, blockHighWater * BLOCK_BYTES);
            System.arraycopy(freeBlocks, 0, grownFree, 0, freeBlockCount);
        }
        final ByteBuffer oldArena = blockArena;
        blockArena = arena;
        blocks = grownBlocks;
        freeBlocks = grownFree;
        blockCapacity = grown;
        growths++;
        // Keep the old arena reachable until its bytes are copied.
        java.lang.ref.Reference.reachabilityFence(oldArena);
    }

    /**
     * A slot for a new entry with this hash, indexed: the slot freed last, else the first never used; after doubling
     * the table if it is three quarters full.
     */
    private int takeSlot(final int hash)
    {
        if ((occupied + 1) * 4L > capacity * 3L)
        {
            grow();
        }
        final int slot;
        if (NO_SLOT != freeSlot)
        {
            slot = freeSlot;
            freeSlot = slots.getInt(slot * STRIDE + HEADER);
        }
        else
        {
            slot = slotHighWater++;
        }
        place(hash, slot);
        return slot;
    }

    /** Puts an entry's hash and slot in the first empty place of the hash's probe run. */
    private void place(final int hash, final int slot)
    {
        final long[] index = this.index;
        int position = hash & mask;
        while (index[position] != EMPTY_PLACE)
        {
            position = (position + 1) & mask;
        }
        index[position] = placeOf(hash, slot);
    }

    /** The index place of an entry. */
    private static long placeOf(final int hash, final int slot)
    {
        return ((long)hash << 32) | (slot & 0xFFFF_FFFFL);
    }

    /**
     * Insert the value of another table's slot, which this table does not hold, as one the last snapshot holds:
     * until it is written, a delta leaves it out. Doubles the table first when it is three quarters full.
     */
    void carryUnchanged(final NurseryTable from, final int fromSlot)
    {
        final int slot = takeSlot(from.hashOfSlot(fromSlot));
        final int base = slot * STRIDE;
        slots.putBytes(base, from.slots, fromSlot * STRIDE, from.usedBytes(fromSlot));
        if (from.isOutOfLine(fromSlot))
        {
            // A block of this table's own: the other table's arena is cleared when that table is reused.
            final int pointer = base + HEADER + from.keyLength(fromSlot);
            final int block = takeBlock();
            blocks.putBytes(block * BLOCK_BYTES, from.blocks, from.blockOffset(fromSlot), from.valueLength(fromSlot));
            slots.putInt(pointer + Integer.BYTES, block);
        }
        slots.putByte(base + CARRIED_OFFSET, CARRIED_UNCHANGED);
        slots.putByte(base + GONE_OFFSET, (byte)0);
        occupied++;
    }

    /** The hash of the key of the slot, which holds an entry. */
    private int hashOfSlot(final int slot)
    {
        return hash(slots, slot * STRIDE + HEADER, keyLength(slot));
    }

    /**
     * Replace a slot's value, which the slot {@linkplain #canRewrite can take}, or make it a {@link #TOMBSTONE}.
     *
     * @return whether the slot held a value {@linkplain #carryUnchanged carried unchanged} until now.
     */
    boolean setValue(final int slot, final DirectBuffer value, final int valueOffset, final int valueLength)
    {
        final int base = slot * STRIDE;
        final boolean wasTombstone = slots.getByte(base + VALUE_LENGTH_OFFSET) == TOMBSTONE;
        final boolean wasUnchanged = slots.getByte(base + CARRIED_OFFSET) == CARRIED_UNCHANGED;
        if (wasUnchanged)
        {
            slots.putByte(base + CARRIED_OFFSET, CARRIED);
        }
        final int keyLength = keyLength(slot);
        final int pointer = base + HEADER + keyLength;
        final boolean wasOutOfLine = slots.getByte(base + VALUE_LENGTH_OFFSET) == OUT_OF_LINE;
        if (valueLength == TOMBSTONE || fitsInLine(keyLength, valueLength))
        {
            if (wasOutOfLine)
            {
                freeBlock(slots.getInt(pointer + Integer.BYTES));
            }
            if (valueLength != TOMBSTONE)
            {
                slots.putBytes(pointer, value, valueOffset, valueLength);
            }
            slots.putByte(base + VALUE_LENGTH_OFFSET, (byte)valueLength);
        }
        else
        {
            final int block = wasOutOfLine ? slots.getInt(pointer + Integer.BYTES) : takeBlock();
            writeOutOfLine(pointer, block, value, valueOffset, valueLength);
            slots.putByte(base + VALUE_LENGTH_OFFSET, OUT_OF_LINE);
        }
        tombstones += (valueLength == TOMBSTONE ? 1 : 0) - (wasTombstone ? 1 : 0);
        return wasUnchanged;
    }

    /**
     * Empty a slot, which holds an entry whose key has this hash, for the next insert: its place leaves the index,
     * later places of its probe run moving back (no deletion markers, so a table that churns all interval long keeps
     * short probes).
     */
    void delete(final int slot, final int hash)
    {
        if (valueLength(slot) == TOMBSTONE)
        {
            tombstones--;
        }
        else if (isOutOfLine(slot))
        {
            freeBlock(blockOf(slot));
        }
        occupied--;
        final long[] index = this.index;
        final long entry = placeOf(hash, slot);
        int hole = hash & mask;
        while (index[hole] != entry)
        {
            hole = (hole + 1) & mask;
        }
        int next = (hole + 1) & mask;
        while (index[next] != EMPTY_PLACE)
        {
            final int home = hashOf(index[next]) & mask;
            // The place at next may move to the hole unless its home lies cyclically in (hole, next].
            if (((next - home) & mask) >= ((next - hole) & mask))
            {
                index[hole] = index[next];
                hole = next;
            }
            next = (next + 1) & mask;
        }
        index[hole] = EMPTY_PLACE;
        final int base = slot * STRIDE;
        slots.putByte(base + VALUE_LENGTH_OFFSET, FREE);
        slots.putInt(base + HEADER, freeSlot);
        freeSlot = slot;
    }

    /** A slot's bytes in use: its header, key and value, or the value's length and block. */
    private int usedBytes(final int slot)
    {
        return HEADER + keyLength(slot) + (isOutOfLine(slot) ? POINTER_BYTES : Math.max(0, valueLength(slot)));
    }

    /** Whether the slot's value is in a block; the slot holds an entry. */
    private boolean isOutOfLine(final int slot)
    {
        return slots.getByte(slot * STRIDE + VALUE_LENGTH_OFFSET) == OUT_OF_LINE;
    }

    /** The block of the slot's value, which is {@linkplain #isOutOfLine out of line}. */
    private int blockOf(final int slot)
    {
        return slots.getInt(slot * STRIDE + HEADER + keyLength(slot) + Integer.BYTES);
    }

    private int blockOffset(final int slot)
    {
        return blockOf(slot) * BLOCK_BYTES;
    }

    /** Doubles the arena and the index; every entry keeps its slot. */
    private void grow()
    {
        final ByteBuffer oldArena = arena;
        final UnsafeBuffer oldSlots = slots;
        final long[] oldIndex = index;
        allocate(capacity * 2);
        slots.putBytes(0, oldSlots, 0, slotHighWater * STRIDE);
        for (final long place : oldIndex)
        {
            if (place != EMPTY_PLACE)
            {
                place(hashOf(place), slotOf(place));
            }
        }
        growths++;
        // Keep the old arena reachable until its bytes are copied.
        java.lang.ref.Reference.reachabilityFence(oldArena);
    }

    /** Whether the slot's entry left the table; the slot holds one. */
    boolean isGone(final int slot)
    {
        return slots.getByte(slot * STRIDE + GONE_OFFSET) != 0;
    }

    /** Sealed tables, shard thread: the entry left the table. */
    void markGone(final int slot)
    {
        slots.putByte(slot * STRIDE + GONE_OFFSET, (byte)1);
    }

    /** Whether the slot holds no entry: it is free, or at or past {@link #slotLimit}. */
    boolean isEmptySlot(final int slot)
    {
        return slot >= slotHighWater || slots.getByte(slot * STRIDE + VALUE_LENGTH_OFFSET) == FREE;
    }

    /** The slot's key length; the slot holds an entry. */
    int keyLength(final int slot)
    {
        return slots.getByte(slot * STRIDE + KEY_LENGTH_OFFSET) & 0xFF;
    }

    /** The slot's value length, or {@link #TOMBSTONE}; the slot holds an entry. */
    int valueLength(final int slot)
    {
        final int base = slot * STRIDE;
        final byte length = slots.getByte(base + VALUE_LENGTH_OFFSET);
        return OUT_OF_LINE != length ? length : slots.getInt(base + HEADER + keyLength(slot));
    }

    /** Whether the last snapshot holds the slot's key with a value: its removal must leave a tombstone. */
    boolean isCarried(final int slot)
    {
        return slots.getByte(slot * STRIDE + CARRIED_OFFSET) != NOT_CARRIED;
    }

    /** Whether the slot holds the value the last snapshot holds for its key ({@link #carryUnchanged}). */
    boolean isCarriedUnchanged(final int slot)
    {
        return slots.getByte(slot * STRIDE + CARRIED_OFFSET) == CARRIED_UNCHANGED;
    }

    /** Point {@code view} at the slot's key (each thread passes its own view). */
    UnsafeBuffer wrapKey(final int slot, final UnsafeBuffer view)
    {
        view.wrap(slots, slot * STRIDE + HEADER, keyLength(slot));
        return view;
    }

    /** Point {@code view} at the slot's value, which is not a tombstone (each thread passes its own view). */
    UnsafeBuffer wrapValue(final int slot, final UnsafeBuffer view)
    {
        if (isOutOfLine(slot))
        {
            view.wrap(blocks, blockOffset(slot), valueLength(slot));
        }
        else
        {
            view.wrap(slots, slot * STRIDE + HEADER + keyLength(slot), valueLength(slot));
        }
        return view;
    }

    void copyValue(final int slot, final MutableDirectBuffer out)
    {
        final int length = valueLength(slot);
        if (isOutOfLine(slot))
        {
            out.putBytes(0, blocks, blockOffset(slot), length);
        }
        else if (length > 0)
        {
            out.putBytes(0, slots, slot * STRIDE + HEADER + keyLength(slot), length);
        }
    }

    /** Whether {@link #clear} has nothing to do. */
    boolean isClear()
    {
        return occupied == 0;
    }

    /** Empty every slot for reuse as a young table (shard thread, after the reader released it). */
    void clear()
    {
        Arrays.fill(index, EMPTY_PLACE);
        slotHighWater = 0;
        freeSlot = NO_SLOT;
        occupied = 0;
        tombstones = 0;
        blockHighWater = 0;
        freeBlockCount = 0;
    }
}
