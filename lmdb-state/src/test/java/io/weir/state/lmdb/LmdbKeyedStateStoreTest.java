package io.weir.state.lmdb;

import io.weir.snapshot.TestSeeds;
import io.weir.state.spi.KeyedStateStore;
import io.weir.state.spi.StoreSnapshot;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.lmdbjava.Dbi;
import org.lmdbjava.DbiFlags;
import org.lmdbjava.Env;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.weir.state.lmdb.StoreTestSupport.compositeKey;
import static io.weir.state.lmdb.StoreTestSupport.contents;
import static io.weir.state.lmdb.StoreTestSupport.get;
import static io.weir.state.lmdb.StoreTestSupport.put;
import static io.weir.state.lmdb.StoreTestSupport.remove;
import static io.weir.state.lmdb.StoreTestSupport.wrap;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(TestSeeds.class)
class LmdbKeyedStateStoreTest
{
    private static final int DEFAULT_SLACK = Integer.MAX_VALUE;
    private static final int NEVER_SUPERSEDE = -1_000_000_000;

    @TempDir
    Path dir;

    private LmdbStateBackend backend()
    {
        return LmdbStateBackend.create(dir).initialMapSizeBytes(64L << 20);
    }

    private static byte[] value(final long id, final int length)
    {
        final byte[] value = new byte[length];
        new Random(id).nextBytes(value);
        return value;
    }

    @Test
    @Timeout(60)
    void shouldMatchHashMapModelUnderRandomOps()
    {
        final long seed = TestSeeds.seed("shouldMatchHashMapModelUnderRandomOps");
        final Random random = new Random(seed);
        final Map<ByteBuffer, byte[]> model = new HashMap<>();
        final ExpandableDirectByteBuffer out = new ExpandableDirectByteBuffer(8);

        try (KeyedStateStore store = backend().writeBatchSize(37).createStore(0, 0))
        {
            for (int i = 0; i < 20_000; i++)
            {
                final byte[] key = compositeKey(random.nextInt(2_000));
                // Mix off-heap and heap-backed buffers: the store must copy heap ones before they reach LMDB.
                final boolean heap = random.nextInt(4) == 0;
                final int op = random.nextInt(10);
                if (op < 5)
                {
                    final byte[] value = new byte[random.nextInt(200)];
                    random.nextBytes(value);
                    final int valueOffset = random.nextInt(3);
                    final byte[] padded = new byte[valueOffset + value.length + 1];
                    System.arraycopy(value, 0, padded, valueOffset, value.length);
                    if (heap)
                    {
                        store.put(new UnsafeBuffer(key), key.length, new UnsafeBuffer(padded), valueOffset, value.length);
                    }
                    else
                    {
                        store.put(StoreTestSupport.direct(key), key.length, StoreTestSupport.direct(padded),
                            valueOffset, value.length);
                    }
                    model.put(wrap(key), value);
                }
                else if (op < 7)
                {
                    final boolean removed = heap ?
                        store.remove(new UnsafeBuffer(key), key.length) : remove(store, key);
                    assertEquals(null != model.remove(wrap(key)), removed, "remove result, seed=" + seed);
                }
                else
                {
                    final int length = heap ?
                        store.get(new UnsafeBuffer(key), key.length, out) :
                        store.get(StoreTestSupport.direct(key), key.length, out);
                    final byte[] expected = model.get(wrap(key));
                    if (null == expected)
                    {
                        assertEquals(KeyedStateStore.MISSING, length, "seed=" + seed);
                    }
                    else
                    {
                        assertEquals(expected.length, length, "seed=" + seed);
                        assertArrayEquals(expected, StoreTestSupport.copy(out, length), "seed=" + seed);
                    }
                }
                if (i % 1_000 == 0)
                {
                    assertEquals(model.size(), store.entryCount(), "entryCount, seed=" + seed);
                }
            }

            assertEquals(model.size(), store.entryCount(), "seed=" + seed);
            final Map<ByteBuffer, ByteBuffer> actual = contents(store);
            assertEquals(model.size(), actual.size(), "seed=" + seed);
            for (final Map.Entry<ByteBuffer, byte[]> e : model.entrySet())
            {
                assertEquals(ByteBuffer.wrap(e.getValue()), actual.get(e.getKey()), "seed=" + seed);
            }
        }
    }

    @Test
    @Timeout(30)
    void shouldVisitEntriesInKeyGroupThenStateOrder()
    {
        try (KeyedStateStore store = backend().createStore(0, 0))
        {
            put(store, compositeKey(300, 1, new byte[]{ 1 }), new byte[]{ 1 });
            put(store, compositeKey(2, 7, new byte[]{ 9 }), new byte[]{ 2 });
            put(store, compositeKey(2, 1, new byte[]{ 9, 9 }), new byte[]{ 3 });
            final List<Integer> order = new ArrayList<>();
            store.forEach((key, keyLength, value, valueLength) -> order.add((int)value.getByte(0)));
            assertEquals(List.of(3, 2, 1), order);
        }
    }

