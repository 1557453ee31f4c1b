package io.weir.engine.runtime.window;

import io.weir.engine.runtime.KeyGroups;
import io.weir.state.changes.KeyLogIndex;
import io.weir.state.spi.SmallCopy;
import org.agrona.DirectBuffer;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * The accumulators of the windows a shard created since its last snapshot point, kept by the window operator
 * instead of its keyed state store: a table per window, of that window's keys only, each with its encoded
 * accumulator, in the order the keys were added. A window that fires before the next snapshot point (most do: a
 * window lives seconds of event time) never reaches the store: an element costs a probe of its window's table, and
 * the firing walks the table in order, with no look-up and no removal. At a snapshot point the operator writes every
 * table to the store and drops it ({@link WindowOperator#beforeSnapshotPoint}), so that checkpoints, savepoints and
 * restores hold the store's state only.
 * <p>
 * The tables hold at most a set number of accumulators together, which bounds the writes of a snapshot point, each of
 * at most {@value #MAX_ACCUMULATOR_BYTES} bytes, which bounds their memory; a window created while they are full
 * keeps its accumulators in the store, and a table that was full when a new key came is {@linkplain Table#spilled
 * spilled}: its new keys go to the store from then on. An accumulator that grows moves to the end of its table with
 * twice its room, so a growing accumulator is copied a few times, not at every element.
 * <p>
 * An entry is {@code [key group u16][key length u16][room u16][length u16][key][accumulator: room bytes]}. A fired
 * or written table is kept for the next window, so that steady-state windows allocate nothing. Shard thread only.
 */
final class WindowAccumulators
{
    static final int KEY_GROUP_OFFSET = 0;
    static final int KEY_LENGTH_OFFSET = 2;
    private static final int ROOM_OFFSET = 4;
    private static final int LENGTH_OFFSET = 6;
    static final int KEY_OFFSET = 8;
    private static final int INITIAL_BYTES = 512;
    private static final int INITIAL_ENTRIES = 16;
    /** Fired tables kept for reuse, at most, and the largest data array such a table may keep. */
    private static final int MAX_SPARE_TABLES = 256;
    private static final int MAX_SPARE_BYTES = 1 << 20;
    /** The largest table: a Java array's bound, less a margin the JVM may keep. */
    private static final int MAX_BYTES = Integer.MAX_VALUE - 16;
    /** The largest accumulator a table holds; a larger one goes to the store (room and length are 16-bit). */
    static final int MAX_ACCUMULATOR_BYTES = 256;
    /** The length of an entry whose accumulator outgrew the table and went to the store. */
    private static final int MOVED = 0xFFFF;

    /** One window's accumulators. */
    static final class Table
    {
        long window;
        /** Over a heap array that grows: its writes check no capacity of their own. */
        final UnsafeBuffer data = new UnsafeBuffer(new byte[INITIAL_BYTES]);
        int dataLength;
        /** Entries' offsets in {@link #data}, in the order their keys were added. */
        int[] positions = new int[INITIAL_ENTRIES];
        int count;
        /** Open addressing over entry numbers plus one (0: empty), at most half full. */
        int[] index = new int[INITIAL_ENTRIES * 2];
        /**
         * Some new key of the window went to the store (the tables were full, or its first accumulator was too large
         * for them): a key found nowhere here may be there.
         */
        boolean spilled;

        int position(final int entry)
        {
            return positions[entry];
        }

        int keyGroup(final int entry)
        {
            return data.getShort(positions[entry] + KEY_GROUP_OFFSET) & 0xFFFF;
        }

        int keyLength(final int entry)
        {
            return data.getShort(positions[entry] + KEY_LENGTH_OFFSET) & 0xFFFF;
        }

        int accumulatorOffset(final int entry)
        {
            final int at = positions[entry];
            return at + KEY_OFFSET + (data.getShort(at + KEY_LENGTH_OFFSET) & 0xFFFF);
        }

        int accumulatorLength(final int entry)
        {
            return data.getShort(positions[entry] + LENGTH_OFFSET) & 0xFFFF;
        }

        /** Whether the entry's accumulator may take {@code length} bytes in place. */
        boolean hasRoom(final int entry, final int length)
        {
            return length <= (data.getShort(positions[entry] + ROOM_OFFSET) & 0xFFFF);
        }

        void accumulatorLength(final int entry, final int length)
        {
            data.putShort(positions[entry] + LENGTH_OFFSET, (short)length);
        }

        /** Whether the entry's accumulator went to the store ({@link #markMoved}): the key is listed there. */
        boolean moved(final int entry)
        {
            return MOVED == accumulatorLength(entry);
        }

        void markMoved(final int entry)
        {
            data.putShort(positions[entry] + LENGTH_OFFSET, (short)MOVED);
        }
    }

    private static final int MAX_INTERVALS_WITHOUT_TABLES = 16;

    private final int maxEntries;
    /**
     * With periodic checkpoints, how long after a snapshot point a new window still gets a table: three quarters of
     * the interval, so that the windows most likely to be open at the next point, those of its last quarter, keep
     * their accumulators in the store, and the point has few tables to write; 0 for no limit.
     */
    private final long newTablesForNs;
    private long lastSnapshotPointNs = System.nanoTime();
    /**
     * Snapshot points still to come before new windows get tables again: when a point finds more accumulators in
     * the tables than the tables' windows fired since the last one (windows that outlive an interval), tables cost
     * more than they save, and new windows keep their accumulators in the store for 1, 2, 4, then up to
     * {@value #MAX_INTERVALS_WITHOUT_TABLES} intervals, until an interval with tables shows them to pay again.
     */
    private int intervalsWithoutTables;
    private int nextIntervalsWithoutTables = 1;
    /** Accumulators the tables' windows fired since the last snapshot point. */
    private long fired;
    private final Long2ObjectHashMap<Table> byWindow = new Long2ObjectHashMap<>();
    private final ArrayDeque<Table> spare = new ArrayDeque<>();
    /** The window of the last {@link #table} call that found one, and its table. */
    private long lastWindow;
    private Table lastTable;
    private int entries;

    /**
     * @param maxEntries           the accumulators the tables hold together at most; 0 for none.
     * @param checkpointIntervalMs the interval of the job's periodic checkpoints; 0 without them.
     */
    WindowAccumulators(final int maxEntries, final long checkpointIntervalMs)
    {
        this.maxEntries = maxEntries;
        this.newTablesForNs = TimeUnit.MILLISECONDS.toNanos(checkpointIntervalMs) / 4 * 3;
    }

    /** Whether a new window gets a table now: there is room, and the rules above allow one. */
    boolean makesTables()
    {
        return entries < maxEntries && 0 == intervalsWithoutTables &&
            (0 == newTablesForNs || System.nanoTime() - lastSnapshotPointNs < newTablesForNs);
    }

    /** At a snapshot point, before the operator writes the tables to the store: the rules' bookkeeping. */
    void onSnapshotPoint()
    {
        lastSnapshotPointNs = System.nanoTime();
        if (intervalsWithoutTables > 0)
        {
            intervalsWithoutTables--;
        }
        else if (entries > fired)
        {
            intervalsWithoutTables = nextIntervalsWithoutTables;
            nextIntervalsWithoutTables = Math.min(2 * nextIntervalsWithoutTables, MAX_INTERVALS_WITHOUT_TABLES);
        }
        else
        {
            nextIntervalsWithoutTables = 1;
        }
        fired = 0;
    }

    /** The window's table, or null if it has none. */
    Table table(final long window)
    {
        if (null != lastTable && lastWindow == window)
        {
            return lastTable;
        }
        final Table table = byWindow.get(window);
        if (null != table)
        {
            lastWindow = window;
            lastTable = table;
        }
        return table;
    }

    /** Whether the tables have room for another accumulator. */
    boolean hasRoom()
    {
        return entries < maxEntries;
    }

    /** A new, empty table for {@code window}, which has none. */
    Table create(final long window)
    {
        final Table table = spare.isEmpty() ? new Table() : spare.pop();
        table.window = window;
        byWindow.put(window, table);
        lastWindow = window;
        lastTable = table;
        return table;
    }

    /** Takes the window's table out, null if it has none; hand it back with {@link #recycle} once walked. */
    Table remove(final long window)
    {
        final Table table = byWindow.remove(window);
        if (table == lastTable)
        {
            lastTable = null;
        }
        return table;
    }

    /** {@link #recycle} a table whose window fired. */
    void recycleFired(final Table table)
    {
        fired += table.count;
        recycle(table);
    }

    void recycle(final Table table)
    {
        entries -= table.count;
        if (spare.size() >= MAX_SPARE_TABLES || table.data.capacity() > MAX_SPARE_BYTES)
        {
            return; // dropped: a burst of windows, or a window of many keys, holds no memory after it fired
        }
        table.dataLength = 0;
        table.count = 0;
        table.spilled = false;
        Arrays.fill(table.index, 0);
        spare.push(table);
    }

    /** Windows with a table. */
    int windows()
    {
        return byWindow.size();
    }

    /** Every table, in no particular order of windows, into {@code out}, which must hold {@link #windows} of them. */
    void tables(final Table[] out)
    {
        int i = 0;
        for (final Table table : byWindow.values())
        {
            out[i++] = table;
        }
    }

    /**
     * The hash of a key's bytes that {@link #find} and {@link #insert} take: the high half of the key group hash,
     * whose low bits, a key group's, are alike for every key of a shard.
     */
    static int hash(final DirectBuffer key, final int offset, final int length)
    {
        return (int)(KeyGroups.hash(key, offset, length) >>> 32);
    }

    /** The entry of {@code key} in {@code table}, or -1. */
    static int find(final Table table, final DirectBuffer key, final int offset, final int keyLength, final int hash)
    {
        final int[] index = table.index;
        final int mask = index.length - 1;
        final UnsafeBuffer data = table.data;
        for (int slot = hash & mask; ; slot = (slot + 1) & mask)
        {
            final int numbered = index[slot];
            if (0 == numbered)
            {
                return -1;
            }
            final int at = table.positions[numbered - 1];
            if ((data.getShort(at + KEY_LENGTH_OFFSET) & 0xFFFF) == keyLength &&
                KeyLogIndex.sameBytes(data, at + KEY_OFFSET, key, offset, keyLength))
            {
                return numbered - 1;
            }
        }
    }

    /**
     * Adds {@code key} (absent from {@code table}) with {@code room} bytes for its accumulator, whose length is 0 until
     * set; the caller checked {@link #hasRoom}.
     *
     * @return the new entry.
     */
    int insert(
        final Table table, final int keyGroup, final DirectBuffer key, final int offset, final int keyLength,
        final int hash, final int room)
    {
        if (table.count == table.positions.length)
        {
            table.positions = Arrays.copyOf(table.positions, 2 * table.positions.length);
        }
        if (2 * (table.count + 1) > table.index.length)
        {
            rehash(table, 2 * table.index.length);
        }
        final int entry = table.count;
        table.positions[entry] = append(table, keyGroup, key, offset, keyLength, room);
        table.count++;
        entries++;
        final int[] index = table.index;
        final int mask = index.length - 1;
        int slot = hash & mask;
        while (0 != index[slot])
        {
            slot = (slot + 1) & mask;
        }
        index[slot] = entry + 1;
        return entry;
    }

    /**
     * Moves the entry to the end of the table's data with room for an accumulator of {@code length} bytes (at most
     * {@link #MAX_ACCUMULATOR_BYTES}), twice its old room or more, so that an accumulator that keeps growing moves a
     * few times (its accumulator is about to be written: its old bytes are not kept); the entry keeps its place in the
     * order.
     */
    static void relocate(final Table table, final int entry, final int length)
    {
        final int at = table.positions[entry];
        final int keyLength = table.data.getShort(at + KEY_LENGTH_OFFSET) & 0xFFFF;
        final int room = Math.min(MAX_ACCUMULATOR_BYTES,
            Math.max(length, 2 * (table.data.getShort(at + ROOM_OFFSET) & 0xFFFF)));
        table.positions[entry] = append(table, table.data.getShort(at + KEY_GROUP_OFFSET) & 0xFFFF, table.data,
            at + KEY_OFFSET, keyLength, room);
    }

    private static int append(
        final Table table, final int keyGroup, final DirectBuffer key, final int offset, final int keyLength,
        final int room)
    {
        final int at = table.dataLength;
        final long end = (long)at + KEY_OFFSET + keyLength + room;
        if (end > table.data.capacity())
        {
            if (end > MAX_BYTES)
            {
                throw new IllegalStateException("window " + table.window + " holds more accumulators on one shard " +
                    "than " + MAX_BYTES + " bytes take: use smaller windows, or more shards");
            }
            // The key may be in the data being grown (a relocation): copied with it.
            table.data.wrap(Arrays.copyOf(table.data.byteArray(),
                (int)Math.min(Math.max(end, 2L * table.data.capacity()), MAX_BYTES)));
        }
        final UnsafeBuffer data = table.data;
        data.putShort(at + KEY_GROUP_OFFSET, (short)keyGroup);
        data.putShort(at + KEY_LENGTH_OFFSET, (short)keyLength);
        data.putShort(at + ROOM_OFFSET, (short)room);
        data.putShort(at + LENGTH_OFFSET, (short)0);
        SmallCopy.copy(data, at + KEY_OFFSET, key, offset, keyLength);
        table.dataLength = (int)end;
        return at;
    }

    private static void rehash(final Table table, final int capacity)
    {
        final int[] index = new int[capacity];
        final int mask = capacity - 1;
        final UnsafeBuffer data = table.data;
        for (int entry = 0; entry < table.count; entry++)
        {
            final int at = table.positions[entry];
            int slot = hash(data, at + KEY_OFFSET, data.getShort(at + KEY_LENGTH_OFFSET) & 0xFFFF) & mask;
            while (0 != index[slot])
            {
                slot = (slot + 1) & mask;
            }
            index[slot] = entry + 1;
        }
        table.index = index;
    }
}
