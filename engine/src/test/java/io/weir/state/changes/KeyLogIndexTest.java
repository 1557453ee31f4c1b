package io.weir.state.changes;

import io.weir.snapshot.TestSeeds;
import io.weir.engine.ThreadAllocation;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.MutableDirectBuffer;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(TestSeeds.class)
class KeyLogIndexTest
{
    private final ExpandableDirectByteBuffer direct = new ExpandableDirectByteBuffer(64);
    private final ExpandableArrayBuffer heap = new ExpandableArrayBuffer(64);

    private int putIfAbsent(final KeyLogIndex index, final byte[] key, final int logIndex, final boolean onHeap)
    {
        final MutableDirectBuffer buffer = onHeap ? heap : direct;
        buffer.putBytes(0, key);
        return index.putIfAbsent(buffer, key.length, logIndex);
    }

    /** A key of 0 to {@code lengthBound - 1} bytes, each of 4 values, so that keys repeat. */
    private static byte[] randomKey(final Random random, final int lengthBound)
    {
        final byte[] key = new byte[random.nextInt(lengthBound)];
        for (int i = 0; i < key.length; i++)
        {
            key[i] = (byte)random.nextInt(4);
        }
        return key;
    }

    @Test
    @Timeout(60)
    void shouldMatchHashMapModelAcrossGrowthAndClears()
    {
        final long seed = TestSeeds.seed("KeyLogIndexTest");
        final Random random = new Random(seed);
        final KeyLogIndex index = new KeyLogIndex();
        for (int interval = 0; interval < 12; interval++)
        {
            final Map<ByteBuffer, Integer> model = new HashMap<>();
            // Intervals of very different sizes: the table grows in the big ones and is reused in the small ones.
            final int operations = interval % 3 == 0 ? 20_000 : random.nextInt(300);
            for (int n = 0; n < operations; n++)
            {
                // Lengths 0 to 20 cover the eight-byte compare loop and its tail; values repeat.
                final byte[] key = randomKey(random, 21);
                final Integer expected = model.get(ByteBuffer.wrap(key));
                direct.putBytes(0, key);
                assertEquals(null == expected ? KeyLogIndex.MISSING : expected.intValue(), index.get(direct, key.length),
                    "get before the put in interval " + interval);
                final int actual = putIfAbsent(index, key, n, random.nextBoolean());
                if (null == expected)
                {
                    assertEquals(KeyLogIndex.MISSING, actual, "first put of a key in interval " + interval);
                    model.put(ByteBuffer.wrap(key), n);
                }
                else
                {
                    assertEquals(expected.intValue(), actual, "second put keeps the first log index");
                }
            }
            assertEquals(model.size(), index.size());
            assertTrue(index.capacity() >= 2 * index.size(), "load factor at most one half");
            index.clear();
            assertEquals(0, index.size());
            for (final ByteBuffer key : model.keySet())
            {
                assertEquals(KeyLogIndex.MISSING, putIfAbsent(index, key.array(), 7, false), "cleared key is absent");
            }
            index.clear();
        }
    }

    @Test
    @Timeout(60)
    void shouldMatchHashMapModelWhenPutsReplaceAndAreBatchedBetweenLookUpsAndPutIfAbsents()
    {
        final long seed = TestSeeds.seed("KeyLogIndexTest.put");
        final Random random = new Random(seed);
        final KeyLogIndex index = new KeyLogIndex();
        for (int interval = 0; interval < 12; interval++)
        {
            final Map<ByteBuffer, Integer> model = new HashMap<>();
            final int operations = interval % 3 == 0 ? 20_000 : random.nextInt(300);
            for (int n = 0; n < operations; n++)
            {
                // Few distinct keys in small intervals: a key is often put again while its first put is batched.
                final byte[] key = randomKey(random, interval % 3 == 0 ? 21 : 3);
                final MutableDirectBuffer buffer = random.nextBoolean() ? heap : direct;
                buffer.putBytes(0, key);
                final int operation = random.nextInt(6);
                if (operation < 2)
                {
                    final Integer expected = model.get(ByteBuffer.wrap(key));
                    assertEquals(null == expected ? KeyLogIndex.MISSING : expected.intValue(),
                        index.get(buffer, key.length), "get in interval " + interval + ", seed " + seed);
                }
                else if (operation == 2)
                {
                    // With puts batched: it takes the batch into the table first.
                    final Integer expected = model.putIfAbsent(ByteBuffer.wrap(key), n);
                    assertEquals(null == expected ? KeyLogIndex.MISSING : expected.intValue(),
                        index.putIfAbsent(buffer, key.length, n), "putIfAbsent, seed " + seed);
                }
                else
                {
                    index.put(buffer, key.length, n);
                    model.put(ByteBuffer.wrap(key), n);
                }
                assertEquals(model.isEmpty(), index.isEmpty(), "isEmpty, seed " + seed);
            }
            assertEquals(model.size(), index.size(), "size once the batch is in the table, seed " + seed);
            for (final Map.Entry<ByteBuffer, Integer> entry : model.entrySet())
            {
                direct.putBytes(0, entry.getKey().array());
                assertEquals(entry.getValue().intValue(), index.get(direct, entry.getKey().capacity()),
                    "the latest put of every key, seed " + seed);
            }
            // Cleared with a batch pending: its keys are gone too.
            direct.putBytes(0, new byte[]{ 9, 9, 9 });
            index.put(direct, 3, 1);
            index.clear();
            assertTrue(index.isEmpty());
            assertEquals(KeyLogIndex.MISSING, index.get(direct, 3), "a batched key is cleared, seed " + seed);
            for (final ByteBuffer key : model.keySet())
            {
                direct.putBytes(0, key.array());
                assertEquals(KeyLogIndex.MISSING, index.get(direct, key.capacity()), "cleared key is absent");
            }
        }
    }