    @Test
    @Timeout(30)
    void shouldStoreLargeAndEmptyValues()
    {
        try (KeyedStateStore store = backend().writeBatchSize(3).createStore(0, 0))
        {
            final byte[] empty = compositeKey(1);
            final byte[] large = compositeKey(2);
            final byte[] huge = compositeKey(3);
            put(store, empty, new byte[0]);
            put(store, large, value(2, 64 * 1024));
            put(store, huge, value(3, 3 * 1024 * 1024 + 7));

            final ExpandableDirectByteBuffer out = new ExpandableDirectByteBuffer(4);
            assertEquals(0, store.get(StoreTestSupport.direct(empty), empty.length, out));
            assertArrayEquals(value(2, 64 * 1024), get(store, large));
            assertArrayEquals(value(3, 3 * 1024 * 1024 + 7), get(store, huge));

            put(store, large, new byte[0]);
            assertArrayEquals(new byte[0], get(store, large));
            put(store, empty, value(4, 70_000));
            assertArrayEquals(value(4, 70_000), get(store, empty));
            assertEquals(3, store.entryCount());

            final StoreSnapshot snapshot = store.snapshot(1, true);
            final Map<ByteBuffer, ByteBuffer> snap = contents(snapshot);
            snapshot.release();
            assertEquals(ByteBuffer.wrap(new byte[0]), snap.get(wrap(large)));
            assertEquals(ByteBuffer.wrap(value(4, 70_000)), snap.get(wrap(empty)));
        }
    }

    @Test
    @Timeout(30)
    void shouldRejectKeysLongerThanLmdbMaxKeySize()
    {
        try (LmdbKeyedStateStore store = (LmdbKeyedStateStore)backend().createStore(0, 0))
        {
            assertEquals(511, store.maxKeyLength());
            final byte[] ok = compositeKey(1, 1, new byte[511 - 6]);
            put(store, ok, new byte[]{ 1 });
            assertArrayEquals(new byte[]{ 1 }, get(store, ok));

            final byte[] tooLong = compositeKey(1, 1, new byte[512 - 6]);
            final IllegalArgumentException ex = assertThrows(
                IllegalArgumentException.class, () -> put(store, tooLong, new byte[]{ 1 }));
            assertTrue(ex.getMessage().contains("512") && ex.getMessage().contains("511"), ex.getMessage());
            assertThrows(IllegalArgumentException.class, () -> get(store, tooLong));
            assertThrows(IllegalArgumentException.class, () -> remove(store, tooLong));
            assertEquals(1, store.entryCount());
        }
    }

    @Test
    @Timeout(120)
    void shouldGrowFullMapWithoutLosingWrites()
    {
        // One transaction for everything: the map fills mid-batch and the whole batch is replayed after growth.
        final LmdbStateBackend tiny = LmdbStateBackend.create(dir)
            .initialMapSizeBytes(1L << 20)
            .writeBatchSize(1_000_000)
            .writeBatchBytes(1 << 30);
        final int entries = 40_000;
        try (LmdbKeyedStateStore store = (LmdbKeyedStateStore)tiny.createStore(0, 0))
        {
            assertEquals(1L << 20, store.mapSizeBytes());
            for (int i = 0; i < entries; i++)
            {
                put(store, compositeKey(i), value(i, 100 + i % 200));
            }
            for (int i = 0; i < entries; i += 3)
            {
                assertTrue(remove(store, compositeKey(i)));
            }
            assertTrue(store.mapFullRecoveries() > 0, "expected MapFull recoveries");
            assertTrue(store.mapSizeBytes() > 8L << 20, "map size " + store.mapSizeBytes());
            assertEquals(entries - (entries + 2) / 3, store.entryCount());
            for (int i = 0; i < entries; i++)
            {
                final byte[] actual = get(store, compositeKey(i));
                if (i % 3 == 0)
                {
                    assertNull(actual);
                }
                else
                {
                    assertArrayEquals(value(i, 100 + i % 200), actual, "entry " + i);
                }
            }
        }
    }

    @Test
    @Timeout(120)
    void shouldReplaceReadEntriesAtTheCursorWhileTheMapFillsAndGrows()
    {
        // Read-modify-writes with growing values in one transaction: the puts that replace the entry just read
        // (at the cursor) fill the map, and after growth the batch is replayed by plain puts.
        final LmdbStateBackend tiny = LmdbStateBackend.create(dir)
            .initialMapSizeBytes(1L << 20)
            .writeBatchSize(1_000_000)
            .writeBatchBytes(1 << 30);
        final int entries = 10_000;
        try (LmdbKeyedStateStore store = (LmdbKeyedStateStore)tiny.createStore(0, 0))
        {
            for (int i = 0; i < entries; i++)
            {
                put(store, compositeKey(i), value(i, 16));
            }
            for (int round = 1; round <= 3; round++)
            {
                for (int i = 0; i < entries; i++)
                {
                    assertArrayEquals(value(i + round - 1, 16 + (round - 1) * 60), get(store, compositeKey(i)));
                    put(store, compositeKey(i), value(i + round, 16 + round * 60));
                }
            }
            assertTrue(store.mapFullRecoveries() > 0, "expected MapFull recoveries");
            assertEquals(entries, store.entryCount());
            for (int i = 0; i < entries; i++)
            {
                assertArrayEquals(value(i + 3, 16 + 3 * 60), get(store, compositeKey(i)), "entry " + i);
            }
        }
    }

