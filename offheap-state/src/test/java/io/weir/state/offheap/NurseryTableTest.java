package io.weir.state.offheap;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The nursery's table keeps each entry in one slot from insert to delete, hands the slot freed last to the next
 * insert, and finds every key it holds through deletes that shift the index's probe runs and through growth.
 */
class NurseryTableTest
{
    private final UnsafeBuffer key = new UnsafeBuffer(new byte[16]);
    private final UnsafeBuffer value = new UnsafeBuffer(new byte[8]);
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);

    @Test
    void shouldGiveTheSlotFreedLastToTheNextInsert()
    {
        final NurseryTable table = new NurseryTable(16);
        final int first = insert(table, 1, 10);
        final int second = insert(table, 2, 20);
        final int third = insert(table, 3, 30);

        delete(table, 1);
        delete(table, 3);

        assertEquals(third, insert(table, 4, 40));
        assertEquals(first, insert(table, 5, 50));
        assertEquals(second, find(table, 2));
        assertEquals(3, table.slotLimit(), "no slot past the three ever used");
        assertEquals(20, valueAt(table, find(table, 2)));
        assertEquals(40, valueAt(table, find(table, 4)));
        assertEquals(50, valueAt(table, find(table, 5)));
        assertEquals(NurseryTable.NO_SLOT, find(table, 1));
        assertEquals(NurseryTable.NO_SLOT, find(table, 3));
    }

    @Test
    void shouldKeepEveryEntrysSlotWhenTheTableGrows()
    {
        final NurseryTable table = new NurseryTable(16);
        final int[] slots = new int[100];
        for (int k = 0; k < slots.length; k++)
        {
            slots[k] = insert(table, k, 1000 + k);
        }

        assertTrue(table.capacity() >= 128, "grew to keep a quarter of its places empty: " + table.capacity());
        for (int k = 0; k < slots.length; k++)
        {
            assertEquals(slots[k], find(table, k), "key " + k);
            assertEquals(1000 + k, valueAt(table, slots[k]), "key " + k);
        }
    }

    @Test
    void shouldHoldWhatAMapHoldsThroughRandomInsertsAndDeletes()
    {
        final NurseryTable table = new NurseryTable(16);
        final Map<Long, Long> model = new HashMap<>();
        final Random random = new Random(7);
        for (int step = 0; step < 20_000; step++)
        {
            // Few keys, so that probe runs collide and deletes shift them; growth up to a few hundred entries.
            final long k = random.nextInt(step < 10_000 ? 400 : 60);
            final int slot = find(table, k);
            assertEquals(model.containsKey(k), NurseryTable.NO_SLOT != slot, "key " + k + " at step " + step);
            if (NurseryTable.NO_SLOT == slot)
            {
                insert(table, k, step);
                model.put(k, (long)step);
            }
            else
            {
                assertEquals(model.get(k), valueAt(table, slot), "key " + k + " at step " + step);
                delete(table, k);
                model.remove(k);
            }
        }

        assertEquals(model.size(), table.live());
        assertEquals(model, entries(table));
        for (final Map.Entry<Long, Long> entry : model.entrySet())
        {
            assertEquals(entry.getValue(), valueAt(table, find(table, entry.getKey())));
        }
    }

    @Test
    void shouldFreeATombstonesAndABlocksSlotForTheNextInsert()
    {
        final NurseryTable table = new NurseryTable(16);
        final UnsafeBuffer longValue = new UnsafeBuffer(new byte[100]);
        longValue.setMemory(0, 100, (byte)7);
        key(1);
        table.insert(key, 16, NurseryTable.hash(key, 16), null, 0, NurseryTable.TOMBSTONE, true);
        key(2);
        table.insert(key, 16, NurseryTable.hash(key, 16), longValue, 0, 100, false);
        final int blockSlot = find(table, 2);
        insert(table, 3, 30);
        assertEquals(3, table.occupied());
        assertEquals(2, table.live(), "a tombstone holds no value");
        assertEquals(NurseryTable.TOMBSTONE, table.valueLength(find(table, 1)));
        assertEquals(100, table.valueLength(blockSlot));

        delete(table, 2);
        longValue.setMemory(0, 100, (byte)9);
        key(4);
        table.insert(key, 16, NurseryTable.hash(key, 16), longValue, 0, 100, false);

        assertEquals(blockSlot, find(table, 4), "the slot the block's entry freed");
        final UnsafeBuffer read = table.wrapValue(blockSlot, view);
        assertEquals(100, read.capacity());
        for (int i = 0; i < 100; i++)
        {
            assertEquals(9, read.getByte(i));
        }
        delete(table, 1);
        assertEquals(2, table.occupied());
        assertEquals(2, table.live());
        assertEquals(30, valueAt(table, find(table, 3)));
    }

    @Test
    void shouldReportFreedSlotsAndSlotsPastTheLimitAsEmpty()
    {
        final NurseryTable table = new NurseryTable(16);
        final int kept = insert(table, 1, 10);
        final int freed = insert(table, 2, 20);
        delete(table, 2);

        assertFalse(table.isEmptySlot(kept));
        assertTrue(table.isEmptySlot(freed));
        assertTrue(table.isEmptySlot(table.slotLimit()));
        assertEquals(Map.of(1L, 10L), entries(table));

        table.clear();

        assertEquals(0, table.slotLimit());
        assertEquals(NurseryTable.NO_SLOT, find(table, 1));
        assertEquals(0, insert(table, 3, 30), "a cleared table hands out its slots from the first");
        assertNotEquals(NurseryTable.NO_SLOT, find(table, 3));
    }

    private int insert(final NurseryTable table, final long k, final long v)
    {
        key(k);
        value.putLong(0, v);
        table.insert(key, 16, NurseryTable.hash(key, 16), value, 0, 8, false);
        return find(table, k);
    }

    private int find(final NurseryTable table, final long k)
    {
        key(k);
        return table.find(key, 16, NurseryTable.hash(key, 16));
    }

    private void key(final long k)
    {
        key.putLong(0, k);
        key.putLong(8, ~k);
    }

    private void delete(final NurseryTable table, final long k)
    {
        key(k);
        final int hash = NurseryTable.hash(key, 16);
        table.delete(table.find(key, 16, hash), hash);
    }

    private long valueAt(final NurseryTable table, final int slot)
    {
        return table.wrapValue(slot, view).getLong(0);
    }

    /** The entries a walk of the slots below the limit finds. */
    private Map<Long, Long> entries(final NurseryTable table)
    {
        final Map<Long, Long> found = new HashMap<>();
        for (int slot = 0; slot < table.slotLimit(); slot++)
        {
            if (!table.isEmptySlot(slot))
            {
                final long k = table.wrapKey(slot, view).getLong(0);
                assertEquals(null, found.put(k, valueAt(table, slot)), "key " + k + " in two slots");
            }
        }
        return found;
    }
}
