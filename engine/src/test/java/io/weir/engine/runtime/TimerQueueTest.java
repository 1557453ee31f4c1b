package io.weir.engine.runtime;

import io.weir.snapshot.TestSeeds;
import io.weir.engine.state.KeyContext;
import io.weir.state.spi.StateKeyDescriptor;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(TestSeeds.class)
@Timeout(30)
class TimerQueueTest
{
    private static final int[] NONE = new int[0];
    private final UnsafeBuffer key = new UnsafeBuffer(new byte[64]);
    private final KeyContext keyContext = new KeyContext(64);

    private int longKey(final long k)
    {
        key.putLong(0, k, ByteOrder.BIG_ENDIAN);
        return 8;
    }

    @Test
    void shouldFireInTimestampOrder()
    {
        final TimerQueue queue = new TimerQueue(4, 16);
        final long[] timestamps = {50, 10, 40, 20, 30, 10};
        for (int i = 0; i < timestamps.length; i++)
        {
            queue.add(timestamps[i], 0, 0, key, longKey(i));
        }
        final List<Long> fired = new ArrayList<>();
        while (queue.pollDue(Long.MAX_VALUE, keyContext))
        {
            fired.add(queue.polledTimestamp());
        }
        assertEquals(List.of(10L, 10L, 20L, 30L, 40L, 50L), fired);
    }