    @Test
    @Timeout(60)
    void shouldNotReplaceAtTheCursorAfterACommitOrAWriteOfAnotherKey()
    {
        try (KeyedStateStore store = backend().writeBatchSize(3).createStore(0, 0))
        {
            put(store, compositeKey(1), value(1, 8));
            put(store, compositeKey(2), value(2, 8));
            assertArrayEquals(value(1, 8), get(store, compositeKey(1)));
            // The snapshot point commits: the read's cursor went with its transaction.
            final StoreSnapshot snapshot = store.snapshot(1, true);
            put(store, compositeKey(1), value(11, 8));
            snapshot.release();
            assertArrayEquals(value(2, 8), get(store, compositeKey(2)));
            // A write of another key in between: the cursor no longer rests on key 2's entry.
            put(store, compositeKey(3), value(3, 8));
            put(store, compositeKey(2), value(12, 8));
            // Batches of three writes: commits fall between reads and the writes that follow them.
            long expected = 11;
            for (int i = 0; i < 10; i++)
            {
                assertArrayEquals(value(expected, 8), get(store, compositeKey(1)), "round " + i);
                expected = 20 + i;
                put(store, compositeKey(1), value(expected, 8));
            }
            assertEquals(3, store.entryCount());
            assertArrayEquals(value(expected, 8), get(store, compositeKey(1)));
            assertArrayEquals(value(12, 8), get(store, compositeKey(2)));
            assertArrayEquals(value(3, 8), get(store, compositeKey(3)));
        }
    }

    @Test
    @Timeout(120)
    void shouldGrowFullMapWithFrequentCommitsAndLargeValues()
    {
        final LmdbStateBackend tiny = LmdbStateBackend.create(dir).initialMapSizeBytes(1L << 20).writeBatchSize(50)
            .keepFiles(true);
        try (LmdbKeyedStateStore store = (LmdbKeyedStateStore)tiny.createStore(0, 0))
        {
            for (int i = 0; i < 600; i++)
            {
                put(store, compositeKey(i), value(i, 64 * 1024));
            }
            assertTrue(store.mapGrowths() > 0);
            assertTrue(store.sizeBytes() >= 600L * 64 * 1024, "sizeBytes " + store.sizeBytes());
        }
        try (KeyedStateStore reopened = tiny.createStore(0, 0))
        {
            assertEquals(600, reopened.entryCount());
            for (int i = 0; i < 600; i++)
            {
                assertArrayEquals(value(i, 64 * 1024), get(reopened, compositeKey(i)), "entry " + i);
            }
        }
    }

    @Test
    @Timeout(60)
    void shouldReadFullSnapshotOnAnotherThreadWhileShardWrites() throws Exception
    {
        try (KeyedStateStore store = backend().writeBatchSize(100).createStore(0, 0))
        {
            final Map<ByteBuffer, ByteBuffer> expected = new HashMap<>();
            for (int i = 0; i < 5_000; i++)
            {
                final byte[] value = value(i, 20 + i % 50);
                put(store, compositeKey(i), value);
                expected.put(wrap(compositeKey(i)), wrap(value));
            }
            for (int i = 0; i < 5_000; i += 7)
            {
                remove(store, compositeKey(i));
                expected.remove(wrap(compositeKey(i)));
            }

            final StoreSnapshot snapshot = store.snapshot(42, true);
            assertEquals(42, snapshot.checkpointId());
            assertTrue(snapshot.isFull());

            final CountDownLatch started = new CountDownLatch(1);
            final CompletableFuture<Map<ByteBuffer, ByteBuffer>> read = CompletableFuture.supplyAsync(() ->
            {
                started.countDown();
                final Map<ByteBuffer, ByteBuffer> first = contents(snapshot);
                final Map<ByteBuffer, ByteBuffer> second = contents(snapshot);
                snapshot.release();
                assertEquals(first, second);
                return first;
            });

            assertTrue(started.await(10, TimeUnit.SECONDS));
            // The shard goes on writing (overwrites, removes, inserts) in new write transactions meanwhile.
            for (int i = 0; i < 5_000; i++)
            {
                if (i % 3 == 0)
                {
                    remove(store, compositeKey(i));
                }
                else
                {
                    put(store, compositeKey(i + (i % 2) * 10_000), value(-i, 33));
                }
            }

            assertEquals(expected, read.get(30, TimeUnit.SECONDS));
            assertArrayEquals(value(-1, 33), get(store, compositeKey(10_001)));
            assertNull(get(store, compositeKey(3)));
        }
    }

