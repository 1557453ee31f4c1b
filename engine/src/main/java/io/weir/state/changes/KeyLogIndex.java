package io.weir.state.changes;

import org.agrona.BitUtil;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;

/**
 * An insert-only map from byte-string keys to their position in a change interval's {@link KeyLog}, for keys
 * that have no Chronicle entry to carry that position in its value header (inserted or removed in the
 * interval). It allocates nothing in steady state: records {@code [length i32][log index i32][bytes]} are
 * appended to a reused arena and an open-addressing table of record offsets indexes them. {@link #clear()}
 * keeps the capacity for the next interval, so growth is bounded by the keys one interval inserts or removes.
 * <p>
 * Not thread-safe: only the owning shard uses it.
 */
public final class KeyLogIndex
{
    public static final int MISSING = -1;

    private static final int EMPTY = -1;
    private static final int LENGTH_BYTES = 4;
    private static final int HEADER_BYTES = LENGTH_BYTES + 4;

    // Off-heap, like KeyLog's: a heap arena growing while the state warms up would be copied by the collector.
    private final ExpandableDirectByteBuffer arena = new ExpandableDirectByteBuffer(4096);
    private int arenaLength;
    private int[] offsets;
    private int[] hashes;
    private int size;

    public KeyLogIndex()
    {
        offsets = new int[64];
        hashes = new int[64];
        java.util.Arrays.fill(offsets, EMPTY);
    }

    public int size()
    {
        return size;
    }

    /**
     * Map the key to {@code logIndex} unless it is mapped already.
     *
     * @return the log index the key already had, or {@link #MISSING} if it was added now.
     */
    public int putIfAbsent(final DirectBuffer key, final int length, final int logIndex)
    {
        final int hash = hash(key, length);
        final int mask = offsets.length - 1;
        int index = hash & mask;
        int recordOffset;
        while ((recordOffset = offsets[index]) != EMPTY)
        {
            if (hashes[index] == hash && equalsAt(recordOffset, key, length))
            {
                return arena.getInt(recordOffset + LENGTH_BYTES);
            }
            index = (index + 1) & mask;
        }

        final int newOffset = arenaLength;
        arena.putInt(newOffset, length);
        arena.putInt(newOffset + LENGTH_BYTES, logIndex);
        arena.putBytes(newOffset + HEADER_BYTES, key, 0, length);
        arenaLength = newOffset + HEADER_BYTES + length;
        offsets[index] = newOffset;
        hashes[index] = hash;
        if (++size * 2 > offsets.length)
        {
            rehash(offsets.length * 2);
        }
        return MISSING;
    }

    public void clear()
    {
        if (size > 0)
        {
            java.util.Arrays.fill(offsets, EMPTY);
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
        final int capacity = BitUtil.findNextPositivePowerOfTwo(newCapacity);
        final int[] oldOffsets = offsets;
        final int[] oldHashes = hashes;
        offsets = new int[capacity];
        hashes = new int[capacity];
        java.util.Arrays.fill(offsets, EMPTY);
        final int mask = capacity - 1;
        for (int i = 0; i < oldOffsets.length; i++)
        {
            if (oldOffsets[i] != EMPTY)
            {
                int index = oldHashes[i] & mask;
                while (offsets[index] != EMPTY)
                {
                    index = (index + 1) & mask;
                }
                offsets[index] = oldOffsets[i];
                hashes[index] = oldHashes[i];
            }
        }
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
