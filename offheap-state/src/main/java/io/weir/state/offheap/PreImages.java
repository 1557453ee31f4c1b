package io.weir.state.offheap;

import org.agrona.BitUtil;
import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.Arrays;

/**
 * The copy-on-write pre-images of one snapshot, kept so that saving one allocates nothing in steady state.
 * <p>
 * Records {@code [next i64][key length i32][value length i32][log index i32][key][value]} are appended to an
 * arena of reused off-heap {@value #CHUNK_BYTES}-byte chunks (a record never spans two; a larger one gets a
 * chunk of its own). Two indexes find them, each slot holding a record position or {@link #NONE}:
 * <ul>
 * <li>{@link #byLogIndex} (deltas read by look-up): slot {@code i} is the pre-image of the {@code i}-th key of
 * the frozen change log, which the key's stored value header names, so no key is hashed or compared;</li>
 * <li>{@link #bySegment} (full snapshots and deltas read by scan): the head of a list, chained through
 * {@code next}, of the pre-images of one Chronicle segment's keys, which the reader emits right after
 * visiting that segment.</li>
 * </ul>
 * A delta read by scan also marks, in the {@link #markEmitted seen} bitmap, each frozen log position it
 * emitted, so that the keys left unmarked are the tombstones.
 * <p>
 * The reader clears every slot and bit it consumes, so a fully read snapshot hands back clean indexes and the
 * store reuses the whole object for the next snapshot; {@link #clearIndexes()} covers one released unread.
 * Chunks, the log index and the bitmap are off-heap because they grow while the state warms up, and the
 * collector would copy growing heap arrays (pauses of milliseconds at these sizes).
 * <p>
 * Threads: the shard appends and writes a slot only while holding the key's segment write lock; the snapshot
 * thread reads and clears a slot only while holding that segment's read or update lock, or after the segment
 * can no longer receive pre-images (see {@link ChronicleStoreSnapshot}). Chronicle's segment locks are CAS and
 * volatile accesses, so each hand-off orders the record's bytes, the slot and the {@link #chunks} array the
 * writer may have grown before the reader's accesses. A chunk's view is never re-wrapped once published (a
 * bigger chunk gets a new view), so both threads read through the same views. Between snapshots the object belongs to the shard.
 */
final class PreImages
{
    /** No record: positions are (chunk index + 1) in the high word, so no record is at 0. */
    static final long NONE = 0;

    static final int CHUNK_BYTES = 1 << 20;
    private static final int NEXT_OFFSET = 0;
    private static final int KEY_LENGTH_OFFSET = 8;
    private static final int VALUE_LENGTH_OFFSET = 12;
    private static final int LOG_INDEX_OFFSET = 16;
    private static final int RECORD_HEADER_BYTES = 20;

    /** Slot {@code i} at byte {@code i * 8}. */
    private UnsafeBuffer byLogIndex = new UnsafeBuffer(BufferUtil.allocateDirectAligned(8 * 1024, 64));
    /** Bit {@code i} set: log position {@code i} was emitted (snapshot thread only, between prepares). */
    private UnsafeBuffer seen = new UnsafeBuffer(BufferUtil.allocateDirectAligned(1024 / 8, 64));
    long[] bySegment = new long[0];

    private UnsafeBuffer[] chunks = new UnsafeBuffer[8];
    private final UnsafeBuffer source = new UnsafeBuffer(0, 0);
    private int chunkCount;
    private int currentChunk = -1;
    private int currentOffset;

    /** Shard, at the snapshot point: the indexes are clean; make them fit, and start the arena over. */
    void prepare(final int logKeys, final int segments)
    {
        if (logIndexCapacity() < logKeys)
        {
            final int slots = logKeys + (logKeys >> 1);
            byLogIndex = new UnsafeBuffer(BufferUtil.allocateDirectAligned(Math.multiplyExact(slots, 8), 64));
            seen = new UnsafeBuffer(BufferUtil.allocateDirectAligned(BitUtil.align(slots, 64) / 8, 64));
        }
        if (bySegment.length != segments)
        {
            bySegment = new long[segments];
        }
        currentChunk = -1;
        currentOffset = CHUNK_BYTES;
    }

    /** Shard: a snapshot was released before it was read to the end, so some slots may still be set. */
    void clearIndexes()
    {
        byLogIndex.setMemory(0, byLogIndex.capacity(), (byte)0);
        seen.setMemory(0, seen.capacity(), (byte)0);
        Arrays.fill(bySegment, NONE);
    }

    int logIndexCapacity()
    {
        return byLogIndex.capacity() / 8;
    }