    @Test
    @Timeout(60)
    void shouldYieldChangedKeysAndTombstonesInDelta()
    {
        try (KeyedStateStore store = backend().writeBatchSize(2).createStore(0, 0))
        {
            for (int i = 1; i <= 5; i++)
            {
                put(store, compositeKey(i), value(i, 10));
            }
            final StoreSnapshot full = store.snapshot(1, true);
            assertEquals(5, contents(full).size());
            full.release();

            put(store, compositeKey(1), value(100, 10));    // overwrite
            assertTrue(remove(store, compositeKey(2)));     // remove -> tombstone
            put(store, compositeKey(6), value(6, 10));      // insert
            assertFalse(remove(store, compositeKey(9)));    // remove of an absent key: no change
            put(store, compositeKey(7), value(7, 10));      // insert then remove -> tombstone
            assertTrue(remove(store, compositeKey(7)));

            final StoreSnapshot delta = store.snapshot(2, false);
            assertFalse(delta.isFull());
            // Writes after the snapshot point belong to the next delta, not this one.
            put(store, compositeKey(3), value(300, 10));
            remove(store, compositeKey(6));

            final Map<ByteBuffer, ByteBuffer> changes = contents(delta);
            delta.release();
            final Map<ByteBuffer, ByteBuffer> expected = new HashMap<>();
            expected.put(wrap(compositeKey(1)), wrap(value(100, 10)));
            expected.put(wrap(compositeKey(2)), null);
            expected.put(wrap(compositeKey(6)), wrap(value(6, 10)));
            expected.put(wrap(compositeKey(7)), null);
            assertEquals(expected, changes);

            final StoreSnapshot next = store.snapshot(3, false);
            final Map<ByteBuffer, ByteBuffer> nextChanges = contents(next);
            next.release();
            final Map<ByteBuffer, ByteBuffer> expectedNext = new HashMap<>();
            expectedNext.put(wrap(compositeKey(3)), wrap(value(300, 10)));
            expectedNext.put(wrap(compositeKey(6)), null);
            assertEquals(expectedNext, nextChanges);

            final StoreSnapshot empty = store.snapshot(4, false);
            assertEquals(Map.of(), contents(empty));
            empty.release();

            final StoreSnapshot fullAgain = store.snapshot(5, true);
            assertEquals(4, contents(fullAgain).size()); // 1, 3, 4, 5
            fullAgain.release();
        }
    }

    @Test
    @Timeout(30)
    void shouldPutOnlyChangesAfterPrepareForCheckpointsInTheFirstDeltaOfAStoreWithEntries()
    {
        try (KeyedStateStore store = backend().createStore(0, 0))
        {
            // Written before tracking (as a restore writes): their stamps name no record of the first interval.
            for (int i = 1; i <= 5; i++)
            {
                put(store, compositeKey(i), value(i, 10));
            }
            store.prepareForCheckpoints();
            assertArrayEquals(value(2, 10), get(store, compositeKey(2)));
            put(store, compositeKey(2), value(20, 10));     // read-modify-write
            put(store, compositeKey(4), value(40, 10));     // blind write
            put(store, compositeKey(2), value(21, 12));     // a later change supersedes the first one
            assertTrue(remove(store, compositeKey(3)));

            final StoreSnapshot delta = store.snapshot(1, false);
            final Map<ByteBuffer, ByteBuffer> expected = new HashMap<>();
            expected.put(wrap(compositeKey(2)), wrap(value(21, 12)));
            expected.put(wrap(compositeKey(4)), wrap(value(40, 10)));
            expected.put(wrap(compositeKey(3)), null);
            assertEquals(expected, contents(delta));
            // A delta can be read again: each pass reads the whole log.
            assertEquals(expected, contents(delta));
            delta.release();
        }
    }

    @Test
    @Timeout(30)
    void shouldRefuseADeltaBeforeChangesAreTracked()
    {
        try (KeyedStateStore store = backend().createStore(0, 0))
        {
            put(store, compositeKey(1), value(1, 10));
            final IllegalStateException ex = assertThrows(IllegalStateException.class, () -> store.snapshot(1, false));
            assertTrue(ex.getMessage().contains("snapshot 1 is a delta") &&
                ex.getMessage().contains("prepareForCheckpoints"), ex.getMessage());

            final StoreSnapshot full = store.snapshot(1, true);
            assertEquals(Map.of(wrap(compositeKey(1)), wrap(value(1, 10))), contents(full));
            full.release();
            put(store, compositeKey(2), value(2, 10));
            final StoreSnapshot delta = store.snapshot(2, false);
            assertEquals(Map.of(wrap(compositeKey(2)), wrap(value(2, 10))), contents(delta));
            delta.release();
        }
    }

