package io.weir.engine.runtime.window;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WindowKeysTest
{
    private final UnsafeBuffer key = new UnsafeBuffer(new byte[64]);

    @Test
    void shouldListEachWindowsKeysInOrderAndReportEachWindowsFirstKey()
    {
        final WindowKeys keys = new WindowKeys();
        final Map<Long, List<String>> expected = new HashMap<>();
        // Keys of 1 to 40 bytes, alternating between three windows (so the last window's list is often not the
        // one an add goes to), enough of them to grow the lists past their first array several times.
        for (int i = 0; i < 3_000; i++)
        {
            final long window = (i % 3) * 10_000L - 10_000L;
            final int length = 1 + i % 40;
            for (int b = 0; b < length; b++)
            {
                key.putByte(b, (byte)(i + b));
            }
            final boolean first = keys.add(window, i % 128, key, 0, length);
            assertEquals(!expected.containsKey(window), first, "first key of window " + window);
            expected.computeIfAbsent(window, w -> new ArrayList<>()).add(describe(i % 128, key, 0, length));
        }
        assertEquals(3, keys.windows());
        final Map<Long, String> firstKeys = new HashMap<>();
        keys.forEachFirstKey((window, keyGroup, entries, offset, keyLength) ->
            firstKeys.put(window, describe(keyGroup, entries, offset, keyLength)));
        assertEquals(3, firstKeys.size());
        for (final Map.Entry<Long, List<String>> window : expected.entrySet())
        {
            assertEquals(window.getValue().get(0), firstKeys.get(window.getKey()));
            final WindowKeys.KeyList list = keys.remove(window.getKey());
            assertEquals(window.getValue(), listed(list), "window " + window.getKey());
            keys.recycle(list);
        }
        assertEquals(0, keys.windows());
        assertNull(keys.remove(0));
    }

    @Test
    void shouldReuseAFiredWindowsListEmptyForTheNextWindow()
    {
        final WindowKeys keys = new WindowKeys();
        key.putLong(0, 42);
        assertTrue(keys.add(100, 1, key, 0, 8));
        assertFalse(keys.add(100, 2, key, 0, 8));
        final WindowKeys.KeyList fired = keys.remove(100);
        assertEquals(2, fired.count);
        keys.recycle(fired);
        // The window the last add went to was removed: a new add to it starts a new list.
        assertTrue(keys.add(100, 3, key, 0, 8), "a fired window's key listed again is its first");
        final WindowKeys.KeyList again = keys.remove(100);
        assertSame(fired, again, "the recycled list");
        assertEquals(List.of(describe(3, key, 0, 8)), listed(again));
    }

    private static List<String> listed(final WindowKeys.KeyList list)
    {
        final List<String> keys = new ArrayList<>();
        int position = 0;
        for (int i = 0; i < list.count; i++)
        {
            final int keyLength = list.entries.getShort(position + WindowKeys.KEY_LENGTH_OFFSET) & 0xFFFF;
            keys.add(describe(list.entries.getShort(position + WindowKeys.KEY_GROUP_OFFSET) & 0xFFFF, list.entries,
                position + WindowKeys.KEY_OFFSET, keyLength));
            position += WindowKeys.KEY_OFFSET + keyLength;
        }
        assertEquals(list.length, position, "entries end where the list says");
        return keys;
    }

    private static String describe(
        final int keyGroup, final org.agrona.DirectBuffer buffer, final int offset, final int length)
    {
        final StringBuilder text = new StringBuilder().append(keyGroup).append(':');
        for (int i = 0; i < length; i++)
        {
            text.append(buffer.getByte(offset + i)).append(' ');
        }
        return text.toString();
    }
}
