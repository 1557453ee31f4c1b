package io.weir.state.offheap;

import io.weir.snapshot.TestSeeds;
import io.weir.state.changes.DeltaLog;
import io.weir.engine.ThreadAllocation;
import io.weir.state.spi.KeyedStateStore;
import io.weir.state.spi.StoreSnapshot;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.*;

@ExtendWith(TestSeeds.class)
class ChronicleKeyedStateStoreTest
{
    private static final byte[] TOMBSTONE = new byte[]{ (byte)0xDE, (byte)0xAD };

    @TempDir
    Path dir;

    private final List<KeyedStateStore> stores = new ArrayList<>();
    private final ExpandableDirectByteBuffer keyBuffer = new ExpandableDirectByteBuffer(64);
    private final ExpandableDirectByteBuffer valueBuffer = new ExpandableDirectByteBuffer(64);
    private final ExpandableArrayBuffer heapKeyBuffer = new ExpandableArrayBuffer(64);
    private final ExpandableArrayBuffer heapValueBuffer = new ExpandableArrayBuffer(64);
    private final ExpandableDirectByteBuffer out = new ExpandableDirectByteBuffer(64);

    @AfterEach
    void close()
    {
        stores.forEach(KeyedStateStore::close);
    }

    /** The Chronicle store itself, without the nursery in front of it ({@link NurseryStoreTest} tests that). */
    private ChronicleKeyedStateStore store(final ChronicleStateBackend.Context ctx, final long expectedEntries)
    {
        final ChronicleKeyedStateStore store =
            (ChronicleKeyedStateStore)new ChronicleStateBackend(ctx.nurserySlots(0)).createStore(7, expectedEntries);
        stores.add(store);
        return store;
    }

    private static long seed()
    {
        return TestSeeds.seed("ChronicleKeyedStateStoreTest");
    }

    private static byte[] key(final int i)
    {
        final byte[] key = new byte[6 + 4 + (i % 5)];
        key[0] = (byte)(i >>> 8 & 0x7F);
        key[3] = 1;
        key[5] = (byte)(4 + i % 5);
        key[6] = (byte)(i >>> 24);
        key[7] = (byte)(i >>> 16);
        key[8] = (byte)(i >>> 8);
        key[9] = (byte)i;
        return key;
    }

    private static byte[] randomValue(final Random random, final int maxLength)
    {
        final byte[] value = new byte[random.nextInt(maxLength + 1)];
        random.nextBytes(value);
        return value;
    }

    private DirectBuffer keyOf(final byte[] key, final boolean heap)
    {
        final MutableDirectBuffer buffer = heap ? heapKeyBuffer : keyBuffer;
        buffer.putBytes(0, key);
        return buffer;
    }

    private void put(final KeyedStateStore store, final byte[] key, final byte[] value, final boolean heap)
    {
        final MutableDirectBuffer buffer = heap ? heapValueBuffer : valueBuffer;
        buffer.putBytes(3, value);
        store.put(keyOf(key, heap), key.length, buffer, 3, value.length);
    }

    private void put(final KeyedStateStore store, final byte[] key, final byte[] value)
    {
        put(store, key, value, false);
    }

    /** Put keys 0 to {@code count - 1}, each with the one-byte value {@code value}. */
    private void putKeys(final KeyedStateStore store, final int count, final byte value)
    {
        for (int i = 0; i < count; i++)
        {
            put(store, key(i), new byte[]{ value });
        }
    }

    private boolean remove(final KeyedStateStore store, final byte[] key)
    {
        return store.remove(keyOf(key, false), key.length);
    }

    private byte[] get(final KeyedStateStore store, final byte[] key, final boolean heap)
    {
        final int length = store.get(keyOf(key, heap), key.length, out);
        if (KeyedStateStore.MISSING == length)
        {
            return null;
        }
        final byte[] value = new byte[length];
        out.getBytes(0, value);
        return value;
    }

