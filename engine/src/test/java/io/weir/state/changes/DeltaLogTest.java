package io.weir.state.changes;

import io.weir.snapshot.TestSeeds;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(TestSeeds.class)
class DeltaLogTest
{
    private static final byte[] TOMBSTONE = new byte[]{ (byte)0xDE, (byte)0xAD };

    @Test
    @Timeout(60)
    void shouldYieldEachKeyOnceWithItsLatestValueAcrossChunksMovesSupersedesAndReuse()
    {
        final long seed = TestSeeds.seed("DeltaLogTest");
        final Random random = new Random(seed);
        // A small slack, so each interval supersedes records at first and then updates them in place.
        final int slack = 50 + random.nextInt(500);
        final DeltaLog log = new DeltaLog(slack);
        int superseded = 0;
        int inPlace = 0;
        for (int interval = 0; interval < 4; interval++)
        {
            // The model: key -> latest value, in first-change order; positions as a store keeps them in headers
            // (the latest) and in its absent-key index (possibly an older, moved one).
            final Map<ByteBuffer, byte[]> model = new LinkedHashMap<>();
            final Map<ByteBuffer, Integer> latest = new LinkedHashMap<>();
            final Map<ByteBuffer, Integer> first = new LinkedHashMap<>();
            final int keys = 200 + random.nextInt(300);
            final int operations = 6000;
            for (int n = 0; n < operations; n++)
            {
                final byte[] key = new byte[1 + random.nextInt(30)];
                // Keys of one length and id repeat, so later changes find earlier records.
                final int id = random.nextInt(keys);
                key[0] = (byte)id;
                if (key.length > 1)
                {
                    key[key.length - 1] = (byte)(id >>> 8);
                }
                final ByteBuffer k = ByteBuffer.wrap(key);
                final boolean tombstone = random.nextInt(6) == 0;
                // Mostly small values; now and then a large one, so records move and chunks fill (one record is
                // larger than a chunk in the second interval).
                final int length = interval == 1 && n == 100 ? DeltaLog.CHUNK_BYTES + 17 :
                    random.nextInt(20) == 0 ? random.nextInt(20_000) : random.nextInt(24);
                final byte[] value = new byte[length];
                random.nextBytes(value);
                final UnsafeBuffer keyBuffer = new UnsafeBuffer(key);
                final UnsafeBuffer valueBuffer = new UnsafeBuffer(new byte[length + 3]);
                valueBuffer.putBytes(3, value);
                final Integer known = random.nextBoolean() ? latest.get(k) : first.get(k);
                final int position;
                if (null == known)
                {
                    position = tombstone ? log.appendTombstone(keyBuffer, key.length) :
                        log.append(keyBuffer, key.length, valueBuffer, 3, length);
                    first.put(k, position);
                }
                else if (!tombstone && log.maySupersede() && random.nextBoolean())
                {
                    // A store supersedes the latest record, the one its entry's header names.
                    position = log.supersede(latest.get(k), keyBuffer, key.length, valueBuffer, 3, length);
                    // An older position is never used after this: the store replaces it when the key is removed.
                    first.put(k, position);
                    superseded++;
                }
                else
                {
                    position = tombstone ? log.updateTombstone(known) : log.update(known, valueBuffer, 3, length);
                    if (tombstone)
                    {
                        first.put(k, position);
                    }
                    inPlace++;
                }
                assertTrue(position >= 0, "positions are non-negative: " + position);
                latest.put(k, position);
                model.put(k, tombstone ? TOMBSTONE : value);
            }

            final List<ByteBuffer> order = new ArrayList<>();
            final Map<ByteBuffer, byte[]> read = new LinkedHashMap<>();
            final UnsafeBuffer keyView = new UnsafeBuffer(0, 0);
            final UnsafeBuffer valueView = new UnsafeBuffer(0, 0);
            long cursor = DeltaLog.start();
            int steps = 0;
            while (!log.isEnd(cursor))
            {
                cursor = log.read(cursor, 1 + random.nextInt(50), (key, keyLength, value, valueLength) ->
                {
                    final byte[] k = new byte[keyLength];
                    key.getBytes(0, k);
                    final byte[] v = null == value ? TOMBSTONE : new byte[valueLength];
                    if (null != value)
                    {
                        value.getBytes(0, v);
                    }
                    assertNull(read.put(ByteBuffer.wrap(k), v), "key read twice");
                    order.add(ByteBuffer.wrap(k));
                }, keyView, valueView);
                steps++;
            }
            assertEquals(model.size(), order.size(), "keys read, interval " + interval);
            assertTrue(model.keySet().equals(read.keySet()), "the changed keys, interval " + interval);
            for (final Map.Entry<ByteBuffer, byte[]> e : model.entrySet())
            {
                assertArrayEquals(e.getValue(), read.get(e.getKey()), "latest value, interval " + interval);
            }
            assertTrue(steps > 1, "read in steps");
            assertTrue(log.deadRecords() - (log.records() - log.deadRecords()) <= slack,
                "dead records beyond the live ones stay within the slack: " + log.deadRecords() + " of " + log.records());
            log.clear();
            assertTrue(log.isEnd(DeltaLog.start()), "a cleared log is empty");
        }
        assertTrue(superseded > 100 && inPlace > 100, "both kinds of later change: " + superseded + ", " + inPlace);
    }

