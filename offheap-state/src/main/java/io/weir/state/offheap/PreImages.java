package io.weir.state.offheap;

import io.weir.state.changes.ReusedChunks;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.Arrays;

/**
 * The copy-on-write pre-images of one full snapshot, kept so that saving one allocates nothing in steady state.
 * <p>
 * Records {@code [next i64][key length i32][value length i32][key][value]} are appended to an arena of reused
 * off-heap {@value #CHUNK_BYTES}-byte chunks (a record never spans two; a larger one gets a chunk of its own).
 * {@link #bySegment} finds them: the head of a list, chained through {@code next}, of the pre-images of one
 * Chronicle segment's keys, which the reader emits right after visiting that segment ({@link #NONE} if empty).
 * <p>
 * The reader clears every list it consumes, so a fully read snapshot hands back a clean index and the store
 * reuses the whole object for the next snapshot; {@link #clearIndex()} covers one released unread. Chunks are
 * off-heap because they grow while the state warms up, and the collector would copy growing heap arrays (pauses
 * of milliseconds at these sizes).
 * <p>
 * Threads: the shard appends and writes a list head only while holding the key's segment write lock; the
 * snapshot thread reads and clears a list only after the segment can no longer receive pre-images (see
 * {@link ChronicleStoreSnapshot}). Chronicle's segment locks are CAS and volatile accesses, so each hand-off
 * orders the record's bytes, the head and the {@link #chunks} the writer may have added before the reader's
 * accesses (see {@link ReusedChunks}). Between snapshots the object belongs to the shard.
 */
final class PreImages
{
    /** No record: positions are (chunk index + 1) in the high word, so no record is at 0. */
    static final long NONE = 0;

    static final int CHUNK_BYTES = 1 << 20;
    private static final int NEXT_OFFSET = 0;
    private static final int KEY_LENGTH_OFFSET = 8;
    private static final int VALUE_LENGTH_OFFSET = 12;
    private static final int RECORD_HEADER_BYTES = 16;

    long[] bySegment = new long[0];

    private final ReusedChunks chunks = new ReusedChunks(CHUNK_BYTES);
    private final UnsafeBuffer source = new UnsafeBuffer(0, 0);
    private int currentChunk = -1;
    private int currentOffset;

    /** Shard, at the snapshot point: the index is clean; make it fit, and start the arena over. */
    void prepare(final int segments)
    {
        if (bySegment.length != segments)
        {
            bySegment = new long[segments];
        }
        currentChunk = -1;
        currentOffset = CHUNK_BYTES;
    }

    /** Shard: a snapshot was released before it was read to the end, so some lists may still be set. */
    void clearIndex()
    {
        Arrays.fill(bySegment, NONE);
    }

    /**
     * Shard thread, under the key's segment write lock: append a record.
     *
     * @param valueAddress native address of the value bytes (the entry's memory).
     * @return the record's position.
     */
    long append(
        final DirectBuffer key,
        final int keyLength,
        final long valueAddress,
        final int valueLength,
        final long next)
    {
        final int recordLength = RECORD_HEADER_BYTES + keyLength + valueLength;
        if (currentOffset + recordLength > CHUNK_BYTES || currentChunk < 0)
        {
            nextChunk(recordLength);
        }
        final UnsafeBuffer chunk = chunks.get(currentChunk);
        final int offset = currentOffset;
        chunk.putLong(offset + NEXT_OFFSET, next);
        chunk.putInt(offset + KEY_LENGTH_OFFSET, keyLength);
        chunk.putInt(offset + VALUE_LENGTH_OFFSET, valueLength);
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

    /** Copy the record's key, then its value, to {@code dst} at {@code at}; returns the bytes copied. */
    int copyKeyAndValue(final long position, final MutableDirectBuffer dst, final int at)
    {
        final int length = keyLength(position) + valueLength(position);
        dst.putBytes(at, chunk(position), offset(position) + RECORD_HEADER_BYTES, length);
        return length;
    }

    private UnsafeBuffer chunk(final long position)
    {
        return chunks.get((int)(position >>> 32) - 1);
    }

    private static int offset(final long position)
    {
        return (int)position;
    }

    private void nextChunk(final int recordLength)
    {
        final int index = currentChunk + 1;
        chunks.prepare(index, recordLength);
        currentChunk = index;
        currentOffset = 0;
    }
}
