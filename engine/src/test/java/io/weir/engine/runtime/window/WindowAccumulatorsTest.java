package io.weir.engine.runtime.window;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WindowAccumulatorsTest
{
    private final UnsafeBuffer key = new UnsafeBuffer(new byte[16]);

    /** A key as Weir's long codec writes one: big-endian, so keys that differ only in their last bytes. */
    private int longKey(final long value)
    {
        key.putLong(0, value, ByteOrder.BIG_ENDIAN);
        return Long.BYTES;
    }

    @Test
    void findsEveryKeyItInsertedAndKeepsTheirOrderAndAccumulators()
    {
        final WindowAccumulators accumulators = new WindowAccumulators(100_000, 0);
        final WindowAccumulators.Table table = accumulators.create(10_000);
        final int keys = 5_000;
        for (long k = 0; k < keys; k++)
        {
            final int length = longKey(k * 7);
            final int hash = WindowAccumulators.hash(key, 0, length);
            assertEquals(-1, WindowAccumulators.find(table, key, 0, length, hash));
            final int entry = accumulators.insert(table, (int)(k % 128), key, 0, length, hash, Long.BYTES);
            assertEquals(k, entry);
            table.data.putLong(table.accumulatorOffset(entry), k * 100);
            table.accumulatorLength(entry, Long.BYTES);
        }
        for (long k = 0; k < keys; k++)
        {
            final int length = longKey(k * 7);
            final int entry = WindowAccumulators.find(table, key, 0, length, WindowAccumulators.hash(key, 0, length));
            assertEquals(k, entry, "key " + k * 7);
            assertEquals(k % 128, table.keyGroup(entry));
            assertEquals(k * 100, table.data.getLong(table.accumulatorOffset(entry)));
            assertEquals(k * 7, table.data.getLong(table.position(entry) + WindowAccumulators.KEY_OFFSET,
                ByteOrder.BIG_ENDIAN));
        }
        final int absent = longKey(3);
        assertEquals(-1, WindowAccumulators.find(table, key, 0, absent, WindowAccumulators.hash(key, 0, absent)));
    }

    @Test
    void spreadsKeysThatDifferOnlyInTheirLastBytesOverTheLowBitsOfTheHash()
    {
        final Set<Integer> lowBits = new HashSet<>();
        for (long k = 0; k < 4096; k++)
        {
            lowBits.add(WindowAccumulators.hash(key, 0, longKey(k)) & 1023);
        }
        assertTrue(lowBits.size() > 900, "distinct values of the low 10 bits over 4,096 keys: " + lowBits.size());
    }

    @Test
    void movesAnAccumulatorThatOutgrowsItsRoomAndKeepsItsPlaceInTheOrder()
    {
        final WindowAccumulators accumulators = new WindowAccumulators(10, 0);
        final WindowAccumulators.Table table = accumulators.create(0);
        for (long k = 0; k < 3; k++)
        {
            final int length = longKey(k);
            accumulators.insert(table, 1, key, 0, length, WindowAccumulators.hash(key, 0, length), 2);
            table.data.putShort(table.accumulatorOffset((int)k), (short)k);
            table.accumulatorLength((int)k, 2);
        }
        assertTrue(table.hasRoom(1, 2));
        assertFalse(table.hasRoom(1, 3));
        // Twice its room at least, so that an accumulator that grows a byte at a time moves a few times.
        WindowAccumulators.relocate(table, 1, 3);
        assertTrue(table.hasRoom(1, 4));
        assertFalse(table.hasRoom(1, 5));
        WindowAccumulators.relocate(table, 1, 5);
        assertTrue(table.hasRoom(1, 8));
        assertFalse(table.hasRoom(1, 9));
        WindowAccumulators.relocate(table, 1, 200);
        assertTrue(table.hasRoom(1, 200));
        assertFalse(table.hasRoom(1, 201));
        WindowAccumulators.relocate(table, 1, 201);
        assertTrue(table.hasRoom(1, WindowAccumulators.MAX_ACCUMULATOR_BYTES), "twice 200, at most the bound");
        assertFalse(table.hasRoom(1, WindowAccumulators.MAX_ACCUMULATOR_BYTES + 1));
        table.data.putLong(table.accumulatorOffset(1), 42);
        table.accumulatorLength(1, Long.BYTES);
        final int length = longKey(1);
        assertEquals(1, WindowAccumulators.find(table, key, 0, length, WindowAccumulators.hash(key, 0, length)));
        assertEquals(1, table.data.getLong(table.position(1) + WindowAccumulators.KEY_OFFSET, ByteOrder.BIG_ENDIAN));
        assertEquals(42, table.data.getLong(table.accumulatorOffset(1)));
        assertEquals(0, table.data.getShort(table.accumulatorOffset(0)));
        assertEquals(2, table.data.getShort(table.accumulatorOffset(2)));
        assertEquals(3, table.count);
    }

    @Test
    void holdsAtMostItsBoundTogetherAndReusesAFiredTable()
    {
        final WindowAccumulators accumulators = new WindowAccumulators(3, 0);
        final WindowAccumulators.Table first = accumulators.create(100);
        final WindowAccumulators.Table second = accumulators.create(200);
        assertNotSame(first, second);
        assertSame(first, accumulators.table(100));
        assertSame(second, accumulators.table(200));
        for (long k = 0; k < 3; k++)
        {
            assertTrue(accumulators.hasRoom());
            final int length = longKey(k);
            accumulators.insert(k < 2 ? first : second, 0, key, 0, length, WindowAccumulators.hash(key, 0, length), 1);
        }
        assertFalse(accumulators.hasRoom(), "three accumulators in two tables");
        first.spilled = true;
        first.markMoved(1);
        assertTrue(first.moved(1));
        assertFalse(first.moved(0));

        assertSame(first, accumulators.remove(100));
        assertNull(accumulators.table(100));
        accumulators.recycle(first);
        assertTrue(accumulators.hasRoom(), "the fired table's two accumulators freed");
        final WindowAccumulators.Table reused = accumulators.create(300);
        assertSame(first, reused);
        assertEquals(0, reused.count);
        assertFalse(reused.spilled);
        final int length = longKey(0);
        assertEquals(-1, WindowAccumulators.find(reused, key, 0, length, WindowAccumulators.hash(key, 0, length)));
        assertEquals(2, accumulators.windows());
    }

    @Test
    void keepsNothingWithARoomOfNone()
    {
        assertFalse(new WindowAccumulators(0, 0).hasRoom());
    }
}