    long logSlot(final int logIndex)
    {
        return byLogIndex.getLong(logIndex * 8);
    }

    void logSlot(final int logIndex, final long position)
    {
        byLogIndex.putLong(logIndex * 8, position);
    }

    /** Snapshot thread: the key at frozen log position {@code logIndex} was emitted with a value. */
    void markEmitted(final int logIndex)
    {
        final int at = (logIndex >>> 6) << 3;
        seen.putLong(at, seen.getLong(at) | (1L << logIndex));
    }

    /** Snapshot thread: whether {@code logIndex} was marked emitted; clears the mark for the next snapshot. */
    boolean takeEmitted(final int logIndex)
    {
        final int at = (logIndex >>> 6) << 3;
        final long word = seen.getLong(at);
        final long bit = 1L << logIndex;
        if (0 == (word & bit))
        {
            return false;
        }
        seen.putLong(at, word & ~bit);
        return true;
    }

    /**
     * Shard thread, under the key's segment write lock: append a record.
     *
     * @param logIndex     the key's position in the frozen change log, or any value where unused.
     * @param valueAddress native address of the value bytes (the entry's memory).
     * @return the record's position.
     */
    long append(
        final DirectBuffer key,
        final int keyLength,
        final int logIndex,
        final long valueAddress,
        final int valueLength,
        final long next)
    {
        final int recordLength = RECORD_HEADER_BYTES + keyLength + valueLength;
        if (currentOffset + recordLength > CHUNK_BYTES || currentChunk < 0)
        {
            nextChunk(recordLength);
        }
        final UnsafeBuffer chunk = chunks[currentChunk];
        final int offset = currentOffset;
        chunk.putLong(offset + NEXT_OFFSET, next);
        chunk.putInt(offset + KEY_LENGTH_OFFSET, keyLength);
        chunk.putInt(offset + VALUE_LENGTH_OFFSET, valueLength);
        chunk.putInt(offset + LOG_INDEX_OFFSET, logIndex);
        if (keyLength > 0)
        {
            chunk.putBytes(offset + RECORD_HEADER_BYTES, key, 0, keyLength);
        }
        if (valueLength > 0)
        {
            source.wrap(valueAddress, valueLength);
            chunk.putBytes(offset + RECORD_HEADER_BYTES + keyLength, source, 0, valueLength);
        }
        currentOffset = offset + recordLength;
        return ((long)(currentChunk + 1) << 32) | offset;
    }

    long next(final long position)
    {
        return chunk(position).getLong(offset(position) + NEXT_OFFSET);
    }

    int keyLength(final long position)
    {
        return chunk(position).getInt(offset(position) + KEY_LENGTH_OFFSET);
    }

    int valueLength(final long position)
    {
        return chunk(position).getInt(offset(position) + VALUE_LENGTH_OFFSET);
    }

    int logIndex(final long position)
    {
        return chunk(position).getInt(offset(position) + LOG_INDEX_OFFSET);
    }

    /** Copy the record's key, then its value, to {@code dst} at {@code at}; returns the bytes copied. */
    int copyKeyAndValue(final long position, final MutableDirectBuffer dst, final int at)
    {
        final int length = keyLength(position) + valueLength(position);
        dst.putBytes(at, chunk(position), offset(position) + RECORD_HEADER_BYTES, length);
        return length;
    }

    /** Copy the record's value to {@code dst} at {@code at}; returns its length. */
    int copyValue(final long position, final MutableDirectBuffer dst, final int at)
    {
        final int length = valueLength(position);
        dst.putBytes(at, chunk(position), offset(position) + RECORD_HEADER_BYTES + keyLength(position), length);
        return length;
    }

    private UnsafeBuffer chunk(final long position)
    {
        return chunks[(int)(position >>> 32) - 1];
    }

    private static int offset(final long position)
    {
        return (int)position;
    }

    private void nextChunk(final int recordLength)
    {
        final int index = currentChunk + 1;
        if (index == chunks.length)
        {
            chunks = Arrays.copyOf(chunks, index * 2);
        }
        if (index >= chunkCount || chunks[index].capacity() < recordLength)
        {
            // Reused chunks stay; only a record larger than a chunk replaces one with a bigger array.
            chunks[index] = new UnsafeBuffer(BufferUtil.allocateDirectAligned(
                BitUtil.findNextPositivePowerOfTwo(Math.max(CHUNK_BYTES, recordLength)), 64));
            chunkCount = Math.max(chunkCount, index + 1);
        }
        currentChunk = index;
        currentOffset = 0;
    }
}
