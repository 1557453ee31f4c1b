package io.weir.state.spi;

import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * An {@link EntryScan} for any store: a pass starts by copying every key (one {@link KeyedStateStore#forEach}),
 * then each step reads the next keys' current values with {@link KeyedStateStore#get} into a buffer that grows
 * to the largest value. Keys removed since the
 * copy are skipped, keys added since are left to the next pass. Memory: the keys of the store, held per pass in
 * reused buffers. Shard thread only.
 */
public final class KeySnapshotEntryScan implements EntryScan, EntryVisitor
{
    private final KeyedStateStore store;
    private final ExpandableDirectByteBuffer keys = new ExpandableDirectByteBuffer(4096);
    private final ExpandableDirectByteBuffer value = new ExpandableDirectByteBuffer(256);
    private final UnsafeBuffer keyView = new UnsafeBuffer(0, 0);
    private int[] offsets = new int[256];
    private int[] lengths = new int[256];
    private int count;
    private int next;
    private int keyBytes;
    private boolean inPass;

    public KeySnapshotEntryScan(final KeyedStateStore store)
    {
        this.store = store;
    }

    public boolean step(final int minEntries, final EntryVisitor visitor)
    {
        if (!inPass)
        {
            count = 0;
            next = 0;
            keyBytes = 0;
            store.forEach(this);
            inPass = true;
        }
        for (int visited = 0; visited < minEntries && next < count; next++)
        {
            keyView.wrap(keys, offsets[next], lengths[next]);
            final int valueLength = store.get(keyView, lengths[next], value);
            if (valueLength != KeyedStateStore.MISSING)
            {
                visitor.onEntry(keyView, lengths[next], value, valueLength);
                visited++;
            }
        }
        if (next == count)
        {
            inPass = false;
            return false;
        }
        return true;
    }

    public void onEntry(final DirectBuffer key, final int keyLength, final DirectBuffer entryValue,
        final int valueLength)
    {
        if (count == offsets.length)
        {
            offsets = java.util.Arrays.copyOf(offsets, count * 2);
            lengths = java.util.Arrays.copyOf(lengths, count * 2);
        }
        keys.putBytes(keyBytes, key, 0, keyLength);
        offsets[count] = keyBytes;
        lengths[count] = keyLength;
        keyBytes += keyLength;
        count++;
    }
}
