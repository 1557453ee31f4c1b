package io.weir.snapshot;

import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;

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
            final int keyLength = records.getInt(record);
            final int valueAt = record + Integer.BYTES + keyLength;
            final int valueLength = records.getInt(valueAt);
            if (valueLength == TOMBSTONE)
            {
                continue;
            }
            keyView.wrap(records, record + Integer.BYTES, keyLength);
            valueView.wrap(records, valueAt + Integer.BYTES, valueLength);
            handler.onEntry(keyGroup, keyView, 0, keyLength, valueView, 0, valueLength);
            count++;
        }
        return count;
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