    @Test
    @Timeout(60)
    void shouldHideASupersededRecordEvenWhenItsSuccessorIsDiscardedAndForgetDeadBitsInTheNextInterval()
    {
        final DeltaLog log = new DeltaLog();
        final UnsafeBuffer a = new UnsafeBuffer(new byte[]{ 'a' });
        final UnsafeBuffer b = new UnsafeBuffer(new byte[]{ 'b' });
        final UnsafeBuffer value = new UnsafeBuffer(new byte[]{ 1, 2, 3 });
        final int first = log.append(a, 1, value, 0, 1);
        log.append(b, 1, value, 0, 1);
        final int second = log.supersede(first, a, 1, value, 0, 2);
        assertEquals(List.of("b[1]", "a[1, 2]"), readAll(log));
        assertEquals(1, log.deadRecords());

        log.discardLast(second);
        assertEquals(List.of("b[1]"), readAll(log), "the retry of the failed write logs the key again");
        final int third = log.supersede(first, a, 1, value, 0, 3);
        assertEquals(second, third, "the retry appends where the discarded record was");
        assertEquals(1, log.deadRecords(), "superseding a dead record again counts it once");
        assertEquals(List.of("b[1]", "a[1, 2, 3]"), readAll(log));

        log.clear();
        final int reused = log.append(a, 1, value, 0, 1);
        assertEquals(first, reused, "the next interval reuses the chunk");
        assertEquals(List.of("a[1]"), readAll(log), "dead bits of the last interval are gone");
    }