    private static void await(final CountDownLatch latch)
    {
        try
        {
            assertTrue(latch.await(30, TimeUnit.SECONDS));
        }
        catch (final InterruptedException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    private static Map<ByteBuffer, byte[]> read(final StoreSnapshot snapshot)
    {
        return read(snapshot, () -> {});
    }

    private static Map<ByteBuffer, byte[]> read(final StoreSnapshot snapshot, final Runnable beforeEachEntry)
    {
        final Map<ByteBuffer, byte[]> result = new HashMap<>();
        snapshot.forEach((key, keyLength, value, valueLength) ->
        {
            beforeEachEntry.run();
            final byte[] k = new byte[keyLength];
            key.getBytes(0, k);
            final byte[] v;
            if (null == value)
            {
                v = TOMBSTONE;
            }
            else
            {
                v = new byte[valueLength];
                value.getBytes(0, v);
            }
            assertNull(result.put(ByteBuffer.wrap(k), v), "key visited twice");
        });
        return result;
    }

    private static Map<ByteBuffer, byte[]> live(final KeyedStateStore store)
    {
        final Map<ByteBuffer, byte[]> result = new HashMap<>();
        store.forEach((key, keyLength, value, valueLength) ->
        {
            final byte[] k = new byte[keyLength];
            key.getBytes(0, k);
            final byte[] v = new byte[valueLength];
            value.getBytes(0, v);
            result.put(ByteBuffer.wrap(k), v);
        });
        return result;
    }

    private static void assertSameContents(final Map<ByteBuffer, byte[]> expected, final Map<ByteBuffer, byte[]> actual)
    {
        final java.util.Set<ByteBuffer> missing = new java.util.HashSet<>(expected.keySet());
        missing.removeAll(actual.keySet());
        final java.util.Set<ByteBuffer> extra = new java.util.HashSet<>(actual.keySet());
        extra.removeAll(expected.keySet());
        assertTrue(missing.isEmpty() && extra.isEmpty(),
            "missing " + missing.size() + " keys, " + extra.size() + " unexpected keys (expected " + expected.size() + ")");
        for (final Map.Entry<ByteBuffer, byte[]> e : expected.entrySet())
        {
            assertArrayEquals(e.getValue(), actual.get(e.getKey()), "value of " + e.getKey());
        }
    }

    @Test
    @Timeout(60)
    void shouldMatchHashMapModelUnderRandomGetPutRemoveAndOverwrite()
    {
        final Random random = new Random(seed());
        final ChronicleKeyedStateStore store = store(new ChronicleStateBackend.Context().entriesPerShard(2048), 0);
        final Map<ByteBuffer, byte[]> model = new HashMap<>();
        for (int op = 0; op < 50_000; op++)
        {
            final byte[] key = key(random.nextInt(3000));
            final boolean heap = random.nextBoolean();
            final int action = random.nextInt(10);
            if (action < 5)
            {
                final byte[] value = randomValue(random, 200);
                put(store, key, value, heap);
                model.put(ByteBuffer.wrap(key), value);
            }
            else if (action < 7)
            {
                assertEquals(null != model.remove(ByteBuffer.wrap(key)), remove(store, key));
            }
            else
            {
                final byte[] expected = model.get(ByteBuffer.wrap(key));
                final byte[] actual = get(store, key, heap);
                if (null == expected)
                {
                    assertNull(actual);
                }
                else
                {
                    assertArrayEquals(expected, actual);
                }
            }
        }
        assertEquals(model.size(), store.entryCount());
        assertSameContents(model, live(store));
        assertTrue(store.sizeBytes() > 0);
    }

    @Test
    @Timeout(60)
    void shouldAllocateInTheConfiguredChunksAndKeepEntriesThatGrowAndShrink()
    {
        assertTrue(store(new ChronicleStateBackend.Context(), 2048).chunkSizeBytes() < 64, "Chronicle's own choice");
        final Random random = new Random(seed());
        final ChronicleKeyedStateStore store =
            store(new ChronicleStateBackend.Context().entriesPerShard(2048).chunkSizeBytes(64), 0);
        assertEquals(64, store.chunkSizeBytes());
        final Map<ByteBuffer, byte[]> model = new HashMap<>();
        for (int op = 0; op < 30_000; op++)
        {
            final byte[] key = key(random.nextInt(2000));
            final byte[] previous = model.get(ByteBuffer.wrap(key));
            if (random.nextInt(8) == 0)
            {
                assertEquals(null != model.remove(ByteBuffer.wrap(key)), remove(store, key));
                continue;
            }
            // A value 0-40 bytes longer or shorter than the last one, as a list's chunk grows and is pruned.
            final int length = Math.max(0, Math.min(600,
                (null == previous ? 0 : previous.length) + random.nextInt(81) - 40));
            final byte[] value = new byte[length];
            random.nextBytes(value);
            put(store, key, value);
            model.put(ByteBuffer.wrap(key), value);
        }
        assertEquals(model.size(), store.entryCount());
        assertSameContents(model, live(store));
        assertThrows(IllegalArgumentException.class,
            () -> new ChronicleStateBackend(new ChronicleStateBackend.Context().chunkSizeBytes(-1)));
        final IllegalArgumentException tooLarge = assertThrows(IllegalArgumentException.class,
            () -> new ChronicleStateBackend(new ChronicleStateBackend.Context().chunkSizeBytes(8192)));
        assertTrue(tooLarge.getMessage().contains("chunkSizeBytes") && tooLarge.getMessage().contains("8192"),
            tooLarge.getMessage());
    }

    @Test
    @Timeout(60)
    void shouldRoundTripLargeAndEmptyValues()
    {
        final Random random = new Random(seed());
        final ChronicleKeyedStateStore store = store(new ChronicleStateBackend.Context(), 1000);
        final byte[] large = new byte[256 * 1024];
        random.nextBytes(large);
        final byte[] medium = new byte[64 * 1024];
        random.nextBytes(medium);
        for (int i = 0; i < 20; i++)
        {
            put(store, key(i), i % 2 == 0 ? large : medium, i % 3 == 0);
        }
        put(store, key(100), new byte[0]);
        put(store, key(101), new byte[0], true);
        for (int i = 0; i < 20; i++)
        {
            assertArrayEquals(i % 2 == 0 ? large : medium, get(store, key(i), i % 3 == 1));
        }
        assertArrayEquals(new byte[0], get(store, key(100), false));
        assertArrayEquals(new byte[0], get(store, key(101), true));
        assertNull(get(store, key(102), false));

        // A fixed-size caller buffer that is big enough also works.
        final UnsafeBuffer fixed = new UnsafeBuffer(ByteBuffer.allocateDirect(large.length));
        assertEquals(large.length, store.get(keyOf(key(0), false), key(0).length, fixed));
        put(store, key(0), new byte[]{ 1 });
        assertArrayEquals(new byte[]{ 1 }, get(store, key(0), false));
    }

    @Test
    @Timeout(120)
    void shouldGrowPastDeclaredEntriesKeepingEveryKey()
    {
        final ChronicleKeyedStateStore store = store(
            new ChronicleStateBackend.Context().entriesPerShard(10_000).averageValueSizeBytes(8), 0);
        final byte[] value = new byte[8];
        final int keys = 200_000;
        for (int i = 0; i < keys; i++)
        {
            value[0] = (byte)i;
            value[7] = (byte)(i >>> 8);
            put(store, key(i), value);
        }
        assertEquals(keys, store.entryCount());
        assertTrue(store.generation() > 0, "map should have grown");
        assertTrue(store.configuredEntries() >= keys / 4, "configured " + store.configuredEntries());
        for (int i = 0; i < keys; i += 7)
        {
            final byte[] actual = get(store, key(i), false);
            assertNotNull(actual, "key " + i);
            assertEquals((byte)i, actual[0]);
            assertEquals((byte)(i >>> 8), actual[7]);
        }
    }

    @Test
    @Timeout(60)
    void shouldFailClearlyWhenFullAndGrowthDisabled()
    {
        final ChronicleKeyedStateStore store = store(new ChronicleStateBackend.Context()
            .entriesPerShard(1000).maxBloatFactor(1.0).averageValueSizeBytes(8).growOnFull(false), 0);
        final ChronicleMapFullException ex = assertThrows(ChronicleMapFullException.class, () ->
        {
            for (int i = 0; i < 1_000_000; i++)
            {
                put(store, key(i), new byte[8]);
            }
        });
        System.out.println(ex.getMessage());
        assertTrue(ex.getMessage().contains("shard 7"), ex.getMessage());
        assertTrue(ex.getMessage().contains("entries=1000"), ex.getMessage());
        assertTrue(ex.getMessage().contains("entriesPerShard"), ex.getMessage());
    }

    @Test
    @Timeout(120)
    void shouldReadFullSnapshotAtSnapshotPointOnAnotherThreadWhileShardWrites() throws Exception
    {
        final Random random = new Random(seed());
        final ChronicleKeyedStateStore store = store(new ChronicleStateBackend.Context().entriesPerShard(4096), 0);
        final Map<ByteBuffer, byte[]> model = new HashMap<>();
        for (int i = 0; i < 20_000; i++)
        {
            final byte[] value = randomValue(random, 64);
            put(store, key(i), value);
            model.put(ByteBuffer.wrap(key(i)), value);
        }
        final Map<ByteBuffer, byte[]> atSnapshotPoint = new HashMap<>(model);

        final StoreSnapshot snapshot = store.snapshot(1, true);
        assertTrue(snapshot.isFull());
        assertEquals(1, snapshot.checkpointId());
        // The reader pauses at its first entry and half-way until the writer made progress, so writes land
        // before, during and after the visits of segments (latches, not sleeps).
        final AtomicBoolean readerDone = new AtomicBoolean();
        final CountDownLatch firstWrites = new CountDownLatch(1);
        final CountDownLatch moreWrites = new CountDownLatch(1);
        final CompletableFuture<Map<ByteBuffer, byte[]>> reader = CompletableFuture.supplyAsync(() ->
        {
            try
            {
                final int[] visited = { 0 };
                return read(snapshot, () ->
                {
                    if (visited[0] == 0)
                    {
                        await(firstWrites);
                    }
                    else if (visited[0] == atSnapshotPoint.size() / 2)
                    {
                        await(moreWrites);
                    }
                    visited[0]++;
                });
            }
            finally
            {
                readerDone.set(true);
            }
        });

        int rounds = 0;
        int roundsWhileReading = 0;
        while (!readerDone.get() || rounds < 40_000)
        {
            if (rounds == 5_000)
            {
                firstWrites.countDown();
            }
            else if (rounds == 15_000)
            {
                moreWrites.countDown();
            }
            final int i = random.nextInt(40_000);
            final byte[] key = key(i);
            if (random.nextInt(4) == 0)
            {
                remove(store, key);
                model.remove(ByteBuffer.wrap(key));
            }
            else
            {
                final byte[] value = randomValue(random, 64);
                put(store, key, value);
                model.put(ByteBuffer.wrap(key), value);
            }
            rounds++;
            if (!readerDone.get())
            {
                roundsWhileReading++;
            }
        }
        assertSameContents(atSnapshotPoint, reader.get(60, TimeUnit.SECONDS));
        snapshot.release();
        snapshot.release();
        assertSameContents(model, live(store));
        System.out.println("writes after the snapshot point: " + rounds + ", while the reader ran: " + roundsWhileReading);
        assertTrue(roundsWhileReading >= 15_000, "writes while reading " + roundsWhileReading);
    }

    @Test
    @Timeout(60)
    void shouldYieldRemovedKeysFromPreImagesAndSkipKeysInsertedAfterTheSnapshotPoint()
    {
        final ChronicleKeyedStateStore store = store(new ChronicleStateBackend.Context(), 1000);
        final Map<ByteBuffer, byte[]> expected = new HashMap<>();
        for (int i = 0; i < 500; i++)
        {
            put(store, key(i), new byte[]{ (byte)i });
            expected.put(ByteBuffer.wrap(key(i)), new byte[]{ (byte)i });
        }
        final StoreSnapshot snapshot = store.snapshot(3, true);
        for (int i = 0; i < 500; i += 2)
        {
            remove(store, key(i));
        }
        for (int i = 1; i < 500; i += 4)
        {
            put(store, key(i), new byte[]{ 9, 9 });
        }
        for (int i = 500; i < 700; i++)
        {
            put(store, key(i), new byte[]{ 1 });
            if (i % 3 == 0)
            {
                remove(store, key(i));
            }
        }
        assertSameContents(expected, read(snapshot));
        // The readers consume pre-images as they go, so a second pass is refused rather than wrong.
        final IllegalStateException again = assertThrows(IllegalStateException.class, () -> read(snapshot));
        assertTrue(again.getMessage().contains("read once"), again.getMessage());
        snapshot.release();
        assertThrows(IllegalStateException.class, () -> read(snapshot));
    }

    @Test
    @Timeout(60)
    void shouldRemoveAKeyJustReadWithoutASecondLookUpAndLogItsTombstone() throws Exception
    {
        final ChronicleKeyedStateStore store = store(new ChronicleStateBackend.Context(), 1000);
        for (int i = 0; i < 10; i++)
        {
            put(store, key(i), new byte[]{ (byte)i });
        }
        store.snapshot(1, true).release();
        put(store, key(4), new byte[]{ 44 });                   // changed in the interval, then read and removed

        final long before = store.lookups();
        for (final int i : new int[]{ 3, 4 })
        {
            assertArrayEquals(new byte[]{ (byte)(i == 4 ? 44 : i) }, get(store, key(i), false));
            assertTrue(remove(store, key(i)));
        }
        assertEquals(2, store.lookups() - before, "a remove right after a get of its key reuses the get's look-up");
        assertNull(get(store, key(3), false));
        assertFalse(remove(store, key(3)));
        assertArrayEquals(new byte[]{ 5 }, get(store, key(5), false));
        assertFalse(remove(store, key(6000)), "the open look-up of another key is closed, not reused");
        assertArrayEquals(new byte[]{ 5 }, get(store, key(5), false));
        assertEquals(8, store.entryCount());

        final Map<ByteBuffer, byte[]> expected = new HashMap<>();
        expected.put(ByteBuffer.wrap(key(3)), TOMBSTONE);
        expected.put(ByteBuffer.wrap(key(4)), TOMBSTONE);
        final StoreSnapshot delta = store.snapshot(2, false);
        assertSameContents(expected, read(delta));
        delta.release();
    }

    @Test
    @Timeout(60)
    void shouldKeepTheTombstoneOfAKeyHeldAtTheLastPointWhoseWriteFailedOnAFullMapAndWasRetried() throws Exception
    {
        final ChronicleKeyedStateStore store = store(new ChronicleStateBackend.Context(), 200);
        final int keys = 2_000;
        for (int i = 0; i < keys; i++)
        {
            put(store, key(i), new byte[]{ (byte)i });
        }
        store.snapshot(1, true).release();
        final int generation = store.generation();
        for (int i = 0; i < keys; i++)
        {
            put(store, key(i), new byte[1_000]);    // larger: removed and inserted again, failing where a tier is full
        }
        assertTrue(store.generation() > generation, "the map grew while the keys were rewritten");
        final Map<ByteBuffer, byte[]> expected = new HashMap<>();
        for (int i = 0; i < keys; i++)
        {
            assertTrue(remove(store, key(i)));
            expected.put(ByteBuffer.wrap(key(i)), TOMBSTONE);
        }
        final StoreSnapshot delta = store.snapshot(2, false);
        assertSameContents(expected, CompletableFuture.supplyAsync(() -> read(delta)).get(30, TimeUnit.SECONDS));
        delta.release();
    }

    @Test
    @Timeout(60)
    void shouldHoldExactlyChangedKeysAndTombstonesInDeltaAfterFull() throws Exception
    {
        final ChronicleKeyedStateStore store = store(new ChronicleStateBackend.Context(), 1000);
        for (int i = 0; i < 100; i++)
        {
            put(store, key(i), new byte[]{ (byte)i });
        }
        final StoreSnapshot full = store.snapshot(1, true);
        assertEquals(-1, full.entriesHint(), "a full snapshot by scan does not know its entries without counting");
        assertEquals(100, read(full).size());
        full.release();

        put(store, key(1), new byte[]{ 11 });          // overwrite
        put(store, key(2), new byte[]{ 12 });
        put(store, key(2), new byte[]{ 22 });          // overwritten twice
        remove(store, key(3));                          // tombstone
        put(store, key(200), new byte[]{ 2, 0, 0 });   // insert
        put(store, key(201), new byte[0]);             // insert empty
        put(store, key(202), new byte[]{ 1 });
        remove(store, key(202));                        // inserted then removed: not in the delta
        remove(store, key(999));                        // absent, not a change

        final StoreSnapshot delta = store.snapshot(2, false);
        assertFalse(delta.isFull());
        assertTrue(delta.entriesHint() >= 6 && delta.entriesHint() <= 8,
            "a record per change logged, superseded ones included: " + delta.entriesHint());
        // Shard writes after the delta's snapshot point must not leak into it.
        put(store, key(1), new byte[]{ 99 });
        remove(store, key(2));
        put(store, key(3), new byte[]{ 33 });
        put(store, key(202), new byte[]{ 42 });
        remove(store, key(200));
        put(store, key(50), new byte[]{ 50, 50 });

        final Map<ByteBuffer, byte[]> expected = new HashMap<>();
        expected.put(ByteBuffer.wrap(key(1)), new byte[]{ 11 });
        expected.put(ByteBuffer.wrap(key(2)), new byte[]{ 22 });
        expected.put(ByteBuffer.wrap(key(3)), TOMBSTONE);
        expected.put(ByteBuffer.wrap(key(200)), new byte[]{ 2, 0, 0 });
        expected.put(ByteBuffer.wrap(key(201)), new byte[0]);
        assertSameContents(expected, CompletableFuture.supplyAsync(() -> read(delta)).get(30, TimeUnit.SECONDS));
        delta.release();

        // The next delta holds exactly what changed after the previous snapshot point.
        final StoreSnapshot next = store.snapshot(3, false);
        final Map<ByteBuffer, byte[]> nextExpected = new HashMap<>();
        nextExpected.put(ByteBuffer.wrap(key(1)), new byte[]{ 99 });
        nextExpected.put(ByteBuffer.wrap(key(2)), TOMBSTONE);
        nextExpected.put(ByteBuffer.wrap(key(3)), new byte[]{ 33 });
        nextExpected.put(ByteBuffer.wrap(key(202)), new byte[]{ 42 });
        nextExpected.put(ByteBuffer.wrap(key(200)), TOMBSTONE);
        nextExpected.put(ByteBuffer.wrap(key(50)), new byte[]{ 50, 50 });
        assertSameContents(nextExpected, read(next));
        next.release();

        // A full snapshot resets change tracking: an immediate delta is empty.
        store.snapshot(4, true).release();
        final StoreSnapshot empty = store.snapshot(5, false);
        assertTrue(read(empty).isEmpty());
        empty.release();
    }

    @Test
    @Timeout(60)
    void shouldLogNothingForAKeyInsertedAndRemovedBetweenTwoSnapshotPoints() throws Exception
    {
        final ChronicleKeyedStateStore store = store(new ChronicleStateBackend.Context(), 1000);
        put(store, key(1), new byte[]{ 1 });
        put(store, key(2), new byte[]{ 2 });
        store.snapshot(1, true).release();

        put(store, key(10), new byte[]{ 10 });
        remove(store, key(10));                         // a window opened and fired: nothing
        put(store, key(11), new byte[]{ 11 });
        for (int size = 2; size <= 4_096; size *= 2)
        {
            put(store, key(11), new byte[size]);        // grows past its record's room: moved in the log
        }
        remove(store, key(11));                         // nothing either
        put(store, key(12), new byte[]{ 12 });
        remove(store, key(12));
        put(store, key(12), new byte[]{ 21 });          // back in the interval: its latest value
        remove(store, key(1));                          // held at the last snapshot point: a tombstone
        put(store, key(1), new byte[]{ 111 });
        remove(store, key(1));                          // back and gone again: still a tombstone
        put(store, key(20), new byte[]{ 20 });          // inserted here, removed in the next interval
        assertEquals(1, store.changeLog().absentKeys.size(), "only key 1 is indexed as removed");

        final StoreSnapshot delta = store.snapshot(2, false);
        final Map<ByteBuffer, byte[]> expected = new HashMap<>();
        expected.put(ByteBuffer.wrap(key(12)), new byte[]{ 21 });
        expected.put(ByteBuffer.wrap(key(1)), TOMBSTONE);
        expected.put(ByteBuffer.wrap(key(20)), new byte[]{ 20 });
        assertSameContents(expected, CompletableFuture.supplyAsync(() -> read(delta)).get(30, TimeUnit.SECONDS));
        delta.release();

        remove(store, key(20));
        put(store, key(30), new byte[]{ 30 });
        remove(store, key(30));
        final StoreSnapshot next = store.snapshot(3, false);
        final Map<ByteBuffer, byte[]> nextExpected = new HashMap<>();
        nextExpected.put(ByteBuffer.wrap(key(20)), TOMBSTONE);
        assertSameContents(nextExpected, read(next));
        next.release();
    }

    @Test
    @Timeout(120)
    void shouldReplayFullPlusDeltaChainToTheStateAtEverySnapshotPoint()
    {
        replayFullPlusDeltaChain(false);
    }

    @Test
    @Timeout(120)
    void shouldReplayTheChainWhenTheFirstFullSnapshotIsTheLogOfAStoreTrackedFromEmpty()
    {
        replayFullPlusDeltaChain(true);
    }

    @Test
    @Timeout(60)
    void shouldTrackChangesFromStartOnlyWhileTheStoreIsEmpty()
    {
        final ChronicleKeyedStateStore store = store(new ChronicleStateBackend.Context(), 1000);
        putKeys(store, 10, (byte)1);
        store.prepareForCheckpoints();
        // Not tracked from empty: a delta first is still refused, and the first full snapshot scans the map.
        assertThrows(IllegalStateException.class, () -> store.snapshot(1, false));
        final StoreSnapshot full = store.snapshot(2, true);
        putKeys(store, 10, (byte)2);
        final Map<ByteBuffer, byte[]> contents = read(full);
        full.release();
        assertEquals(10, contents.size());
        contents.values().forEach(v -> assertArrayEquals(new byte[]{ 1 }, v));
    }

    private void replayFullPlusDeltaChain(final boolean trackFromStart)
    {
        // Keys are removed and re-inserted within and across intervals, and each snapshot is read only after
        // the next interval's writes (copy-on-write in flight), so stamps, absent keys and pre-images all matter.
        final Random random = new Random(seed());
        final ChronicleKeyedStateStore store = store(new ChronicleStateBackend.Context(), 4000);
        if (trackFromStart)
        {
            store.prepareForCheckpoints();
        }
        final Map<ByteBuffer, byte[]> model = new HashMap<>();
        final Map<ByteBuffer, byte[]> replayed = new HashMap<>();
        Map<ByteBuffer, byte[]> modelAtPoint = Map.of();
        StoreSnapshot inFlight = null;
        for (int point = 1; point <= 40; point++)
        {
            final int operations = random.nextInt(3000);
            for (int n = 0; n < operations; n++)
            {
                final byte[] key = key(random.nextInt(600));
                final int op = random.nextInt(10);
                if (op < 3)
                {
                    assertEquals(null != model.remove(ByteBuffer.wrap(key)), remove(store, key));
                }
                else if (op < 6)
                {
                    final byte[] value = randomValue(random, 12);
                    put(store, key, value);
                    model.put(ByteBuffer.wrap(key), value);
                }
                else if (op < 9)
                {
                    // Read-modify-write: the put reuses the get's open look-up.
                    final byte[] previous = get(store, key, random.nextBoolean());
                    assertArrayEquals(model.get(ByteBuffer.wrap(key)), previous);
                    final byte[] value = null == previous ? new byte[]{ 1 } : Arrays.copyOf(previous, previous.length + 1);
                    put(store, key, value);
                    model.put(ByteBuffer.wrap(key), value);
                }
                else
                {
                    assertArrayEquals(model.get(ByteBuffer.wrap(key)), get(store, key, false));
                }
            }
            if (null != inFlight)
            {
                // Read here on the shard's own thread: end its access first, as the shard does each duty cycle.
                store.endOfAccess();
                applyAndCompare(inFlight, replayed, modelAtPoint);
            }
            inFlight = store.snapshot(point, point == 1 || random.nextInt(8) == 0);
            // Only the first full snapshot of a store tracked from empty is its log; later ones scan.
            assertEquals(trackFromStart && point == 1, ((ChronicleStoreSnapshot)inFlight).isFromLog(),
                "snapshot " + point);
            modelAtPoint = new HashMap<>(model);
        }
        applyAndCompare(inFlight, replayed, modelAtPoint);
    }

    private static void applyAndCompare(
        final StoreSnapshot snapshot, final Map<ByteBuffer, byte[]> replayed, final Map<ByteBuffer, byte[]> expected)
    {
        final Map<ByteBuffer, byte[]> contents = read(snapshot);
        snapshot.release();
        if (snapshot.isFull())
        {
            replayed.clear();
            assertTrue(contents.values().stream().noneMatch(v -> v == TOMBSTONE), "a full snapshot has no tombstones");
        }
        for (final Map.Entry<ByteBuffer, byte[]> e : contents.entrySet())
        {
            if (e.getValue() == TOMBSTONE)
            {
                replayed.remove(e.getKey());
            }
            else
            {
                replayed.put(e.getKey(), e.getValue());
            }
        }
        assertSameContents(expected, replayed);
    }

    @Test
    @Timeout(120)
    void shouldReadDeltaAtSnapshotPointOnAnotherThreadWhileShardWrites() throws Exception
    {
        final Random random = new Random(seed());
        final ChronicleKeyedStateStore store = store(new ChronicleStateBackend.Context(), 10_000);
        final Map<ByteBuffer, byte[]> model = new HashMap<>();
        for (int i = 0; i < 5000; i++)
        {
            put(store, key(i), new byte[]{ (byte)i });
            model.put(ByteBuffer.wrap(key(i)), new byte[]{ (byte)i });
        }
        store.snapshot(1, true).release();
        final Set<ByteBuffer> atSnapshotPoint = new HashSet<>(model.keySet());
        final Map<ByteBuffer, byte[]> expected = new HashMap<>();
        for (int n = 0; n < 5000; n++)
        {
            final byte[] key = key(random.nextInt(8000));
            if (random.nextInt(3) == 0)
            {
                if (remove(store, key)) // removing an absent key is not a change
                {
                    if (atSnapshotPoint.contains(ByteBuffer.wrap(key)))
                    {
                        expected.put(ByteBuffer.wrap(key), TOMBSTONE);
                    }
                    else
                    {
                        expected.remove(ByteBuffer.wrap(key));   // inserted since: the delta need not name it
                    }
                }
                model.remove(ByteBuffer.wrap(key));
            }
            else
            {
                final byte[] value = randomValue(random, 32);
                put(store, key, value);
                model.put(ByteBuffer.wrap(key), value);
                expected.put(ByteBuffer.wrap(key), value);
            }
        }
        final StoreSnapshot delta = store.snapshot(2, false);
        final AtomicBoolean readerDone = new AtomicBoolean();
        final CompletableFuture<Map<ByteBuffer, byte[]>> reader = CompletableFuture.supplyAsync(() ->
        {
            try
            {
                return read(delta);
            }
            finally
            {
                readerDone.set(true);
            }
        });
        int rounds = 0;
        while (!readerDone.get() || rounds < 20_000)
        {
            final byte[] key = key(random.nextInt(8000));
            if (random.nextInt(3) == 0)
            {
                remove(store, key);
            }
            else
            {
                put(store, key, randomValue(random, 32));
            }
            rounds++;
        }
        assertSameContents(expected, reader.get(60, TimeUnit.SECONDS));
        delta.release();
    }

    @Test
    @Timeout(60)
    void shouldHoldEachChangedKeyOnceWithItsLatestValueWhenValuesGrowAndKeysComeBack()
    {
        final ChronicleKeyedStateStore store = store(new ChronicleStateBackend.Context(), 1000);
        putKeys(store, 100, (byte)1);
        store.snapshot(1, true).release();
        final Map<ByteBuffer, byte[]> expected = new HashMap<>();
        for (int i = 0; i < 100; i++)
        {
            // Values grow one byte per write, so the key's log record outgrows its capacity and moves, again
            // and again, between writes of other keys; some keys shrink back to one byte at the end.
            byte[] value = new byte[0];
            for (int w = 0; w < 1 + i % 40; w++)
            {
                value = Arrays.copyOf(value, value.length + 1);
                value[w] = (byte)(i + w);
                put(store, key(i), value);
                put(store, key(1000 + w), new byte[]{ (byte)w });
                expected.put(ByteBuffer.wrap(key(1000 + w)), new byte[]{ (byte)w });
            }
            if (i % 3 == 0)
            {
                value = new byte[]{ (byte)i };
                put(store, key(i), value);
            }
            expected.put(ByteBuffer.wrap(key(i)), value);
        }
        for (int i = 0; i < 100; i += 5)
        {
            // Removed, inserted again with a larger value, removed and inserted again: the key's record is found
            // through the absent-key index, after it moved.
            remove(store, key(i));
            put(store, key(i), new byte[]{ 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
                21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45 });
            remove(store, key(i));
            if (i % 10 == 0)
            {
                put(store, key(i), new byte[]{ 7 });
                expected.put(ByteBuffer.wrap(key(i)), new byte[]{ 7 });
            }
            else
            {
                expected.put(ByteBuffer.wrap(key(i)), TOMBSTONE);
            }
        }
        final StoreSnapshot delta = store.snapshot(2, false);
        assertSameContents(expected, read(delta));
        delta.release();
    }

    @Test
    @Timeout(60)
    void shouldRejectADeltaAsTheFirstSnapshotAndTrackChangesFromTheFirstFullOne()
    {
        final ChronicleKeyedStateStore store = store(new ChronicleStateBackend.Context(), 1000);
        putKeys(store, 50, (byte)1);
        final IllegalStateException ex = assertThrows(IllegalStateException.class, () -> store.snapshot(1, false));
        assertTrue(ex.getMessage().contains("first snapshot must be full"), ex.getMessage());
        putKeys(store, 10, (byte)2);
        final StoreSnapshot full = store.snapshot(2, true);
        assertEquals(50, read(full).size());
        full.release();
        put(store, key(3), new byte[]{ 3 });
        remove(store, key(4));
        final StoreSnapshot delta = store.snapshot(3, false);
        final Map<ByteBuffer, byte[]> expected = new HashMap<>();
        expected.put(ByteBuffer.wrap(key(3)), new byte[]{ 3 });
        expected.put(ByteBuffer.wrap(key(4)), TOMBSTONE);
        assertSameContents(expected, read(delta));
        delta.release();
    }

    @Test
    @Timeout(120)
    void shouldHoldEachKeyOnceInTheDeltaWhenOverwritesGrowTheMap()
    {
        // Each key's first change in the interval: when the larger value does not fit, the map grows and the put is
        // retried, with the entry still stamped with the interval before.
        holdEachKeyOnceWhenOverwritesGrowTheMap(false, DeltaLog.DEFAULT_SUPERSEDE_SLACK);
    }

    @Test
    @Timeout(120)
    void shouldHoldEachKeyOnceInTheDeltaWhenLaterOverwritesGrowTheMap()
    {
        // Each key's second change in the interval supersedes its log record; when the map grows, the put is retried
        // with the entry's header still naming the superseded record.
        holdEachKeyOnceWhenOverwritesGrowTheMap(true, DeltaLog.DEFAULT_SUPERSEDE_SLACK);
    }

    @Test
    @Timeout(120)
    void shouldHoldEachKeyOnceInTheDeltaWhenLaterOverwritesInPlaceGrowTheMap()
    {
        // As above, with the log updating records in place (as it does once superseded records outnumber live ones).
        holdEachKeyOnceWhenOverwritesGrowTheMap(true, -Integer.MAX_VALUE);
    }

    @Test
    @Timeout(120)
    void shouldKeepEveryOtherEntryWhenLargerValuesFillASegment()
    {
        final ChronicleKeyedStateStore store = store(
            new ChronicleStateBackend.Context().entriesPerShard(2_000).averageValueSizeBytes(8).maxBloatFactor(1.0), 0);
        final int keys = 2_000;
        final Map<ByteBuffer, byte[]> expected = new HashMap<>();
        for (int i = 0; i < keys; i++)
        {
            put(store, key(i), new byte[]{ (byte)i });
            expected.put(ByteBuffer.wrap(key(i)), new byte[]{ (byte)i });
        }
        final int generation = store.generation();
        final byte[] big = new byte[1000];
        for (int i = 0; i < keys; i += 2)
        {
            // Only the even keys are overwritten, so an odd key lost while a segment is full is not put back.
            big[0] = (byte)i;
            put(store, key(i), big);
            expected.put(ByteBuffer.wrap(key(i)), big.clone());
        }
        assertTrue(store.generation() > generation, "the overwrites should have grown the map");
        assertSameContents(expected, live(store));
        assertEquals(keys, store.entryCount());
    }

    private void holdEachKeyOnceWhenOverwritesGrowTheMap(final boolean changedBefore, final int supersedeSlack)
    {
        final ChronicleKeyedStateStore store = store(new ChronicleStateBackend.Context().entriesPerShard(2_000)
            .averageValueSizeBytes(8).maxBloatFactor(1.0).deltaLogSupersedeSlack(supersedeSlack), 0);
        final int keys = 2_000;
        putKeys(store, keys, (byte)1);
        store.snapshot(1, true).release();
        if (changedBefore)
        {
            putKeys(store, keys, (byte)2);
        }
        final int generation = store.generation();
        final Map<ByteBuffer, byte[]> expected = new HashMap<>();
        final byte[] big = new byte[1000];
        for (int i = 0; i < keys; i++)
        {
            big[0] = (byte)i;
            put(store, key(i), big);
            expected.put(ByteBuffer.wrap(key(i)), big.clone());
        }
        assertTrue(store.generation() > generation, "the overwrites should have grown the map");
        final StoreSnapshot delta = store.snapshot(2, false);
        assertSameContents(expected, read(delta));
        delta.release();
    }

    @Test
    @Timeout(60)
    void shouldSizeSegmentsForTheConfiguredEntriesPerSegment()
    {
        final ChronicleKeyedStateStore small = store(new ChronicleStateBackend.Context().entriesPerSegment(100), 100_000);
        assertTrue(small.segments() >= 1000, "segments " + small.segments());
        final ChronicleKeyedStateStore chronicles = store(new ChronicleStateBackend.Context(), 100_000);
        assertTrue(chronicles.segments() < small.segments(), chronicles.segments() + " vs " + small.segments());
        assertThrows(IllegalArgumentException.class,
            () -> new ChronicleStateBackend(new ChronicleStateBackend.Context().entriesPerSegment(-1)));
    }

    @Test
    @Timeout(60)
    void shouldRejectSecondSnapshotBeforeRelease()
    {
        final ChronicleKeyedStateStore store = store(new ChronicleStateBackend.Context(), 1000);
        put(store, key(1), new byte[]{ 1 });
        final StoreSnapshot first = store.snapshot(1, true);
        final IllegalStateException ex = assertThrows(IllegalStateException.class, () -> store.snapshot(2, false));
        assertTrue(ex.getMessage().contains("checkpoint 1"), ex.getMessage());
        first.release();
        final StoreSnapshot second = store.snapshot(2, false);
        assertEquals(2, second.checkpointId());
        second.release();
    }

    @Test
    @Timeout(120)
    void shouldKeepSnapshotConsistentWhenMapGrowsWhileInFlight()
    {
        final ChronicleKeyedStateStore store = store(
            new ChronicleStateBackend.Context().entriesPerShard(2000).averageValueSizeBytes(4), 0);
        final Map<ByteBuffer, byte[]> expected = new HashMap<>();
        for (int i = 0; i < 1000; i++)
        {
            put(store, key(i), new byte[]{ (byte)i, 1, 2, 3 });
            expected.put(ByteBuffer.wrap(key(i)), new byte[]{ (byte)i, 1, 2, 3 });
        }
        final StoreSnapshot snapshot = store.snapshot(1, true);
        final int generation = store.generation();
        for (int i = 0; i < 500; i++)
        {
            remove(store, key(i));
        }
        for (int i = 1000; i < 100_000; i++)
        {
            put(store, key(i), new byte[]{ 4, 3, 2, 1 });
        }
        for (int i = 500; i < 1000; i++)
        {
            put(store, key(i), new byte[]{ 0 });
        }
        assertTrue(store.generation() > generation, "map should have grown while the snapshot was in flight");
        assertSameContents(expected, read(snapshot));
        snapshot.release();
        assertEquals(99_500, store.entryCount());
    }

    @Test
    @Timeout(60)
    void shouldReopenFileBackedMapWithItsData() throws Exception
    {
        final ChronicleStateBackend backend = new ChronicleStateBackend(new ChronicleStateBackend.Context()
            .directory(dir).entriesPerShard(1000).averageValueSizeBytes(16));
        final KeyedStateStore first = backend.createStore(3, 0);
        for (int i = 0; i < 5000; i++) // past the declared entries: the file is replaced by a bigger one
        {
            put(first, key(i), ("v" + i).getBytes());
        }
        assertTrue(first.sizeBytes() > 0);
        first.close();
        assertTrue(Files.exists(dir.resolve("shard-3.cmap")));

        final KeyedStateStore reopened = backend.createStore(3, 0);
        stores.add(reopened);
        assertEquals(5000, reopened.entryCount());
        for (int i = 0; i < 5000; i++)
        {
            assertArrayEquals(("v" + i).getBytes(), get(reopened, key(i), false));
        }
    }

    @Test
    @Timeout(60)
    void shouldDeleteFileOnCloseWhenConfigured()
    {
        final KeyedStateStore store = new ChronicleStateBackend(new ChronicleStateBackend.Context()
            .directory(dir).deleteFilesOnClose(true)).createStore(1, 100);
        put(store, key(1), new byte[]{ 1 });
        assertTrue(Files.exists(dir.resolve("shard-1.cmap")));
        store.close();
        assertFalse(Files.exists(dir.resolve("shard-1.cmap")));
    }

    @Test
    @Timeout(60)
    void shouldRejectInvalidConfiguration()
    {
        assertThrows(IllegalArgumentException.class,
            () -> new ChronicleStateBackend(new ChronicleStateBackend.Context().maxBloatFactor(0.5)));
        assertThrows(IllegalArgumentException.class,
            () -> new ChronicleStateBackend(new ChronicleStateBackend.Context().averageValueSizeBytes(0)));
        final IllegalArgumentException segments = assertThrows(IllegalArgumentException.class,
            () -> new ChronicleStateBackend(new ChronicleStateBackend.Context().entriesPerSegment(-3)));
        assertTrue(segments.getMessage().contains("entriesPerSegment") && segments.getMessage().contains("-3"),
            segments.getMessage());
        final ChronicleStateBackend.Context ctx = new ChronicleStateBackend.Context();
        assertEquals("chronicle", new ChronicleStateBackend(ctx).name());
        assertThrows(IllegalStateException.class, () -> ctx.entriesPerShard(5));
    }

    @Test
    @Timeout(60)
    void shouldNotAllocateOnPrefetchGetPutAndRemoveInSteadyState()
    {
        final ChronicleKeyedStateStore store = store(new ChronicleStateBackend.Context(), 10_000);
        final byte[][] keys = new byte[1000][];
        for (int i = 0; i < keys.length; i++)
        {
            keys[i] = key(i);
        }
        final UnsafeBuffer value = new UnsafeBuffer(ByteBuffer.allocateDirect(16));
        final UnsafeBuffer prefetchKeys = new UnsafeBuffer(ByteBuffer.allocateDirect(16 * 64));
        final int[] prefetchLengths = new int[16];
        long allocated = 0;
        int allocatingRounds = 0;
        for (int round = 0; round < 30; round++)
        {
            final long before = ThreadAllocation.bytesSoFar();
            for (int i = 0; i < keys.length; i++)
            {
                if ((i & 15) == 0)
                {
                    // As a shard does: the next 16 events' keys, prefetched together.
                    for (int k = 0; k < 16 && i + k < keys.length; k++)
                    {
                        prefetchKeys.putBytes(k * 64, keys[i + k]);
                        prefetchLengths[k] = keys[i + k].length;
                    }
                    store.prefetch(prefetchKeys, 64, prefetchLengths, Math.min(16, keys.length - i));
                }
                keyBuffer.putBytes(0, keys[i]);
                value.putInt(0, i + round);
                store.put(keyBuffer, keys[i].length, value, 0, 16);
                store.get(keyBuffer, keys[i].length, out);
                if ((i & 7) == 0)
                {
                    store.remove(keyBuffer, keys[i].length);
                }
            }
            allocated = ThreadAllocation.bytesSoFar() - before;
            if (round >= 10 && allocated >= 1024)
            {
                allocatingRounds++;
            }
        }
        System.out.println("bytes allocated by 1000 put+get (+125 remove, 63 prefetches of 16) after warm-up: " + allocated);
        // Allocation, not time: once change tracking holds every key, a round allocates ~nothing.
        // A steady-state allocation shows in every round after warm-up. A few rounds allocate a few KB once in a
        // while (objects the JIT had scalar-replaced, rematerialized when a method deoptimizes).
        assertTrue(allocatingRounds <= 5, allocatingRounds + " of 20 rounds after warm-up allocated 1 KB or more");
    }

    @Test
    @Timeout(60)
    void shouldNotAllocateWhenSavingPreImagesInSteadyState()
    {
        final ChronicleKeyedStateStore store = store(new ChronicleStateBackend.Context(), 10_000);
        final byte[][] keys = new byte[1000][];
        for (int i = 0; i < keys.length; i++)
        {
            keys[i] = key(i);
            put(store, keys[i], new byte[16]);
        }
        final UnsafeBuffer value = new UnsafeBuffer(ByteBuffer.allocateDirect(16));
        long allocated = 0;
        int allocatingRounds = 0;
        long checksum = 0;
        for (int round = 0; round < 30; round++)
        {
            // Every key changes in every interval, so each snapshot in flight needs a pre-image of every key.
            final StoreSnapshot snapshot = store.snapshot(round + 1, round % 3 == 0);
            final long before = ThreadAllocation.bytesSoFar();
            for (int i = 0; i < keys.length; i++)
            {
                keyBuffer.putBytes(0, keys[i]);
                store.get(keyBuffer, keys[i].length, out);
                value.putLong(0, out.getLong(0) + i);
                store.put(keyBuffer, keys[i].length, value, 0, 16);
            }
            allocated = ThreadAllocation.bytesSoFar() - before;
            if (round >= 10 && allocated >= 1024)
            {
                allocatingRounds++;
            }
            store.endOfAccess();
            final int[] entries = {0};
            snapshot.forEach((key, keyLength, v, valueLength) -> entries[0]++);
            snapshot.release();
            checksum += entries[0];
        }
        System.out.println("bytes allocated by 1000 read-modify-writes saving pre-images after warm-up: " + allocated);
        // A steady-state allocation shows in every round after warm-up. A few rounds allocate a few KB once in a
        // while (objects the JIT had scalar-replaced, rematerialized when a method deoptimizes).
        assertTrue(allocatingRounds <= 5, allocatingRounds + " of 20 rounds after warm-up allocated 1 KB or more");
        assertEquals(30L * keys.length, checksum);
    }

    @ParameterizedTest(name = "full: {0}")
    @ValueSource(booleans = {true, false})
    @Timeout(60)
    void shouldReadLaterSnapshotsAtTheirPointAfterOneWasReleasedUnread(final boolean full)
    {
        final ChronicleKeyedStateStore store = store(new ChronicleStateBackend.Context(), 1000);
        putKeys(store, 200, (byte)1);
        store.snapshot(1, true).release(); // a store's first snapshot is full
        putKeys(store, 200, (byte)2);
        // In flight and released without a read: it saved a pre-image of every key, and consumed none.
        final StoreSnapshot abandoned = store.snapshot(2, full);
        putKeys(store, 200, (byte)3);
        abandoned.release();
        final Map<ByteBuffer, byte[]> expected = new HashMap<>();
        for (int i = 0; i < 200; i++)
        {
            expected.put(ByteBuffer.wrap(key(i)), new byte[]{ 3 });
        }

        for (int point = 3; point <= 5; point++)
        {
            // Every key changed in the interval before, but only half of them change while this one is in
            // flight: the other half's slots must not hold anything left from the abandoned snapshot.
            final StoreSnapshot snapshot = store.snapshot(point, full);
            for (int i = 0; i < 200; i += 2)
            {
                put(store, key(i), new byte[]{ (byte)(point + 1) });
            }
            assertSameContents(expected, read(snapshot));
            snapshot.release();
            for (int i = 0; i < 200; i++)
            {
                put(store, key(i), new byte[]{ (byte)(point + 1) });
                expected.put(ByteBuffer.wrap(key(i)), new byte[]{ (byte)(point + 1) });
            }
        }
    }

    /**
     * A full snapshot copied by the shard (captureByOwner) is exactly the state at its snapshot point while the shard
     * goes on writing between its copy steps, with the reader on another thread and values large enough that the
     * shard's copy waits for the reader (the staging holds 8 MiB), through a second such snapshot (reused staging).
     */
    @ParameterizedTest(name = "value bytes up to {0}")
    @ValueSource(ints = {64, 4096})
    @Timeout(120)
    void shouldReadAFullSnapshotTheShardCopiesAtItsSnapshotPointWhileTheShardWrites(final int maxValueBytes)
        throws Exception
    {
        final long seed = seed();
        final Random random = new Random(seed);
        final ChronicleKeyedStateStore store = store(new ChronicleStateBackend.Context().entriesPerShard(8192)
            .averageValueSizeBytes(maxValueBytes / 2.0), 0);
        final Map<ByteBuffer, byte[]> model = new HashMap<>();
        for (int i = 0; i < 8_000; i++)
        {
            final byte[] value = randomValue(random, maxValueBytes);
            put(store, key(i), value);
            model.put(ByteBuffer.wrap(key(i)), value);
        }
        store.snapshot(1, true).release(); // from the log, not a scan
        for (long point = 2; point <= 3; point++)
        {
            final Map<ByteBuffer, byte[]> atSnapshotPoint = new HashMap<>(model);
            final StoreSnapshot snapshot = store.snapshot(point, true);
            assertTrue(snapshot.captureByOwner(), "a full scan is copied by the shard");
            final AtomicBoolean readerDone = new AtomicBoolean();
            // With large values the reader waits at its first entry until the shard's copy has waited for it.
            final CountDownLatch copyWaited = new CountDownLatch(maxValueBytes > 1024 ? 1 : 0);
            final CompletableFuture<Map<ByteBuffer, byte[]>> reader = CompletableFuture.supplyAsync(() ->
            {
                try
                {
                    return read(snapshot, () -> await(copyWaited));
                }
                finally
                {
                    readerDone.set(true);
                }
            });
            int steps = 0;
            int stalledSteps = 0;
            while (snapshot.isCapturing() || !readerDone.get())
            {
                for (int w = 0; w < 3; w++)
                {
                    final byte[] key = key(random.nextInt(12_000));
                    if (random.nextInt(4) == 0)
                    {
                        remove(store, key);
                        model.remove(ByteBuffer.wrap(key));
                    }
                    else
                    {
                        final byte[] value = randomValue(random, maxValueBytes);
                        put(store, key, value);
                        model.put(ByteBuffer.wrap(key), value);
                    }
                }
                if (snapshot.isCapturing())
                {
                    steps++;
                    if (0 == snapshot.captureStep() && snapshot.isCapturing())
                    {
                        stalledSteps++;
                        copyWaited.countDown();
                    }
                }
            }
            assertSameContents(atSnapshotPoint, reader.get(60, TimeUnit.SECONDS));
            snapshot.release();
            assertSameContents(model, live(store));
            System.out.println("seed " + seed + ": snapshot " + point + " copied in " + steps + " steps, " +
                stalledSteps + " waiting for the reader");
            if (maxValueBytes > 1024)
            {
                assertTrue(stalledSteps > 0, "the copy should have waited for the reader at least once (seed " + seed + ")");
            }
        }
    }

    /**
     * The reader of a snapshot the shard copied takes no segment lock: it reads the whole snapshot while another
     * thread holds the write lock of a key's segment. A reader that visited the segments itself would wait for that lock, as
     * the shard waited for a descheduled reader's.
     */
    @Test
    @Timeout(60)
    void shouldReadASnapshotTheShardCopiedWithoutTakingASegmentLock() throws Exception
    {
        final ChronicleKeyedStateStore store = store(new ChronicleStateBackend.Context().entriesPerShard(4096), 0);
        store.snapshot(1, true).release();
        putKeys(store, 2000, (byte)7);
        final StoreSnapshot snapshot = store.snapshot(2, true);
        snapshot.captureByOwner();
        while (snapshot.isCapturing())
        {
            snapshot.captureStep();
        }
        final CountDownLatch locked = new CountDownLatch(1);
        final CountDownLatch unlock = new CountDownLatch(1);
        final Thread holder = new Thread(() ->
        {
            try (net.openhft.chronicle.map.ExternalMapQueryContext<byte[], byte[], ?> c =
                store.map().queryContext(key(0)))
            {
                c.writeLock().lock();
                locked.countDown();
                await(unlock);
            }
        });
        holder.start();
        await(locked);
        try
        {
            final Map<ByteBuffer, byte[]> read = CompletableFuture.supplyAsync(() -> read(snapshot))
                .get(10, TimeUnit.SECONDS);
            assertEquals(2000, read.size());
        }
        finally
        {
            unlock.countDown();
            holder.join();
            snapshot.release();
        }
    }

    /** A shard that stops before its copy is complete makes the reader fail, naming the checkpoint, not wait. */
    @Test
    @Timeout(60)
    void shouldFailTheReaderWhenTheShardAbandonsItsCopy()
    {
        final ChronicleKeyedStateStore store = store(new ChronicleStateBackend.Context().entriesPerShard(4096), 0);
        store.snapshot(1, true).release();
        putKeys(store, 2000, (byte)7);
        final StoreSnapshot snapshot = store.snapshot(2, true);
        assertTrue(snapshot.captureByOwner());
        snapshot.captureStep();
        snapshot.abandonCapture();
        assertFalse(snapshot.isCapturing());
        final IllegalStateException ex = assertThrows(IllegalStateException.class, () -> read(snapshot));
        assertTrue(ex.getMessage().contains("checkpoint 2"), ex.getMessage());
        snapshot.release();
        // The next full snapshot reuses the staging, clean.
        final StoreSnapshot next = store.snapshot(3, true);
        assertTrue(next.captureByOwner());
        while (next.isCapturing())
        {
            next.captureStep();
        }
        assertEquals(2000, read(next).size());
        next.release();
    }
}
