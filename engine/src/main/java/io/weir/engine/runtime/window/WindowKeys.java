package io.weir.engine.runtime.window;

import io.weir.state.spi.SmallCopy;
import org.agrona.DirectBuffer;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * The keys of a shard that hold contents of each live window, in the order their contents were created, so that
 * a window fires by walking its keys: one timer per window and shard instead of one per key and window, whose
 * record, ordering and firing cost more than the walk's few bytes per key. Derived from the window's state and not
 * written to checkpoints: a restore rebuilds it from the restored state.
 * <p>
 * A window's keys are one buffer of entries {@code [key group u16][key length u16][key]}, appended; a fired
 * window's buffer is kept for the next window, so that steady-state firing allocates nothing. Shard thread only.
 */
final class WindowKeys
{
    static final int KEY_GROUP_OFFSET = 0;
    static final int KEY_LENGTH_OFFSET = 2;
    static final int KEY_OFFSET = 4;

    /** One window's keys. */
    static final class KeyList
    {
        /** Over a heap array that {@link #add} grows: its writes check no capacity of their own. */
        final UnsafeBuffer entries = new UnsafeBuffer(new byte[INITIAL_BYTES]);
        /** Bytes of entries in use. */
        int length;
        /** Keys listed. */
        int count;
    }

    private static final int INITIAL_BYTES = 4096;
    /** The largest list: a Java array's bound, less a margin the JVM may keep. */
    private static final int MAX_BYTES = Integer.MAX_VALUE - 16;

    private final Long2ObjectHashMap<KeyList> byWindow = new Long2ObjectHashMap<>();
    private final ArrayDeque<KeyList> spare = new ArrayDeque<>();
    /** The window the last {@link #add} went to, and its list: most elements go to the window the last one did. */
    private long lastWindow;
    private KeyList lastList;

    /**
     * Lists {@code key[offset, offset + keyLength)} of {@code keyGroup} under {@code window}; the caller lists a key
     * once per window, when it creates the key's contents there.
     *
     * @return true if it is the window's first key: the window needs its timer.
     */
    boolean add(final long window, final int keyGroup, final DirectBuffer key, final int offset, final int keyLength)
    {
        KeyList list = lastList;
        boolean first = false;
        if (null == list || lastWindow != window)
        {
            list = byWindow.get(window);
            if (null == list)
            {
                list = spare.isEmpty() ? new KeyList() : spare.pop();
                byWindow.put(window, list);
                first = true;
            }
            lastWindow = window;
            lastList = list;
        }
        final UnsafeBuffer entries = list.entries;
        final int at = list.length;
        final long end = (long)at + KEY_OFFSET + keyLength;
        if (end > entries.capacity())
        {
            grow(entries, end, window);
        }
        entries.putShort(at + KEY_GROUP_OFFSET, (short)keyGroup);
        entries.putShort(at + KEY_LENGTH_OFFSET, (short)keyLength);
        SmallCopy.copy(entries, at + KEY_OFFSET, key, offset, keyLength);
        list.length = (int)end;
        list.count++;
        return first;
    }

    private static void grow(final UnsafeBuffer entries, final long needed, final long window)
    {
        final long grown = Math.max(needed, 2L * entries.capacity());
        if (needed > MAX_BYTES)
        {
            throw new IllegalStateException("window " + window + " lists more keys on one shard than " + MAX_BYTES +
                " bytes hold: use smaller windows, or more shards");
        }
        entries.wrap(Arrays.copyOf(entries.byteArray(), (int)Math.min(grown, MAX_BYTES)));
    }

    /** Whether the window has a list: its contents are in the store. */
    boolean has(final long window)
    {
        return (null != lastList && lastWindow == window) || byWindow.containsKey(window);
    }

    /** Takes the window's list out, null if it has none; hand it back with {@link #recycle} once walked. */
    KeyList remove(final long window)
    {
        final KeyList list = byWindow.remove(window);
        if (list == lastList)
        {
            lastList = null;
        }
        return list;
    }

    void recycle(final KeyList list)
    {
        list.length = 0;
        list.count = 0;
        spare.push(list);
    }

    /** Receives a window and its first key. */
    @FunctionalInterface
    interface FirstKeyVisitor
    {
        void onFirstKey(long window, int keyGroup, DirectBuffer entries, int keyOffset, int keyLength);
    }

    /** Visits each listed window's first key, in no particular order of windows. */
    void forEachFirstKey(final FirstKeyVisitor visitor)
    {
        for (final Long2ObjectHashMap<KeyList>.EntryIterator it = byWindow.entrySet().iterator(); it.hasNext(); )
        {
            it.next();
            final KeyList list = it.getValue();
            visitor.onFirstKey(it.getLongKey(), list.entries.getShort(KEY_GROUP_OFFSET) & 0xFFFF, list.entries,
                KEY_OFFSET, list.entries.getShort(KEY_LENGTH_OFFSET) & 0xFFFF);
        }
    }

    /** Windows listed (tests). */
    int windows()
    {
        return byWindow.size();
    }
}