    @Test
    @Timeout(60)
    void shouldLogEachKindOfChangeAsTheStoresEntryDescribesIt()
    {
        final DeltaLog log = new DeltaLog();
        final UnsafeBuffer a = new UnsafeBuffer(new byte[]{ 'a' });
        final UnsafeBuffer b = new UnsafeBuffer(new byte[]{ 'b' });
        final UnsafeBuffer c = new UnsafeBuffer(new byte[]{ 'c' });
        final UnsafeBuffer value = new UnsafeBuffer(new byte[]{ 1, 2, 3, 4 });

        final int a1 = log.logChange(a, 1, DeltaLog.NO_ENTRY, value, 0, 1);
        assertEquals(DeltaLog.APPENDED, log.lastChange(), "an insert appends");
        final int a2 = log.logChange(a, 1, a1, value, 0, 2);
        assertEquals(DeltaLog.APPENDED, log.lastChange(), "a later write supersedes");
        assertTrue(a2 != a1, "superseding appends a new record");
        assertEquals(1, log.deadRecords());

        final int b1 = log.logChange(b, 1, DeltaLog.FIRST_CHANGE, value, 0, 3);
        assertEquals(DeltaLog.APPENDED, log.lastChange(), "a first change of an entry appends");
        final int b2 = log.logChange(b, 1, b1, null, 0, DeltaLog.TOMBSTONE);
        assertEquals(DeltaLog.REMOVED, log.lastChange());
        assertTrue(b2 != b1, "a removal later in the interval supersedes the record with a tombstone");
        assertEquals(2, log.deadRecords());
        assertEquals(b2, log.absentKeys.get(b, 1), "and indexes it, as the key has no entry now");
        final int b3 = log.logChange(b, 1, DeltaLog.NO_ENTRY, value, 0, 2);
        assertEquals(DeltaLog.UPDATED_REMOVED, log.lastChange(), "inserting a removed key reuses its record");
        assertTrue(b3 != b2, "moved, as a tombstone has no room for the value");

        final UnsafeBuffer d = new UnsafeBuffer(new byte[]{ 'd' });
        final int d1 = log.logChange(d, 1, DeltaLog.FIRST_CHANGE, value, 0, 3);
        final int d2 = log.logRemoval(d, 1, d1, 3);
        assertEquals(DeltaLog.REMOVED, log.lastChange());
        final int d3 = log.logChange(d, 1, DeltaLog.NO_ENTRY, value, 0, 3);
        assertEquals(DeltaLog.UPDATED_REMOVED, log.lastChange());
        assertEquals(d2, d3, "a tombstone with room for the value it replaced takes the key's new value in place");
        assertThrows(IllegalArgumentException.class, () -> log.logRemoval(d, 1, DeltaLog.NO_ENTRY, 0),
            "a removal of a key without an entry is a caller's bug");

        final int c1 = log.logChange(c, 1, DeltaLog.FIRST_CHANGE, null, 0, DeltaLog.TOMBSTONE);
        assertEquals(DeltaLog.REMOVED, log.lastChange(), "a first change that removes appends a tombstone");
        assertEquals(c1, log.absentKeys.get(c, 1));

        assertEquals(List.of("a[1, 2]", "b[1, 2]", "d[1, 2, 3]", "c removed"), readAll(log));

        final DeltaLog inPlace = new DeltaLog(0);
        final int x1 = inPlace.logChange(a, 1, DeltaLog.NO_ENTRY, value, 0, 2);
        final int x2 = inPlace.logChange(a, 1, x1, value, 0, 2);
        assertEquals(DeltaLog.APPENDED, inPlace.lastChange(), "superseding while dead records are fewer than live");
        final int x3 = inPlace.logChange(a, 1, x2, value, 0, 1);
        assertEquals(DeltaLog.UPDATED, inPlace.lastChange(), "then, without slack, a later write overwrites in place");
        assertEquals(x2, x3);
        final int x4 = inPlace.logChange(a, 1, x3, null, 0, DeltaLog.TOMBSTONE);
        assertEquals(x3, x4, "and a removal marks the record a tombstone in place");
        assertEquals(x4, inPlace.absentKeys.get(a, 1));
        assertEquals(List.of("a removed"), readAll(inPlace));
    }

    @Test
    void shouldDropTheRecordOfAKeyInsertedAndRemovedInTheInterval()
    {
        final DeltaLog log = new DeltaLog();
        final UnsafeBuffer a = new UnsafeBuffer(new byte[]{ 'a' });
        final UnsafeBuffer b = new UnsafeBuffer(new byte[]{ 'b' });
        final UnsafeBuffer value = new UnsafeBuffer(new byte[]{ 1, 2, 3, 4 });

        final int a1 = log.logChange(a, 1, DeltaLog.NO_ENTRY, value, 0, 1);
        final int a2 = log.logChange(a, 1, a1, value, 0, 2);
        log.discardInserted(a2);
        assertEquals(DeltaLog.DISCARDED, log.lastChange());
        assertTrue(log.absentKeys.isEmpty(), "no removal indexed");
        assertEquals(2, log.records(), "no tombstone appended");
        assertEquals(List.of(), readAll(log), "both records of the key are dead");

        log.logChange(a, 1, DeltaLog.NO_ENTRY, value, 0, 3);
        assertEquals(DeltaLog.APPENDED, log.lastChange(), "inserted again: a new record");
        log.logChange(b, 1, DeltaLog.NO_ENTRY, value, 0, 4);
        assertEquals(List.of("a[1, 2, 3]", "b[1, 2, 3, 4]"), readAll(log));
    }

