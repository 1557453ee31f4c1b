package io.weir.engine.state;

import io.weir.state.changes.KeyLogIndex;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * A flyweight over the value of a packed map entry, a whole small map in one entry (see
 * {@link StateLayoutDescriptor}):
 * <pre>
 *   [maxTs i64]? [count i32] element*
 *   element: [ts i64]? [keyLength i32][user key bytes][valueLength i32][value bytes]
 * </pre>
 * {@code maxTs} and each element's {@code ts} are present exactly when the state has TTL on; {@code maxTs} is the
 * newest element's, so a TTL-filtered snapshot drops the entry only once every element has expired. Elements are in
 * slot order: the order a map spilled into the slot directory would keep.
 * <p>
 * Writers build a new value with {@link #beginValue}, {@link #appendElement}/{@link #appendNewElement} and
 * {@link #finishValue}, or copy the wrapped one with {@link #copyWithout}. Public for the snapshot tool, which reads
 * packed maps with {@link #wrap} and the element accessors. Not thread safe: each is used by one thread only, a state view's by the shard thread and a
 * snapshot filter's scratch ({@link TtlSnapshotFilter.LiveElements}) by the thread writing the snapshot.
 */
public final class PackedMapEntry
{
    /** A map holding more elements than this is kept in the slot directory instead. */
    static final int MAX_ELEMENTS = 16;
    /** A map whose packed value would exceed this many bytes is kept in the slot directory instead. */
    static final int MAX_BYTES = 1024;

    private static final ByteOrder ORDER = ByteOrder.BIG_ENDIAN;
    private static final int COUNT_LENGTH = Integer.BYTES;
    private static final int LENGTH_LENGTH = Integer.BYTES;

    private final boolean ttl;
    private final int timestampLength;
    private final int headerLength;
    private DirectBuffer buffer;
    private int count;
    /** Element start offsets; {@code offsets[count]} is the end of the value. */
    private int[] offsets = new int[MAX_ELEMENTS + 1];

    /** @param ttl whether the state has TTL on, so that the value and its elements carry timestamps. */
    public PackedMapEntry(final boolean ttl)
    {
        this.ttl = ttl;
        this.timestampLength = ttl ? StateLayoutDescriptor.TTL_TIMESTAMP_LENGTH : 0;
        this.headerLength = timestampLength + COUNT_LENGTH;
    }

    /**
     * Wrap a stored value and index its elements.
     *
     * @return false when the bytes do not fit the layout (the caller reports the entry as corrupt).
     */
    public boolean wrap(final DirectBuffer buffer, final int length)
    {
        this.buffer = buffer;
        this.count = 0;
        if (length < headerLength)
        {
            return false;
        }
        final int elements = buffer.getInt(timestampLength, ORDER);
        final int minElementLength = timestampLength + 2 * LENGTH_LENGTH;
        if (elements < 0 || elements > (length - headerLength) / minElementLength)
        {
            return false;
        }
        if (offsets.length <= elements)
        {
            offsets = new int[elements + 1];
        }
        int position = headerLength;
        for (int i = 0; i < elements; i++)
        {
            offsets[i] = position;
            position += timestampLength;
            position = skipField(buffer, position, length);
            if (position < 0)
            {
                return false;
            }
            position = skipField(buffer, position, length);
            if (position < 0)
            {
                return false;
            }
        }
        offsets[elements] = position;
        count = elements;
        return position == length;
    }

    /** @return the offset after a {@code [length i32][bytes]} field at {@code position}, or -1 if it overruns. */
    private static int skipField(final DirectBuffer buffer, final int position, final int length)
    {
        if (length - position < LENGTH_LENGTH)
        {
            return -1;
        }
        final int fieldLength = buffer.getInt(position, ORDER);
        if (fieldLength < 0 || fieldLength > length - position - LENGTH_LENGTH)
        {
            return -1;
        }
        return position + LENGTH_LENGTH + fieldLength;
    }

    /** Index no elements: the start of a map that has no packed entry yet. */
    void reset()
    {
        count = 0;
        offsets[0] = headerLength;
    }

    public int count()
    {
        return count;
    }

    /** The element's last-access time; TTL'd states only. */
    public long timestamp(final int index)
    {
        return buffer.getLong(offsets[index], ORDER);
    }

    /** Overwrite the element's last-access time and raise the entry's {@code maxTs} to it; TTL'd states only. */
    void restamp(final MutableDirectBuffer wrapped, final int index, final long timestampMs)
    {
        wrapped.putLong(offsets[index], timestampMs, ORDER);
        if (timestampMs > wrapped.getLong(0, ORDER))
        {
            wrapped.putLong(0, timestampMs, ORDER);
        }
    }

    public int keyOffset(final int index)
    {
        return offsets[index] + timestampLength + LENGTH_LENGTH;
    }

    public int keyLength(final int index)
    {
        return buffer.getInt(offsets[index] + timestampLength, ORDER);
    }

    public int valueOffset(final int index)
    {
        return keyOffset(index) + keyLength(index) + LENGTH_LENGTH;
    }

    public int valueLength(final int index)
    {
        return buffer.getInt(keyOffset(index) + keyLength(index), ORDER);
    }

    /** The length of the wrapped value. */
    int length()
    {
        return offsets[count];
    }

    /** @return the index of the element whose user key is {@code key[offset, offset + length)}, or -1. */
    int indexOf(final DirectBuffer key, final int offset, final int length)
    {
        for (int i = 0; i < count; i++)
        {
            if (keyLength(i) == length && KeyLogIndex.sameBytes(buffer, keyOffset(i), key, offset, length))
            {
                return i;
            }
        }
        return -1;
    }

    /**
     * Write the wrapped elements to {@code out} as a value of their own: without element {@code removed} (-1: none),
     * whose place the last element takes (as the slot directory's swap-remove), and, when {@code ttlMs > 0},
     * without those expired at {@code nowMs}; the newest stamp is taken from the elements kept.
     *
     * @return the value's length; {@link #countOf} gives how many elements it kept.
     */
    int copyWithout(final MutableDirectBuffer out, final int removed, final long ttlMs, final long nowMs)
    {
        int position = headerLength;
        int elements = 0;
        long maxTimestampMs = Long.MIN_VALUE;
        for (int i = 0; i < count; i++)
        {
            if (removed >= 0 && i == count - 1)
            {
                break;  // moved into the removed element's place, or the removed element itself
            }
            final int source = i == removed ? count - 1 : i;
            if (ttl)
            {
                final long lastAccessMs = timestamp(source);
                if (ttlMs > 0 && TtlPolicy.isExpired(lastAccessMs, ttlMs, nowMs))
                {
                    continue;
                }
                maxTimestampMs = Math.max(maxTimestampMs, lastAccessMs);
            }
            position = appendElement(out, position, source);
            elements++;
        }
        return finishValue(out, position, elements, maxTimestampMs);
    }

    /** The element count of a value this class wrote. */
    int countOf(final DirectBuffer value)
    {
        return value.getInt(timestampLength, ORDER);
    }

    /** @return the offset of the first element of a value being built. */
    int beginValue()
    {
        return headerLength;
    }

    /** Copy the wrapped element {@code index} to {@code out} at {@code position}; returns the offset after it. */
    int appendElement(final MutableDirectBuffer out, final int position, final int index)
    {
        final int length = offsets[index + 1] - offsets[index];
        out.putBytes(position, buffer, offsets[index], length);
        return position + length;
    }

    /**
     * Write an element's timestamp (TTL'd states) and key at {@code position} of {@code out}, leaving room for the
     * value's length.
     *
     * @return the offset at which the caller encodes the value, then calls {@link #endNewElement}.
     */
    int appendNewElement(
        final MutableDirectBuffer out,
        final int position,
        final long timestampMs,
        final DirectBuffer key,
        final int keyOffset,
        final int keyLength)
    {
        int at = position;
        if (ttl)
        {
            out.putLong(at, timestampMs, ORDER);
            at += timestampLength;
        }
        out.putInt(at, keyLength, ORDER);
        out.putBytes(at + LENGTH_LENGTH, key, keyOffset, keyLength);
        return at + LENGTH_LENGTH + keyLength + LENGTH_LENGTH;
    }

    /** Record the length of the value encoded at {@code valueOffset}; returns the offset after it. */
    static int endNewElement(final MutableDirectBuffer out, final int valueOffset, final int valueLength)
    {
        out.putInt(valueOffset - LENGTH_LENGTH, valueLength, ORDER);
        return valueOffset + valueLength;
    }

    /** Write the header of a value built in {@code out} up to {@code end}; returns its length. */
    int finishValue(final MutableDirectBuffer out, final int end, final int elements, final long maxTimestampMs)
    {
        if (ttl)
        {
            out.putLong(0, maxTimestampMs, ORDER);
        }
        out.putInt(timestampLength, elements, ORDER);
        return end;
    }
}