    @Test
    @Timeout(60)
    void shouldAnswerMostLookUpsOfAbsentKeysFromTheFilterWithoutReadingTheTable()
    {
        final KeyLogIndex index = new KeyLogIndex();
        for (int interval = 0; interval < 3; interval++)
        {
            for (long i = 0; i < 100_000; i++)
            {
                direct.putLong(0, i * 2);
                index.putIfAbsent(direct, 8, (int)i);
            }
            final long before = index.filterMisses();
            for (long i = 0; i < 100_000; i++)
            {
                direct.putLong(0, i * 2 + 1);
                assertEquals(KeyLogIndex.MISSING, index.get(direct, 8));
                direct.putLong(0, i * 2);
                assertEquals((int)i, index.get(direct, 8), "a present key always passes the filter");
            }
            final long answered = index.filterMisses() - before;
            assertTrue(answered > 80_000, "absent keys the filter answered in interval " + interval + ": " + answered);
            index.clear();
            direct.putLong(0, 2);
            assertEquals(KeyLogIndex.MISSING, index.get(direct, 8));
            assertEquals(before + answered + 1, index.filterMisses(), "clear() clears the filter");
        }
    }

    @Test
    @Timeout(60)
    void shouldKeepCapacityAndAllocateNothingOnceWarm()
    {
        final KeyLogIndex index = new KeyLogIndex();
        final byte[] key = new byte[12];
        for (int i = 0; i < 10_000; i++)
        {
            ByteBuffer.wrap(key).putInt(0, i);
            putIfAbsent(index, key, i, false);
        }
        final int capacity = index.capacity();
        index.clear();
        long allocated = 0;
        for (int round = 0; round < 5; round++)
        {
            final long before = ThreadAllocation.bytesSoFar();
            for (int i = 0; i < 10_000; i++)
            {
                direct.putInt(0, i);
                direct.putLong(4, round);
                index.putIfAbsent(direct, 12, i);
            }
            index.clear();
            allocated = ThreadAllocation.bytesSoFar() - before;
        }
        assertEquals(capacity, index.capacity(), "clear keeps the capacity");
        assertTrue(allocated < 1024, "10,000 puts and a clear allocated " + allocated + " bytes");
    }

    @Test
    void shouldCompareBytesOfEveryLengthAndFindADifferenceAtEveryPosition()
    {
        final org.agrona.concurrent.UnsafeBuffer a = new org.agrona.concurrent.UnsafeBuffer(new byte[40]);
        final org.agrona.concurrent.UnsafeBuffer b = new org.agrona.concurrent.UnsafeBuffer(new byte[40]);
        for (int i = 0; i < 40; i++)
        {
            a.putByte(i, (byte)(i * 7 + 1));
            b.putByte(i, (byte)(i * 7 + 1));
        }
        for (int length = 0; length <= 24; length++)
        {
            for (final int offset : new int[] {0, 3})
            {
                org.junit.jupiter.api.Assertions.assertTrue(KeyLogIndex.sameBytes(a, offset, b, offset, length),
                    "equal, length " + length);
                for (int at = 0; at < length; at++)
                {
                    final byte was = b.getByte(offset + at);
                    b.putByte(offset + at, (byte)(was ^ 0x10));
                    org.junit.jupiter.api.Assertions.assertFalse(KeyLogIndex.sameBytes(a, offset, b, offset, length),
                        "length " + length + ", differing at " + at);
                    b.putByte(offset + at, was);
                }
            }
        }
    }
}