    @Test
    @Timeout(60)
    void shouldGrowAFullMapWhileADeltaIsInFlight()
    {
        final LmdbStateBackend tiny = LmdbStateBackend.create(dir).initialMapSizeBytes(1L << 20).writeBatchSize(100)
            .mapGrowthWaitTimeoutMs(0);
        try (LmdbKeyedStateStore store = (LmdbKeyedStateStore)tiny.createStore(0, 0))
        {
            store.snapshot(1, true).release();
            final Map<ByteBuffer, ByteBuffer> expected = new HashMap<>();
            // 150 puts in batches of 100: the delta point falls inside an open batch, which the growth replays.
            for (int i = 0; i < 150; i++)
            {
                put(store, compositeKey(i), value(i, 100));
                expected.put(wrap(compositeKey(i)), wrap(value(i, 100)));
            }
            final StoreSnapshot delta = store.snapshot(2, false);

            // A delta holds no read transaction, so the map grows (ahead at commits, or when full) at once; a full
            // snapshot would make this time out, as the wait for its release is 0 ms.
            for (int i = 0; i < 20_000; i++)
            {
                put(store, compositeKey(i), value(-i, 120));
            }
            assertTrue(store.mapGrowths() > 0, "growths: " + store.mapGrowths());
            assertEquals(expected, contents(delta));
            delta.release();
            assertEquals(20_000, store.entryCount());
        }
    }

    @Test
    @Timeout(30)
    void shouldRefuseAStateDirectoryOfAnotherFormatVersion() throws Exception
    {
        // Version 1 (a 4-byte stamp, no meta database), written as an older Weir did.
        final Path old = dir.resolve("shard-0");
        Files.createDirectories(old);
        try (Env<ByteBuffer> env = Env.create().setMapSize(1L << 20).setMaxDbs(1).open(old.toFile()))
        {
            final Dbi<ByteBuffer> state = env.openDbi("state", DbiFlags.MDB_CREATE);
            final ByteBuffer key = ByteBuffer.allocateDirect(8).putLong(0, 1);
            final ByteBuffer stamped = ByteBuffer.allocateDirect(12).putInt(0, 1).putLong(4, 42);
            state.put(key, stamped);
        }
        final LmdbStateBackend keeping = backend().keepFiles(true);
        final IllegalStateException v1 = assertThrows(IllegalStateException.class, () -> keeping.createStore(0, 0));
        assertTrue(v1.getMessage().contains("format version 1") && v1.getMessage().contains(old.toString()),
            v1.getMessage());

        // The current version: written, then read back on reopen.
        try (KeyedStateStore store = keeping.createStore(1, 0))
        {
            put(store, compositeKey(1), value(1, 10));
        }
        try (KeyedStateStore reopened = keeping.createStore(1, 0))
        {
            assertArrayEquals(value(1, 10), get(reopened, compositeKey(1)));
        }

        // A newer version is refused too.
        try (Env<ByteBuffer> env = Env.create().setMapSize(1L << 20).setMaxDbs(2)
            .open(dir.resolve("shard-1").toFile()))
        {
            final Dbi<ByteBuffer> meta = env.openDbi("meta", DbiFlags.MDB_CREATE);
            final ByteBuffer key = ByteBuffer.allocateDirect(6).put("format".getBytes(StandardCharsets.US_ASCII)).flip();
            meta.put(key, ByteBuffer.allocateDirect(4).order(ByteOrder.nativeOrder()).putInt(0, 3));
        }
        final IllegalStateException v3 = assertThrows(IllegalStateException.class, () -> keeping.createStore(1, 0));
        assertTrue(v3.getMessage().contains("format version 3"), v3.getMessage());
    }

    @Test
    @Timeout(120)
    void shouldMatchModelAcrossManyFullAndDeltaSnapshots()
    {
        matchModelAcrossManyFullAndDeltaSnapshots(DEFAULT_SLACK);
    }

    @Test
    @Timeout(120)
    void shouldMatchModelAcrossManyFullAndDeltaSnapshotsWhenLaterChangesOverwriteTheirLogRecord()
    {
        // A slack no log reaches: every later change of a key in an interval overwrites its record in place.
        matchModelAcrossManyFullAndDeltaSnapshots(NEVER_SUPERSEDE);
    }