    private static List<String> readAll(final DeltaLog log)
    {
        final List<String> read = new ArrayList<>();
        final long end = log.read(DeltaLog.start(), Integer.MAX_VALUE, (key, keyLength, v, valueLength) ->
        {
            if (null == v)
            {
                read.add((char)key.getByte(0) + " removed");
                return;
            }
            final byte[] bytes = new byte[valueLength];
            v.getBytes(0, bytes);
            read.add((char)key.getByte(0) + Arrays.toString(bytes));
        }, new UnsafeBuffer(0, 0), new UnsafeBuffer(0, 0));
        assertTrue(log.isEnd(end));
        return read;
    }

    @Test
    @Timeout(60)
    void shouldDropTheLastRecordOnlyAndThenAppendInItsPlace()
    {
        final DeltaLog log = new DeltaLog();
        final UnsafeBuffer a = new UnsafeBuffer(new byte[]{ 'a' });
        final UnsafeBuffer b = new UnsafeBuffer(new byte[]{ 'b' });
        final UnsafeBuffer value = new UnsafeBuffer(new byte[]{ 1, 2, 3 });
        final int first = log.append(a, 1, value, 0, 3);
        final int second = log.append(b, 1, value, 0, 2);
        assertThrows(IllegalStateException.class, () -> log.discardLast(first));
        log.discardLast(second);
        assertEquals(second, log.append(b, 1, value, 0, 3), "the next record takes the dropped one's place");
        assertEquals(List.of("a[1, 2, 3]", "b[1, 2, 3]"), readAll(log));
    }

    @Test
    @Timeout(60)
    void shouldMarkSupersededRecordsInBoundedStepsBeforeVisitingAny()
    {
        final DeltaLog log = new DeltaLog();
        final UnsafeBuffer key = new UnsafeBuffer(new byte[1]);
        final UnsafeBuffer value = new UnsafeBuffer(new byte[1]);
        final int[] positions = new int[10];
        for (int round = 0; round < 4; round++)
        {
            for (int k = 0; k < positions.length; k++)
            {
                key.putByte(0, (byte)('a' + k));
                value.putByte(0, (byte)round);
                positions[k] = 0 == round ?
                    log.append(key, 1, value, 0, 1) : log.supersede(positions[k], key, 1, value, 0, 1);
            }
        }
        assertEquals(30, log.deadRecords());

        final List<String> read = new ArrayList<>();
        final int[] steps = {0, 0};
        long cursor = DeltaLog.start();
        while (!log.isEnd(cursor))
        {
            final int before = read.size();
            cursor = log.read(cursor, 1, (k, keyLength, v, valueLength) ->
                read.add((char)k.getByte(0) + "=" + v.getByte(0)), new UnsafeBuffer(0, 0), new UnsafeBuffer(0, 0));
            assertTrue(read.size() - before <= 1, "a step visits at most its budget");
            steps[read.size() == before ? 0 : 1]++;
        }
        // 30 dead records at 4 a step of budget 1: 7 steps mark 28 and visit nothing; the 8th marks the last 2 and
        // visits the first key.
        assertEquals(7, steps[0], "steps that only marked superseded records");
        assertEquals(10, steps[1]);
        assertEquals(List.of("a=3", "b=3", "c=3", "d=3", "e=3", "f=3", "g=3", "h=3", "i=3", "j=3"), read);
    }
}
