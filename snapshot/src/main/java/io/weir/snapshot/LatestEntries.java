package io.weir.snapshot;

import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The latest entry of each key of one key group while a chain is read oldest file first, in write order: an
 * open-addressing map whose records (key length, key, value length or -1 for a tombstone, value) are appended to
 * one growing buffer, cleared and reused for every key group, so a large chain is resolved without an allocation
 * per entry. Single thread.
 */
final class LatestEntries
{
    private static final int INITIAL_SLOTS = 1024;
    private static final int TOMBSTONE = -1;

    private final ExpandableArrayBuffer records = new ExpandableArrayBuffer(64 * 1024);
    private final UnsafeBuffer keyView = new UnsafeBuffer(new byte[0]);
    private final UnsafeBuffer valueView = new UnsafeBuffer(new byte[0]);
    private int used;
    /** Per slot, 1 + the offset in {@link #records} of the key's latest record; 0 when empty. */
    private int[] slots = new int[INITIAL_SLOTS];
    private int[] hashes = new int[INITIAL_SLOTS];
    private int size;
    /**
     * {@link #forEachLiveSorted}: the live records' offsets and their keys' first sixteen bytes, sorted together,
     * and the merge sort's other halves.
     */
    private int[] order = new int[0];
    private int[] orderScratch = new int[0];
    private long[] high = new long[0];
    private long[] highScratch = new long[0];
    private long[] low = new long[0];
    private long[] lowScratch = new long[0];

    void clear()
    {
        if (size > 0)
        {
            Arrays.fill(slots, 0);
            size = 0;
        }
        used = 0;
    }

    /** Records the key's value, or with {@code valueLength} -1 its removal, replacing what it had. */
    void put(final DirectBuffer key, final int keyOffset, final int keyLength,
        final DirectBuffer value, final int valueOffset, final int valueLength)
    {
        final int record = used;
        records.putInt(record, keyLength);
        records.putBytes(record + Integer.BYTES, key, keyOffset, keyLength);
        final int valueAt = record + Integer.BYTES + keyLength;
        records.putInt(valueAt, valueLength);
        if (valueLength > 0)
        {
            records.putBytes(valueAt + Integer.BYTES, value, valueOffset, valueLength);
        }
        used = valueAt + Integer.BYTES + Math.max(valueLength, 0);

        final int hash = hash(key, keyOffset, keyLength);
        final int mask = slots.length - 1;
        int slot = hash & mask;
        while (slots[slot] != 0)
        {
            if (hashes[slot] == hash && sameKey(slots[slot] - 1, key, keyOffset, keyLength))
            {
                slots[slot] = record + 1;
                return;
            }
            slot = (slot + 1) & mask;
        }
        slots[slot] = record + 1;
        hashes[slot] = hash;
        if (++size * 2 > slots.length)
        {
            grow();
        }
    }

    void put(final DirectBuffer key, final int keyOffset, final int keyLength)
    {
        put(key, keyOffset, keyLength, null, 0, TOMBSTONE);
    }

    /** Delivers the live entries, in no particular order. @return how many. */
    long forEachLive(final int keyGroup, final ResolvedEntryHandler handler)
    {
        long count = 0;
        for (final int slot : slots)
        {
            if (slot == 0)
            {
                continue;
            }
            final int record = slot - 1;
            if (isLive(record))
            {
                deliver(record, keyGroup, handler);
                count++;
            }
        }
        return count;
    }

    /**
     * Delivers the live entries in the order of their keys, compared as unsigned bytes (a key that is a prefix of
     * another first): {@link java.util.Arrays#compareUnsigned}'s order, which a sorted store (LMDB) keeps. A merge sort
     * over each record's first sixteen key bytes, held in two longs beside its offset, so that the sort reads arrays
     * in order rather than the records wherever they lie; ties go on to the rest of the keys. Reuses its arrays: no
     * allocation per entry. @return how many.
     */
    long forEachLiveSorted(final int keyGroup, final ResolvedEntryHandler handler)
    {
        if (order.length < size)
        {
            final int capacity = Math.max(size, order.length * 2);
            order = new int[capacity];
            orderScratch = new int[capacity];
            high = new long[capacity];
            highScratch = new long[capacity];
            low = new long[capacity];
            lowScratch = new long[capacity];
        }
        int live = 0;
        for (final int slot : slots)
        {
            if (slot != 0)
            {
                final int record = slot - 1;
                if (isLive(record))
                {
                    order[live] = record;
                    high[live] = keyBytesAt(record, 0);
                    low[live] = keyBytesAt(record, Long.BYTES);
                    live++;
                }
            }
        }
        sort(live);
        for (int i = 0; i < live; i++)
        {
            deliver(order[i], keyGroup, handler);
        }
        return live;
    }

    /** Whether a record holds a value, not a tombstone. */
    private boolean isLive(final int record)
    {
        return records.getInt(record + Integer.BYTES + records.getInt(record)) != TOMBSTONE;
    }