    /** @param slack the delta logs' supersede slack, or {@link #DEFAULT_SLACK}. */
    private void matchModelAcrossManyFullAndDeltaSnapshots(final int slack)
    {
        final long seed = TestSeeds.seed("matchModelAcrossManyFullAndDeltaSnapshots slack=" + slack);
        final Random random = new Random(seed);
        final Map<ByteBuffer, ByteBuffer> model = new HashMap<>();
        final Map<ByteBuffer, ByteBuffer> restored = new HashMap<>();

        try (LmdbKeyedStateStore store = (LmdbKeyedStateStore)LmdbStateBackend.create(dir)
            .initialMapSizeBytes(1L << 20).writeBatchSize(1 + random.nextInt(500)).createStore(3, 0))
        {
            if (slack != DEFAULT_SLACK)
            {
                store.deltaLogSupersedeSlack(slack);
            }
            for (int round = 0; round < 30; round++)
            {
                final int ops = random.nextInt(3_000);
                for (int i = 0; i < ops; i++)
                {
                    final byte[] key = compositeKey(random.nextInt(3_000));
                    final int op = random.nextInt(6);
                    if (op < 2)
                    {
                        remove(store, key);
                        model.remove(wrap(key));
                    }
                    else if (op < 4)
                    {
                        // Read-modify-write: the put takes the stamp the get just read. Sometimes another key
                        // is read in between, whose stamp must not be taken for this key's.
                        final byte[] previous = get(store, key);
                        assertEquals(model.get(wrap(key)), null == previous ? null : wrap(previous));
                        if (random.nextInt(4) == 0)
                        {
                            get(store, compositeKey(random.nextInt(3_000)));
                        }
                        final byte[] value = null == previous ? value(1, 8) : value(random.nextLong(), previous.length);
                        put(store, key, value);
                        model.put(wrap(key), wrap(value));
                    }
                    else
                    {
                        final byte[] value = value(random.nextLong(), random.nextInt(300));
                        put(store, key, value);
                        model.put(wrap(key), wrap(value));
                    }
                }
                final boolean full = round == 0 || random.nextInt(5) == 0;
                final StoreSnapshot snapshot = store.snapshot(round, full);
                final Map<ByteBuffer, ByteBuffer> entries = contents(snapshot);
                snapshot.release();
                // Apply as a restore would: a full replaces, a delta patches.
                if (full)
                {
                    restored.clear();
                }
                for (final Map.Entry<ByteBuffer, ByteBuffer> e : entries.entrySet())
                {
                    if (null == e.getValue())
                    {
                        restored.remove(e.getKey());
                    }
                    else
                    {
                        restored.put(e.getKey(), e.getValue());
                    }
                }
                assertEquals(model, restored, "round " + round + " seed=" + seed);
            }
        }
    }

    @Test
    @Timeout(30)
    void shouldRejectSecondSnapshotWhileOneIsInFlight()
    {
        try (KeyedStateStore store = backend().createStore(0, 0))
        {
            put(store, compositeKey(1), value(1, 8));
            final StoreSnapshot first = store.snapshot(1, true);
            final IllegalStateException ex = assertThrows(IllegalStateException.class, () -> store.snapshot(2, false));
            assertTrue(ex.getMessage().contains("checkpoint 1"), ex.getMessage());
            first.release();
            first.release();
            assertThrows(IllegalStateException.class, () -> first.forEach((k, kl, v, vl) -> { }));
            final StoreSnapshot second = store.snapshot(2, false);
            assertEquals(Map.of(), contents(second));
            second.release();
        }
    }

    @Test
    @Timeout(60)
    void shouldWaitForSnapshotReleaseBeforeGrowingFullMap() throws Exception
    {
        final LmdbStateBackend tiny = LmdbStateBackend.create(dir).initialMapSizeBytes(1L << 20).writeBatchSize(100);
        try (LmdbKeyedStateStore store = (LmdbKeyedStateStore)tiny.createStore(0, 0))
        {
            final Map<ByteBuffer, ByteBuffer> expected = new HashMap<>();
            for (int i = 0; i < 200; i++)
            {
                put(store, compositeKey(i), value(i, 100));
                expected.put(wrap(compositeKey(i)), wrap(value(i, 100)));
            }
            final StoreSnapshot snapshot = store.snapshot(1, true);
            final CompletableFuture<Map<ByteBuffer, ByteBuffer>> read = CompletableFuture.supplyAsync(() ->
            {
                // Read only once the shard is stuck: its map is full and it cannot grow while we hold the txn.
                while (!store.isAwaitingSnapshotRelease())
                {
                    Thread.onSpinWait();
                }
                final Map<ByteBuffer, ByteBuffer> entries = contents(snapshot);
                snapshot.release();
                return entries;
            });

            // Fill the map while the snapshot pins it; the growth waits until the reader has released.
            for (int i = 0; i < 20_000; i++)
            {
                put(store, compositeKey(i), value(-i, 120));
            }
            assertTrue(store.mapFullRecoveries() > 0);
            assertEquals(expected, read.get(30, TimeUnit.SECONDS));
            assertFalse(store.isAwaitingSnapshotRelease());
            assertEquals(20_000, store.entryCount());
            for (int i = 0; i < 20_000; i += 97)
            {
                assertArrayEquals(value(-i, 120), get(store, compositeKey(i)));
            }
        }
    }

    @Test
    @Timeout(60)
    void shouldKeepPendingBatchWhenGrowthTimesOutAndReplayItLater()
    {
        final LmdbStateBackend tiny = LmdbStateBackend.create(dir).initialMapSizeBytes(1L << 20)
            .writeBatchSize(1_000_000).writeBatchBytes(1 << 30).mapGrowthWaitTimeoutMs(0);
        try (LmdbKeyedStateStore store = (LmdbKeyedStateStore)tiny.createStore(0, 0))
        {
            put(store, compositeKey(-1), value(-1, 10));
            final StoreSnapshot snapshot = store.snapshot(1, true);
            int written = 0;
            IllegalStateException failure = null;
            while (null == failure)
            {
                try
                {
                    put(store, compositeKey(written), value(written, 150));
                    written++;
                }
                catch (final IllegalStateException ex)
                {
                    failure = ex;
                }
            }
            assertTrue(failure.getMessage().contains("map full") && failure.getMessage().contains("checkpoint 1"),
                failure.getMessage());
            assertEquals(1, contents(snapshot).size());
            snapshot.release();

            // The failed write was logged before it failed: the next operation grows the map and replays it.
            assertArrayEquals(value(written, 150), get(store, compositeKey(written)));
            for (int i = 0; i < written; i++)
            {
                assertArrayEquals(value(i, 150), get(store, compositeKey(i)), "entry " + i);
            }
            assertEquals(written + 2, store.entryCount());
        }
    }