    @Test
    void shouldCollectTheStoreKeysOfTheEarliestDueTimersForEachState()
    {
        final TimerQueue queue = new TimerQueue(4, 16);
        queue.add(30, 0, 5, key, longKey(3));
        queue.add(10, 0, 5, key, longKey(1));
        queue.add(90, 0, 5, key, longKey(9)); // not due
        queue.add(20, 0, 6, key, longKey(2));
        final UnsafeBuffer keys = new UnsafeBuffer(new byte[16 * 64]);
        final int[] lengths = new int[16];
        final int count = queue.collectKeys(50, 16, new int[] {7, 11}, 2, NONE, 0, keys, 64, lengths, 16);
        assertEquals(6, count, "3 due timers x 2 states");
        final List<String> collected = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            assertEquals(StateKeyDescriptor.KEY_OFFSET + 8, lengths[i]);
            collected.add(keys.getShort(i * 64 + StateKeyDescriptor.KEY_GROUP_OFFSET, ByteOrder.BIG_ENDIAN) + "/" +
                keys.getShort(i * 64 + StateKeyDescriptor.STATE_ID_OFFSET, ByteOrder.BIG_ENDIAN) + "/" +
                keys.getLong(i * 64 + StateKeyDescriptor.KEY_OFFSET, ByteOrder.BIG_ENDIAN));
        }
        collected.sort(null);
        assertEquals(List.of("5/11/1", "5/11/3", "5/7/1", "5/7/3", "6/11/2", "6/7/2"), collected);
        assertEquals(2, queue.collectKeys(50, 16, new int[] {7, 11}, 2, NONE, 0, keys, 64, lengths, 3),
            "no more keys than asked for, whole timers only");
        assertEquals(0, queue.collectKeys(50, 16, new int[] {7}, 1, NONE, 0, keys, StateKeyDescriptor.KEY_OFFSET + 7,
            lengths, 16), "keys longer than a stride are skipped");
        assertEquals(4, queue.size(), "collecting fires nothing");
    }

    @Test
    void shouldReportHowFarInTimeTheCollectedTimersReach()
    {
        final TimerQueue queue = new TimerQueue(4, 16, 64);
        final UnsafeBuffer keys = new UnsafeBuffer(new byte[16 * 64]);
        final int[] lengths = new int[16];
        final int[] states = {7};
        assertEquals(0, queue.collectKeys(Long.MAX_VALUE, 16, states, 1, NONE, 0, keys, 64, lengths, 16));
        assertEquals(Long.MIN_VALUE, queue.collectedThrough(), "nothing collected from an empty queue");
        // In the wheel 10, 20, 20, 30, 40; a wheel turn ahead, in the heap, 10 + 64 * 5.
        final long[] timestamps = {30, 20, 10, 40, 20, 10 + 64 * 5};
        for (int i = 0; i < timestamps.length; i++)
        {
            queue.add(timestamps[i], 0, 1, key, longKey(i));
        }
        assertEquals(3, queue.collectKeys(Long.MAX_VALUE, 3, states, 1, NONE, 0, keys, 64, lengths, 16));
        assertEquals(20, queue.collectedThrough(), "the first three in firing order: 10, 20, 20");
        assertEquals(5, queue.collectKeys(Long.MAX_VALUE, 5, states, 1, NONE, 0, keys, 64, lengths, 16));
        assertEquals(40, queue.collectedThrough(), "the whole wheel");
        assertEquals(3, queue.collectKeys(25, 16, states, 1, NONE, 0, keys, 64, lengths, 16));
        assertEquals(20, queue.collectedThrough(), "the due ones only");
        while (queue.pollDue(50, keyContext))
        {
            assertTrue(queue.polledTimestamp() <= 40);
        }
        assertEquals(1, queue.collectKeys(Long.MAX_VALUE, 16, states, 1, NONE, 0, keys, 64, lengths, 16));
        assertEquals(Long.MAX_VALUE, queue.collectedThrough(), "a heap place says nothing of the timers not taken");
        assertEquals(2, queue.collectKeys(Long.MAX_VALUE, 16, new int[] {7, 8}, 2, NONE, 0, keys, 64, lengths, 3),
            "whole timers only: one");
    }

    @Test
    void shouldCollectTheHeapsTimersFirstWhenTheyFireBeforeTheWheels()
    {
        final TimerQueue queue = new TimerQueue(4, 16, 64);
        queue.add(1000, 0, 1, key, longKey(1));
        queue.add(1010, 0, 1, key, longKey(2));
        queue.add(900, 0, 1, key, longKey(3)); // more than a wheel turn before its latest: in the heap
        final UnsafeBuffer keys = new UnsafeBuffer(new byte[16 * 64]);
        final int[] lengths = new int[16];
        assertEquals(1, queue.collectKeys(Long.MAX_VALUE, 1, new int[] {7}, 1, NONE, 0, keys, 64, lengths, 16));
        assertEquals(3, keys.getLong(StateKeyDescriptor.KEY_OFFSET, ByteOrder.BIG_ENDIAN), "the first to fire: 900");
        assertEquals(Long.MAX_VALUE, queue.collectedThrough());
        assertEquals(3, queue.collectKeys(Long.MAX_VALUE, 16, new int[] {7}, 1, NONE, 0, keys, 64, lengths, 16));
        final List<Long> collected = new ArrayList<>();
        for (int i = 0; i < 3; i++)
        {
            collected.add(keys.getLong(i * 64 + StateKeyDescriptor.KEY_OFFSET, ByteOrder.BIG_ENDIAN));
        }
        assertEquals(List.of(3L, 1L, 2L), collected, "then the wheel's, in firing order");
        assertTrue(queue.pollDue(Long.MAX_VALUE, keyContext));
        assertEquals(900, queue.polledTimestamp());
        assertEquals(2, queue.collectKeys(Long.MAX_VALUE, 16, new int[] {7}, 1, NONE, 0, keys, 64, lengths, 16));
        assertEquals(1010, queue.collectedThrough(), "the wheel's last once the heap is empty");
        assertEquals(2, queue.collectKeys(Long.MAX_VALUE, 16, new int[] {7, 8}, 2, NONE, 0, keys, 64, lengths, 3),
            "room for one timer's two keys");
        assertEquals(1000, queue.collectedThrough(), "only the timers whose keys were written: the first");
    }

    @Test
    void shouldCollectDueKeysInFiringOrderAcrossBucketsHoldingSeveralTimers()
    {
        final TimerQueue queue = new TimerQueue(4, 16, 64);
        // Three timers in one bucket, two in another, one past the bound, one a wheel turn ahead (in the heap).
        final long[] timestamps = {70, 70, 20, 70, 20, 95, 20 + 64 * 5};
        for (int i = 0; i < timestamps.length; i++)
        {
            queue.add(timestamps[i], 0, 1, key, longKey(i));
        }
        final UnsafeBuffer keys = new UnsafeBuffer(new byte[16 * 64]);
        final int[] lengths = new int[16];
        final int count = queue.collectKeys(80, 16, new int[] {7}, 1, NONE, 0, keys, 64, lengths, 16);
        final List<Long> collected = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            collected.add(keys.getLong(i * 64 + StateKeyDescriptor.KEY_OFFSET, ByteOrder.BIG_ENDIAN));
        }
        assertEquals(List.of(2L, 4L, 0L, 1L, 3L), collected, "timestamp order, registration order within one");
        final List<Long> fired = new ArrayList<>();
        while (queue.pollDue(80, keyContext))
        {
            fired.add(keyContext.keyBuffer().getLong(0, ByteOrder.BIG_ENDIAN));
        }
        assertEquals(collected, fired, "the order pollDue fires them in");
    }

    @Test
    void shouldCollectTheKeysOfWindowScopedStatesUnderEachDueTimersNamespace()
    {
        final TimerQueue queue = new TimerQueue(4, 16);
        queue.add(10, 1_000, 5, key, longKey(1));
        queue.add(20, 2_000, 6, key, longKey(2));
        final UnsafeBuffer keys = new UnsafeBuffer(new byte[16 * 64]);
        final int[] lengths = new int[16];
        final int count = queue.collectKeys(50, 16, new int[] {7}, 1, new int[] {9}, 1, keys, 64, lengths, 16);
        assertEquals(4, count, "2 due timers x (1 state + 1 namespaced state)");
        final List<String> collected = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            final int at = i * 64;
            final int stateId = keys.getShort(at + StateKeyDescriptor.STATE_ID_OFFSET, ByteOrder.BIG_ENDIAN);
            final int expectedLength = StateKeyDescriptor.KEY_OFFSET + 8 + (stateId == 9 ? 8 : 0);
            assertEquals(expectedLength, lengths[i], "state " + stateId);
            collected.add(keys.getShort(at + StateKeyDescriptor.KEY_GROUP_OFFSET, ByteOrder.BIG_ENDIAN) + "/" +
                stateId + "/" + keys.getLong(at + StateKeyDescriptor.KEY_OFFSET, ByteOrder.BIG_ENDIAN) +
                (stateId == 9 ? "@" + keys.getLong(at + StateKeyDescriptor.KEY_OFFSET + 8, ByteOrder.BIG_ENDIAN) : ""));
        }
        collected.sort(null);
        assertEquals(List.of("5/7/1", "5/9/1@1000", "6/7/2", "6/9/2@2000"), collected);
        assertEquals(0, queue.collectKeys(50, 16, NONE, 0, new int[] {9}, 1, keys, StateKeyDescriptor.KEY_OFFSET + 15,
            lengths, 16), "a namespaced key longer than a stride is skipped");
    }

    @Test
    void shouldDeduplicatePerKeyNamespaceAndTimestamp()
    {
        final TimerQueue queue = new TimerQueue(4, 16);
        assertTrue(queue.add(100, 0, 3, key, longKey(7)));
        assertFalse(queue.add(100, 0, 3, key, longKey(7)));
        assertTrue(queue.add(100, 1, 3, key, longKey(7)), "another namespace is another timer");
        assertTrue(queue.add(100, 0, 3, key, longKey(8)), "another key is another timer");
        assertTrue(queue.add(101, 0, 3, key, longKey(7)), "another timestamp is another timer");
        assertEquals(4, queue.size());
    }

    @Test
    void shouldFindTimersInTheirBucketOrTheIndexInOrderThroughGrowth()
    {
        final TimerQueue queue = new TimerQueue(2, 16);
        for (int i = 0; i < 60; i++)
        {
            // Three keys a millisecond, timestamps descending: each bucket's first two stay out of the index, its
            // third is indexed; the queue grows several times.
            queue.add(100 - i / 3, 7, 3, key, longKey(i));
        }
        assertEquals(60, queue.size());
        for (int i = 0; i < 60; i++)
        {
            assertFalse(queue.add(100 - i / 3, 7, 3, key, longKey(i)), "timer " + i + " is found again");
        }
        assertTrue(queue.remove(100, 7, key, longKey(0)), "a bucket's first");
        assertTrue(queue.remove(99, 7, key, longKey(5)), "a bucket's third, indexed");
        assertFalse(queue.remove(99, 7, key, longKey(5)));
        // Bucket 100 now holds keys 1 and 2 (2 indexed): a new key is its third, indexed, and found.
        assertTrue(queue.add(100, 7, 3, key, longKey(100)));
        assertFalse(queue.add(100, 7, 3, key, longKey(100)));
        final List<Long> expected = new ArrayList<>();
        for (long ts = 81; ts <= 100; ts++)
        {
            final long first = 3 * (100 - ts);
            for (long k = first; k < first + 3; k++)
            {
                if (k != 0 && k != 5)
                {
                    expected.add(ts * 1000 + k);
                }
            }
        }
        expected.add(100_100L);
        final List<Long> fired = new ArrayList<>();
        while (queue.pollDue(Long.MAX_VALUE, keyContext))
        {
            assertEquals(7, queue.polledNamespace());
            fired.add(queue.polledTimestamp() * 1000 + keyContext.keyBuffer().getLong(0, ByteOrder.BIG_ENDIAN));
        }
        assertEquals(expected, fired, "timestamp order, registration order within one");
        assertTrue(queue.isEmpty());
    }

    @Test
    void shouldFindAHeapTimerOnceTheWheelIsEmpty()
    {
        final TimerQueue queue = new TimerQueue(4, 16, 64);
        assertTrue(queue.add(1000, 0, 0, key, longKey(1)));
        assertTrue(queue.add(5000, 0, 0, key, longKey(2)), "beyond the wheel: in the heap");
        assertTrue(queue.pollDue(1000, keyContext));
        assertFalse(queue.add(5000, 0, 0, key, longKey(2)), "the heap's timer, with the wheel empty");
        assertEquals(1, queue.size());
        assertTrue(queue.remove(5000, 0, key, longKey(2)));
        assertTrue(queue.isEmpty());
    }

    @Test
    void shouldTellTimersOfTimestampsThatShareABucketApart()
    {
        final TimerQueue queue = new TimerQueue(4, 16, 64);
        assertTrue(queue.add(100, 0, 0, key, longKey(1)));
        // 164 shares 100's bucket in a 64 ms wheel, and is more than a turn after it: in the heap.
        assertTrue(queue.add(164, 0, 0, key, longKey(1)));
        assertFalse(queue.add(164, 0, 0, key, longKey(1)));
        assertFalse(queue.add(100, 0, 0, key, longKey(1)));
        assertEquals(2, queue.size());
        assertTrue(queue.remove(164, 0, key, longKey(1)));
        assertFalse(queue.remove(164, 0, key, longKey(1)));
        assertTrue(queue.remove(100, 0, key, longKey(1)));
        assertTrue(queue.isEmpty());
    }

    @Test
    void shouldIndexABucketsThirdTimerAgainAfterItsHeadIsRemoved()
    {
        final TimerQueue queue = new TimerQueue(4, 16);
        for (int k = 1; k <= 3; k++)
        {
            assertTrue(queue.add(500, 0, 0, key, longKey(k)));
        }
        assertTrue(queue.remove(500, 0, key, longKey(1)), "the bucket's head");
        // The bucket holds 2 (walked) and 3 (indexed): 4 is its third, indexed, found, removed.
        assertTrue(queue.add(500, 0, 0, key, longKey(4)));
        assertFalse(queue.add(500, 0, 0, key, longKey(4)));
        assertTrue(queue.remove(500, 0, key, longKey(4)));
        assertFalse(queue.remove(500, 0, key, longKey(4)));
        assertTrue(queue.add(500, 0, 0, key, longKey(1)), "the removed head, registered again: third");
        assertFalse(queue.add(500, 0, 0, key, longKey(1)));
        assertFalse(queue.add(500, 0, 0, key, longKey(3)));
        final List<Long> fired = new ArrayList<>();
        while (queue.pollDue(500, keyContext))
        {
            fired.add(keyContext.keyBuffer().getLong(0, ByteOrder.BIG_ENDIAN));
        }
        assertEquals(List.of(2L, 3L, 1L), fired);
        assertTrue(queue.isEmpty());
    }

    @Test
    void shouldTreatDeleteOfMissingTimerAsNoOp()
    {
        final TimerQueue queue = new TimerQueue(4, 16);
        queue.add(5, 0, 0, key, longKey(1));
        assertFalse(queue.remove(6, 0, key, longKey(1)));
        assertTrue(queue.remove(5, 0, key, longKey(1)));
        assertFalse(queue.remove(5, 0, key, longKey(1)));
        assertTrue(queue.isEmpty());
    }

    @Test
    void shouldOnlyPollTimersAtOrBelowTheBound()
    {
        final TimerQueue queue = new TimerQueue(4, 16);
        queue.add(10, 0, 0, key, longKey(1));
        queue.add(20, 0, 0, key, longKey(2));
        assertTrue(queue.pollDue(15, keyContext));
        assertEquals(10, queue.polledTimestamp());
        assertEquals(1, keyContext.keyBuffer().getLong(0, ByteOrder.BIG_ENDIAN), "the timer's key is made current");
        assertFalse(queue.pollDue(19, keyContext));
        assertEquals(20, queue.peekTimestamp());
    }

    @Test
    void shouldKeepKeysLongerThanTheInlineSlot()
    {
        final TimerQueue queue = new TimerQueue(4, 8);
        for (int i = 0; i < 40; i++)
        {
            key.setMemory(0, 40, (byte)i);
            queue.add(1000 - i, 0, i, key, 40);
        }
        key.setMemory(0, 40, (byte)5);
        assertFalse(queue.add(995, 0, 5, key, 40));
        assertTrue(queue.remove(995, 0, key, 40));
        int count = 0;
        while (queue.pollDue(Long.MAX_VALUE, keyContext))
        {
            final int i = (int)(1000 - queue.polledTimestamp());
            assertEquals(40, keyContext.keyLength());
            assertEquals((byte)i, keyContext.keyBuffer().getByte(39));
            assertEquals(i, keyContext.keyGroup());
            count++;
        }
        assertEquals(39, count);
    }

    /** A timer as the model sees it: ordered by timestamp, then key. */
    private record ModelTimer(long timestamp, long key) implements Comparable<ModelTimer>
    {
        public int compareTo(final ModelTimer o)
        {
            final int c = Long.compare(timestamp, o.timestamp);
            return c != 0 ? c : Long.compare(key, o.key);
        }
    }

    /** Wheels of 64 ms and of the default size: timers spread over the wheel, the heap, and both. */
    @ParameterizedTest
    @ValueSource(ints = { 64, TimerQueue.WHEEL_SIZE_DEFAULT })
    void shouldMatchAnOrderedSetModelUnderRandomOperations(final int wheelSize)
    {
        final long seed = TestSeeds.seed("TimerQueueTest wheel " + wheelSize + ",");
        final Random random = new Random(seed);
        final TimerQueue queue = new TimerQueue(2, 16, wheelSize);
        // (timestamp, registration order, key): timers of one timestamp fire in the order they were registered.
        final TreeSet<long[]> model = new TreeSet<>((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) :
            Long.compare(a[1], b[1]));
        final java.util.HashMap<ModelTimer, long[]> registered = new java.util.HashMap<>();
        long registrations = 0;
        long watermark = 0;
        for (int op = 0; op < 200_000; op++)
        {
            final int choice = random.nextInt(10);
            final long k = random.nextInt(1000);
            // Mostly just ahead of the watermark; some behind it (due at once) and some far ahead.
            final int spread = random.nextInt(10);
            final long ts = spread == 0 ? watermark - random.nextInt(100) :
                spread == 1 ? watermark + random.nextInt(300_000) : watermark + random.nextInt(random.nextBoolean() ? 1000 : 20);
            final ModelTimer timer = new ModelTimer(ts, k);
            if (choice < 5)
            {
                final boolean added = !registered.containsKey(timer);
                if (added)
                {
                    final long[] entry = { ts, registrations++, k };
                    registered.put(timer, entry);
                    model.add(entry);
                }
                assertEquals(added, queue.add(ts, 0, 0, key, longKey(k)), "seed " + seed);
            }
            else if (choice < 8)
            {
                final long[] entry = registered.remove(timer);
                if (entry != null)
                {
                    model.remove(entry);
                }
                assertEquals(entry != null, queue.remove(ts, 0, key, longKey(k)), "seed " + seed);
            }
            else
            {
                watermark += random.nextInt(50);
                assertCollectsOnlyDueTimers(queue, model, watermark, seed);
                while (queue.pollDue(watermark, keyContext))
                {
                    final long[] first = model.pollFirst();
                    final long firedKey = keyContext.keyBuffer().getLong(0, ByteOrder.BIG_ENDIAN);
                    assertEquals(first[0], queue.polledTimestamp(), "earliest first; seed " + seed);
                    assertEquals(first[2], firedKey, "registration order within a timestamp; seed " + seed);
                    registered.remove(new ModelTimer(first[0], first[2]));
                }
                assertTrue(model.isEmpty() || model.first()[0] > watermark, "seed " + seed);
            }
            assertEquals(model.size(), queue.size(), "seed " + seed);
            assertEquals(model.isEmpty() ? Long.MAX_VALUE : model.first()[0], queue.peekTimestamp(), "seed " + seed);
        }
        final int[] visited = new int[1];
        queue.forEach((timestamp, namespace, keyGroup, keyBuffer, keyOffset, keyLength) -> visited[0]++);
        assertEquals(model.size(), visited[0], "every timer visited once; seed " + seed);
    }

    /** The keys collected for a prefetch are due timers' keys, each at most as often as it has due timers. */
    private static void assertCollectsOnlyDueTimers(
        final TimerQueue queue, final TreeSet<long[]> model, final long watermark, final long seed)
    {
        final UnsafeBuffer keys = new UnsafeBuffer(new byte[16 * 64]);
        final int[] lengths = new int[16];
        final int count = queue.collectKeys(watermark, 16, new int[] {7}, 1, NONE, 0, keys, 64, lengths, 16);
        final java.util.HashMap<Long, Integer> due = new java.util.HashMap<>();
        for (final long[] timer : model)
        {
            if (timer[0] > watermark)
            {
                break;
            }
            due.merge(timer[2], 1, Integer::sum);
        }
        for (int i = 0; i < count; i++)
        {
            final long k = keys.getLong(i * 64 + StateKeyDescriptor.KEY_OFFSET, ByteOrder.BIG_ENDIAN);
            assertTrue(due.merge(k, -1, Integer::sum) >= 0, "key " + k + " collected but not due; seed " + seed);
        }
        assertEquals(due.isEmpty(), 0 == count, "a due timer's key is collected; seed " + seed);
    }

    @Test
    void shouldCollectOnlyTheDueTimersWhenTheWheelsTimersWrapPastItsLastBucket()
    {
        final TimerQueue queue = new TimerQueue(4, 16, 64);
        // 100 is bucket 36 of 64; 127 is bucket 63, 128 bucket 0: the later timers sit in lower buckets.
        final long[] timestamps = {100, 126, 127, 128, 129, 140, 150, 160};
        for (int i = 0; i < timestamps.length; i++)
        {
            queue.add(timestamps[i], 0, 1, key, longKey(timestamps[i]));
        }
        assertEquals(List.of(100L, 126L, 127L, 128L, 129L), collectKeys(queue, 130), "due ones only, in firing order");
        assertEquals(List.of(100L), collectKeys(queue, 100), "only the first bucket's timer at its own time");
        assertEquals(List.of(), collectKeys(queue, 99), "none before the earliest");
    }

    private List<Long> collectKeys(final TimerQueue queue, final long upTo)
    {
        final UnsafeBuffer keys = new UnsafeBuffer(new byte[16 * 64]);
        final int[] lengths = new int[16];
        final int count = queue.collectKeys(upTo, 16, new int[] {7}, 1, NONE, 0, keys, 64, lengths, 16);
        final List<Long> collected = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            collected.add(keys.getLong(i * 64 + StateKeyDescriptor.KEY_OFFSET, ByteOrder.BIG_ENDIAN));
        }
        return collected;
    }

    @Test
    void shouldCopyExactlyTheTimersOfTheCopysStartWhileTimersAreAddedDeletedAndFiredInBetweenSteps()
    {
        final long seed = TestSeeds.seed("TimerQueueTest copy");
        final Random random = new Random(seed);
        // Inline slots of 8 bytes: the 24-byte keys of every 7th key are kept apart (overflow).
        final TimerQueue queue = new TimerQueue(2, 8);
        final TreeSet<ModelTimer> model = new TreeSet<>();
        final List<ModelTimer> copy = new ArrayList<>();
        final TimerQueue.TimerVisitor sink = (ts, ns, kg, k, off, len) ->
        {
            assertEquals(len == 24 ? 24 : 8, len, "seed " + seed);
            assertEquals(kg, (int)ns, "seed " + seed);
            copy.add(new ModelTimer(ts, k.getLong(off, ByteOrder.BIG_ENDIAN)));
        };
        long watermark = 0;
        for (int round = 0; round < 300; round++)
        {
            // Grow the queue before some copies, shrink it before others, so that slots are reused.
            final int ops = random.nextInt(400);
            for (int op = 0; op < ops; op++)
            {
                watermark = randomOperation(random, queue, model, watermark, round % 3 == 2 ? 3 : 6, seed);
            }
            final long copiedBefore = queue.timersCopied();
            final TreeSet<ModelTimer> atStart = new TreeSet<>(model);
            copy.clear();
            queue.beginCopy(sink);
            assertEquals(copiedBefore, queue.timersCopied(), "the start of a copy copies nothing; seed " + seed);
            while (queue.isCopying())
            {
                final int between = random.nextInt(20);
                for (int op = 0; op < between; op++)
                {
                    watermark = randomOperation(random, queue, model, watermark, 5, seed);
                }
                assertTrue(queue.copyStep(1 + random.nextInt(64)) > 0, "seed " + seed);
            }
            assertEquals(atStart.size(), copy.size(), "each timer once; seed " + seed);
            assertEquals(atStart, new TreeSet<>(copy), "seed " + seed);
            assertEquals(0, queue.copyStep(64), "seed " + seed);
        }
    }

    @Test
    void shouldFinishACopyInProgressWhenTheNextBegins()
    {
        final TimerQueue queue = new TimerQueue(4, 16);
        for (int i = 0; i < 100; i++)
        {
            queue.add(i, 0, 0, key, longKey(i));
        }
        final List<Long> first = new ArrayList<>();
        final List<Long> second = new ArrayList<>();
        queue.beginCopy((ts, ns, kg, k, off, len) -> first.add(ts));
        queue.copyStep(10);
        queue.add(500, 0, 0, key, longKey(500));
        queue.beginCopy((ts, ns, kg, k, off, len) -> second.add(ts));
        assertEquals(100, first.size(), "finished before the next began");
        assertFalse(first.contains(500L));
        while (queue.isCopying())
        {
            queue.copyStep(7);
        }
        assertEquals(101, second.size());
        queue.abandonCopy();
        assertFalse(queue.isCopying());
    }

    /** Add (weight of 10 out of {@code addWeight + 5}), delete or fire, on both the queue and the model. */
    private long randomOperation(
        final Random random, final TimerQueue queue, final TreeSet<ModelTimer> model, final long watermark,
        final int addWeight, final long seed)
    {
        final int choice = random.nextInt(addWeight + 5);
        final long k = random.nextInt(300);
        final long ts = watermark + random.nextInt(1000);
        final int keyLength = copyKey(k);
        if (choice < addWeight)
        {
            assertEquals(model.add(new ModelTimer(ts, k)), queue.add(ts, k, (int)k, key, keyLength), "seed " + seed);
            return watermark;
        }
        if (choice < addWeight + 3)
        {
            assertEquals(model.remove(new ModelTimer(ts, k)), queue.remove(ts, k, key, keyLength), "seed " + seed);
            return watermark;
        }
        final long upTo = watermark + random.nextInt(30);
        while (queue.pollDue(upTo, keyContext))
        {
            final long firedKey = keyContext.keyBuffer().getLong(0, ByteOrder.BIG_ENDIAN);
            assertTrue(model.remove(new ModelTimer(queue.polledTimestamp(), firedKey)), "seed " + seed);
        }
        return upTo;
    }

    /** Key k: 8 bytes, or 24 (longer than an 8-byte inline slot) for every 7th. */
    private int copyKey(final long k)
    {
        key.putLong(0, k, ByteOrder.BIG_ENDIAN);
        if (k % 7 == 0)
        {
            key.putLong(8, ~k);
            key.putLong(16, k * 31);
            return 24;
        }
        return 8;
    }
}