    /** Hands a live record's key and value to {@code handler}, through the reused views. */
    private void deliver(final int record, final int keyGroup, final ResolvedEntryHandler handler)
    {
        final int keyLength = records.getInt(record);
        final int valueAt = record + Integer.BYTES + keyLength;
        final int valueLength = records.getInt(valueAt);
        keyView.wrap(records, record + Integer.BYTES, keyLength);
        valueView.wrap(records, valueAt + Integer.BYTES, valueLength);
        handler.onEntry(keyGroup, keyView, 0, keyLength, valueView, 0, valueLength);
    }

    /** Eight key bytes of a record from {@code at}, big-endian, zero-filled past the key's end. */
    private long keyBytesAt(final int record, final int at)
    {
        final int keyLength = records.getInt(record);
        final int start = record + Integer.BYTES + at;
        if (keyLength - at >= Long.BYTES)
        {
            return records.getLong(start, ByteOrder.BIG_ENDIAN);
        }
        long bytes = 0;
        for (int i = 0; i < Long.BYTES; i++)
        {
            bytes = bytes << 8 | (at + i < keyLength ? records.getByte(start + i) & 0xFF : 0);
        }
        return bytes;
    }

    /** Sorts {@code [0, count)} of {@link #order}, {@link #high} and {@link #low} by key: bottom-up, stable. */
    private void sort(final int count)
    {
        int[] fromOrder = order;
        long[] fromHigh = high;
        long[] fromLow = low;
        int[] toOrder = orderScratch;
        long[] toHigh = highScratch;
        long[] toLow = lowScratch;
        for (int width = 1; width < count; width *= 2)
        {
            for (int start = 0; start < count; start += 2 * width)
            {
                final int middle = Math.min(start + width, count);
                final int end = Math.min(start + 2 * width, count);
                int left = start;
                int right = middle;
                int out = start;
                while (left < middle && right < end)
                {
                    final int c = compare(fromHigh[right], fromLow[right], fromOrder[right],
                        fromHigh[left], fromLow[left], fromOrder[left]);
                    final int take = c < 0 ? right++ : left++;
                    toOrder[out] = fromOrder[take];
                    toHigh[out] = fromHigh[take];
                    toLow[out] = fromLow[take];
                    out++;
                }
                final int rest = left < middle ? left : right;
                final int restEnd = left < middle ? middle : end;
                System.arraycopy(fromOrder, rest, toOrder, out, restEnd - rest);
                System.arraycopy(fromHigh, rest, toHigh, out, restEnd - rest);
                System.arraycopy(fromLow, rest, toLow, out, restEnd - rest);
            }
            final int[] swapOrder = fromOrder;
            fromOrder = toOrder;
            toOrder = swapOrder;
            final long[] swapHigh = fromHigh;
            fromHigh = toHigh;
            toHigh = swapHigh;
            final long[] swapLow = fromLow;
            fromLow = toLow;
            toLow = swapLow;
        }
        if (fromOrder != order)
        {
            System.arraycopy(fromOrder, 0, order, 0, count);
        }
    }

    private int compare(final long highA, final long lowA, final int a, final long highB, final long lowB, final int b)
    {
        if (highA != highB)
        {
            return Long.compareUnsigned(highA, highB);
        }
        if (lowA != lowB)
        {
            return Long.compareUnsigned(lowA, lowB);
        }
        return compareKeysFrom(a, b, 2 * Long.BYTES);
    }

    /** Compares the keys of two records as unsigned bytes from {@code from} on (equal before it), then by length. */
    private int compareKeysFrom(final int a, final int b, final int from)
    {
        final int lengthA = records.getInt(a);
        final int lengthB = records.getInt(b);
        final int common = Math.min(lengthA, lengthB);
        final int startA = a + Integer.BYTES;
        final int startB = b + Integer.BYTES;
        for (int i = from; i < common; i++)
        {
            final int x = records.getByte(startA + i) & 0xFF;
            final int y = records.getByte(startB + i) & 0xFF;
            if (x != y)
            {
                return x - y;
            }
        }
        return lengthA - lengthB;
    }

    private boolean sameKey(final int record, final DirectBuffer key, final int offset, final int length)
    {
        if (records.getInt(record) != length)
        {
            return false;
        }
        final int start = record + Integer.BYTES;
        for (int i = 0; i < length; i++)
        {
            if (records.getByte(start + i) != key.getByte(offset + i))
            {
                return false;
            }
        }
        return true;
    }

    private void grow()
    {
        final int[] oldSlots = slots;
        final int[] oldHashes = hashes;
        slots = new int[oldSlots.length * 2];
        hashes = new int[oldSlots.length * 2];
        final int mask = slots.length - 1;
        for (int i = 0; i < oldSlots.length; i++)
        {
            if (oldSlots[i] != 0)
            {
                int slot = oldHashes[i] & mask;
                while (slots[slot] != 0)
                {
                    slot = (slot + 1) & mask;
                }
                slots[slot] = oldSlots[i];
                hashes[slot] = oldHashes[i];
            }
        }
    }

    private static int hash(final DirectBuffer key, final int offset, final int length)
    {
        int hash = length;
        for (int i = 0; i < length; i++)
        {
            hash = 31 * hash + key.getByte(offset + i);
        }
        return (hash ^ (hash >>> 16)) * 0x9E3779B1;
    }
}