    @Test
    @Timeout(30)
    void shouldSeeDataAfterReopenWithKeepFiles()
    {
        final LmdbStateBackend keeping = backend().keepFiles(true);
        try (KeyedStateStore store = keeping.createStore(2, 0))
        {
            for (int i = 0; i < 1_000; i++)
            {
                put(store, compositeKey(i), value(i, 40));
            }
            remove(store, compositeKey(5));
        }
        assertTrue(Files.isDirectory(dir.resolve("shard-2")));
        try (KeyedStateStore reopened = keeping.createStore(2, 0))
        {
            assertEquals(999, reopened.entryCount());
            assertNull(get(reopened, compositeKey(5)));
            assertArrayEquals(value(6, 40), get(reopened, compositeKey(6)));
            // Changes are logged from prepareForCheckpoints on: the first delta is empty until something is written.
            reopened.prepareForCheckpoints();
            final StoreSnapshot delta = reopened.snapshot(1, false);
            assertEquals(Map.of(), contents(delta));
            delta.release();
        }
    }

    @Test
    @Timeout(30)
    void shouldPutTheFirstWriteAfterReopenInTheDeltaOfKeysWrittenBeforeIt()
    {
        final LmdbStateBackend keeping = backend().keepFiles(true);
        try (KeyedStateStore store = keeping.createStore(2, 0))
        {
            put(store, compositeKey(1), value(1, 8));
            store.snapshot(1, true).release();
            put(store, compositeKey(2), value(2, 8));
        }
        try (KeyedStateStore reopened = keeping.createStore(2, 0))
        {
            // Both keys carry stamps of the earlier intervals; the new intervals must start past them.
            reopened.prepareForCheckpoints();
            put(reopened, compositeKey(1), value(11, 8));
            assertArrayEquals(value(2, 8), get(reopened, compositeKey(2)));
            put(reopened, compositeKey(2), value(12, 8));
            final StoreSnapshot delta = reopened.snapshot(1, false);
            assertEquals(Map.of(wrap(compositeKey(1)), wrap(value(11, 8)), wrap(compositeKey(2)), wrap(value(12, 8))),
                contents(delta));
            delta.release();
        }
    }

    @Test
    @Timeout(30)
    void shouldDeleteDirectoryOnCloseWithoutKeepFiles()
    {
        final LmdbStateBackend backend = backend();
        final KeyedStateStore store = backend.createStore(1, 0);
        put(store, compositeKey(1), value(1, 10));
        assertTrue(Files.isDirectory(dir.resolve("shard-1")));
        store.close();
        assertFalse(Files.exists(dir.resolve("shard-1")));
        store.close();
        assertThrows(IllegalStateException.class, () -> get(store, compositeKey(1)));

        // A fresh store without keepFiles does not see a previous one's files.
        final LmdbStateBackend keeping = backend.keepFiles(true);
        try (KeyedStateStore kept = keeping.createStore(1, 0))
        {
            put(kept, compositeKey(1), value(1, 10));
        }
        try (KeyedStateStore fresh = backend.createStore(1, 0))
        {
            assertEquals(0, fresh.entryCount());
        }
        assertFalse(Files.exists(dir.resolve("shard-1")));
    }

    @Test
    @Timeout(30)
    void shouldDeferEnvironmentCloseUntilInFlightSnapshotIsReleased()
    {
        final KeyedStateStore store = backend().createStore(0, 0);
        put(store, compositeKey(1), value(1, 10));
        final StoreSnapshot snapshot = store.snapshot(1, true);
        store.close();
        assertTrue(Files.exists(dir.resolve("shard-0")));
        assertEquals(1, contents(snapshot).size());
        snapshot.release();
        assertFalse(Files.exists(dir.resolve("shard-0")));
        assertTrue(((LmdbKeyedStateStore)store).isEnvClosed());
    }

    @Test
    @Timeout(30)
    void shouldCountPendingWritesAndReportSizeOnDisk()
    {
        try (KeyedStateStore store = backend().writeBatchSize(1_000_000).createStore(0, 0))
        {
            final long emptySize = store.sizeBytes();
            assertTrue(emptySize > 0);
            for (int i = 0; i < 10_000; i++)
            {
                put(store, compositeKey(i), value(i, 100));
            }
            assertEquals(10_000, store.entryCount());
            store.snapshot(1, true).release();
            assertTrue(store.sizeBytes() >= 10_000L * 100, "sizeBytes " + store.sizeBytes());
        }
    }

    @Test
    @Timeout(30)
    void shouldCopyValueIntoCallerBuffer()
    {
        try (KeyedStateStore store = backend().createStore(0, 0))
        {
            final byte[] key = compositeKey(1);
            put(store, key, value(1, 1000));
            final ExpandableDirectByteBuffer out = new ExpandableDirectByteBuffer(1);
            assertEquals(1000, store.get(StoreTestSupport.direct(key), key.length, out));
            put(store, key, value(2, 1000));
            assertArrayEquals(value(1, 1000), StoreTestSupport.copy(out, 1000), "value must be a copy");
            final UnsafeBuffer heapOut = new UnsafeBuffer(new byte[1000]);
            assertEquals(1000, store.get(StoreTestSupport.direct(key), key.length, heapOut));
            assertArrayEquals(value(2, 1000), heapOut.byteArray());
        }
    }

    @Test
    @Timeout(30)
    void shouldValidateConfiguration()
    {
        final LmdbStateBackend backend = LmdbStateBackend.create(dir);
        assertEquals("lmdb", backend.name());
        assertEquals(LmdbConfiguration.INITIAL_MAP_SIZE_DEFAULT, backend.initialMapSizeBytes());
        assertFalse(backend.keepFiles());
        assertNotNull(backend.envFlags());
        assertThrows(IllegalArgumentException.class, () -> backend.writeBatchSize(0));
        assertThrows(IllegalArgumentException.class, () -> backend.initialMapSizeBytes(1));
        assertThrows(IllegalArgumentException.class, () -> backend.envFlags(org.lmdbjava.EnvFlags.MDB_NOLOCK));
        assertThrows(IllegalArgumentException.class, () -> backend.createStore(-1, 0));
        assertThrows(NullPointerException.class, () -> LmdbStateBackend.create(null));
        assertEquals(7, backend.writeBatchSize(7).writeBatchSize());
        assertEquals(LmdbConfiguration.WRITE_BATCH_SIZE_DEFAULT, backend.writeBatchSize());
        assertEquals(java.util.EnumSet.of(org.lmdbjava.EnvFlags.MDB_NOSYNC, org.lmdbjava.EnvFlags.MDB_NOMETASYNC,
            org.lmdbjava.EnvFlags.MDB_WRITEMAP), java.util.EnumSet.copyOf(java.util.Arrays.asList(backend.envFlags())),
            "the documented default: nothing fsync'ed");
    }

    @Test
    void shouldReadEnvironmentFlagsFromTheirPropertyAndNameAnUnknownOne()
    {
        assertArrayEquals(new org.lmdbjava.EnvFlags[]{org.lmdbjava.EnvFlags.MDB_NOSYNC,
            org.lmdbjava.EnvFlags.MDB_WRITEMAP}, LmdbConfiguration.parseEnvFlags(" MDB_NOSYNC, MDB_WRITEMAP"));
        assertEquals(0, LmdbConfiguration.parseEnvFlags(" ").length);
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> LmdbConfiguration.parseEnvFlags("MDB_NOSYNC,MDB_FAST"));
        assertTrue(ex.getMessage().contains("weir.lmdb.env.flags") && ex.getMessage().contains("'MDB_FAST'"),
            ex.getMessage());
    }

    @Test
    @Timeout(30)
    void shouldKeepTheSameSemanticsInAFullySyncedEnvironment()
    {
        // No flags: every commit fsyncs data and meta pages (MDB_NOTLS is always added, and is no sync flag).
        final LmdbStateBackend synced = backend().envFlags(new org.lmdbjava.EnvFlags[0])
            .initialMapSizeBytes(1L << 20).writeBatchSize(100).keepFiles(true);
        assertEquals(0, synced.envFlags().length, "no MDB_NOSYNC, MDB_NOMETASYNC or MDB_WRITEMAP");
        try (KeyedStateStore store = synced.createStore(9, 0))
        {
            store.prepareForCheckpoints();
            // Enough writes for several commits and a map growth beyond the 1 MiB initial size.
            for (int i = 0; i < 3_000; i++)
            {
                put(store, compositeKey(i), value(i, 500));
            }
            assertTrue(remove(store, compositeKey(7)));
            assertArrayEquals(value(1, 500), get(store, compositeKey(1)));
            assertNull(get(store, compositeKey(7)));
            final StoreSnapshot full = store.snapshot(1, true);
            assertEquals(2_999, contents(full).size());
            full.release();
            put(store, compositeKey(1), value(11, 8));
            final StoreSnapshot delta = store.snapshot(2, false);
            assertEquals(Map.of(wrap(compositeKey(1)), wrap(value(11, 8))), contents(delta));
            delta.release();
        }
        try (KeyedStateStore reopened = synced.createStore(9, 0))
        {
            assertEquals(2_999, reopened.entryCount());
            assertArrayEquals(value(11, 8), get(reopened, compositeKey(1)));
            assertArrayEquals(value(2_999, 500), get(reopened, compositeKey(2_999)));
            assertNull(get(reopened, compositeKey(7)));
        }
    }
}
