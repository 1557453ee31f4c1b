package io.weir.state.offheap;

import io.weir.state.spi.StateKeyDescriptor;
import net.openhft.chronicle.hash.impl.VanillaChronicleHash;
import org.agrona.BufferUtil;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.UnsafeApi;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

@Timeout(60)
class LookupPrefetcherTest
{
    private static final int STRIDE = 64;

    @TempDir
    Path dir;

    private ChronicleKeyedStateStore store;
    private final UnsafeBuffer keys = new UnsafeBuffer(BufferUtil.allocateDirectAligned(64 * STRIDE, 64));
    private final int[] lengths = new int[64];
    private final UnsafeBuffer scratch = new UnsafeBuffer(new byte[STRIDE]);
    private final UnsafeBuffer value = new UnsafeBuffer(new byte[32]);
    private final ExpandableArrayBuffer out = new ExpandableArrayBuffer(64);

    @AfterEach
    void close()
    {
        if (null != store)
        {
            store.close();
        }
    }

    @ParameterizedTest(name = "file-backed: {0}")
    @ValueSource(booleans = { false, true })
    void shouldComputeTheAddressOfEveryEntryAsTheMapLaysItOut(final boolean fileBacked)
    {
        store = store(fileBacked, 50_000);
        final int count = 20_000;
        for (int i = 0; i < count; i++)
        {
            put(i, i);
        }
        final LookupPrefetcher prefetcher = LookupPrefetcher.create(mapOf(store));
        // create() compares the addresses the prefetcher computes for every segment and segment header with
        // Chronicle's own, and gives up on a difference.
        assertNotNull(prefetcher, "the prefetcher computes Chronicle's segment and header addresses");
        for (int i = 0; i < count; i++)
        {
            final int length = writeKey(scratch, 0, i);
            final long entry = prefetcher.entryAddress(scratch, 0, length);
            // Found only at an address that holds the key: its size (stop-bit encoded, one byte below 128), then
            // its bytes, as Chronicle lays an entry out.
            assertNotEquals(0, entry, "no entry holding key " + i + " at the computed addresses");
            assertEquals(length, UnsafeApi.getByte(entry), "key size at the computed address of key " + i);
        }
        final int absent = writeKey(scratch, 0, count + 1);
        assertEquals(0, prefetcher.entryAddress(scratch, 0, absent), "an absent key has no entry");
    }

    @Test
    void shouldLoadTheEntriesOfPresentKeysOnlyAndChangeNothing()
    {
        store = store(false, 10_000);
        for (int i = 0; i < 5_000; i++)
        {
            put(i, i * 3L);
        }
        final Map<Integer, Long> before = new HashMap<>();
        for (int i = 0; i < 5_000; i++)
        {
            before.put(i, get(i));
        }
        long expectedLoaded = 0;
        for (int batch = 0; batch < 200; batch++)
        {
            // 64 keys a call, every other one absent (keys from 5,000 on were never written).
            for (int k = 0; k < 64; k++)
            {
                final int key = (batch * 32 + k / 2) % 5_000 + (k % 2) * 5_000;
                lengths[k] = writeKey(keys, k * STRIDE, key);
                expectedLoaded += key < 5_000 ? 1 : 0;
            }
            store.prefetch(keys, STRIDE, lengths, 64);
        }
        assertTrue(store.prefetches());
        // Each present key gets an entry loaded; an absent one only when its slot's hash bits match another key's.
        final long loaded = store.prefetchedEntries();
        assertTrue(loaded >= expectedLoaded && loaded <= expectedLoaded + expectedLoaded / 100,
            "entries loaded " + loaded + ", present keys among those prefetched " + expectedLoaded);
        for (int i = 0; i < 5_000; i++)
        {
            assertEquals(before.get(i), get(i), "value of key " + i + " after prefetching");
        }
        assertEquals(-1, get(5_001));
        assertEquals(5_000, store.entryCount());
    }

    @Test
    void shouldFindEntriesInTheMapAGrowthReplacedItWith()
    {
        store = store(false, 1_000);
        final int count = 20_000; // far past the declared entries: the map is re-created bigger, more than once
        for (int i = 0; i < count; i++)
        {
            put(i, i);
        }
        assertTrue(store.generation() > 0, "the map grew");
        final long loadedBefore = store.prefetchedEntries();
        for (int k = 0; k < 64; k++)
        {
            lengths[k] = writeKey(keys, k * STRIDE, count - 1 - k * 7);
        }
        store.prefetch(keys, STRIDE, lengths, 64);
        // The prefetcher was re-created with the new map (the old one is closed: its memory is gone). Keys a
        // segment holds in an overflow tier are not prefetched.
        final long loaded = store.prefetchedEntries() - loadedBefore;
        assertTrue(loaded >= 56 && loaded <= 64, "entries loaded of 64 present keys: " + loaded);
    }

    @Test
    void shouldIgnoreKeysBeyondItsBatchSize()
    {
        store = store(false, 1_000);
        for (int i = 0; i < 100; i++)
        {
            put(i, i);
        }
        final UnsafeBuffer many = new UnsafeBuffer(BufferUtil.allocateDirectAligned(128 * STRIDE, 64));
        final int[] manyLengths = new int[128];
        for (int k = 0; k < 100; k++)
        {
            manyLengths[k] = writeKey(many, k * STRIDE, k);
        }
        store.prefetch(many, STRIDE, manyLengths, 100);
        assertEquals(LookupPrefetcher.MAX_KEYS, store.prefetchedEntries());
    }

    /** A prefetcher whose key hash fails as a call to a Chronicle method that was renamed would, once armed. */
    private static final class MissingMethod extends LookupPrefetcher
    {
        boolean armed;
        int calls;

        MissingMethod(final VanillaChronicleHash<?, ?, ?, ?> hash, final java.util.function.Consumer<String> log,
            final boolean armed)
        {
            super(hash, log);
            this.armed = armed;
        }

        long keyHash(final org.agrona.DirectBuffer keys, final int offset, final int length)
        {
            calls++;
            if (armed)
            {
                throw new NoSuchMethodError("'long net.openhft.chronicle.algo.hashing.LongHashFunction.hashMemory(" +
                    "long, long)'");
            }
            return super.keyHash(keys, offset, length);
        }
    }

    @Test
    void shouldTurnThePrefetchOffWhenAChronicleMethodIsMissingAtCreation()
    {
        store = store(false, 1_000);
        final List<String> log = new ArrayList<>();
        final LookupPrefetcher prefetcher =
            LookupPrefetcher.create(mapOf(store), log::add, (hash, l) -> new MissingMethod(hash, l, true));
        assertNull(prefetcher, "no prefetcher when a method it calls is missing");
        assertEquals(1, log.size(), log.toString());
        assertTrue(log.get(0).contains("prefetch is off") && log.get(0).contains("NoSuchMethodError") &&
            log.get(0).contains("hashMemory"), log.get(0));
    }

    @Test
    void shouldTurnThePrefetchOffWithOneLineWhenAChronicleMethodIsMissingAtFirstUse()
    {
        store = store(false, 1_000);
        for (int i = 0; i < 100; i++)
        {
            put(i, i);
        }
        final List<String> log = new ArrayList<>();
        final LookupPrefetcher created =
            LookupPrefetcher.create(mapOf(store), log::add, (hash, l) -> new MissingMethod(hash, l, false));
        final MissingMethod prefetcher = (MissingMethod)created;
        assertTrue(prefetcher.calls > 0, "create() calls the key hash once, so the JVM resolves it then");
        assertEquals(List.of(), log);
        for (int k = 0; k < 16; k++)
        {
            lengths[k] = writeKey(keys, k * STRIDE, k);
        }
        prefetcher.prefetch(keys, STRIDE, lengths, 16);
        assertEquals(16, prefetcher.entriesLoaded());

        prefetcher.armed = true;
        prefetcher.prefetch(keys, STRIDE, lengths, 16);
        assertTrue(prefetcher.isOff());
        final int callsWhenOff = prefetcher.calls;
        prefetcher.prefetch(keys, STRIDE, lengths, 16);
        assertEquals(callsWhenOff, prefetcher.calls, "an off prefetcher calls nothing");
        assertEquals(16, prefetcher.entriesLoaded());
        assertEquals(1, log.size(), log.toString());
        assertTrue(log.get(0).contains("prefetch is off") && log.get(0).contains("hashMemory"), log.get(0));
        for (int i = 0; i < 100; i++)
        {
            assertEquals(i, get(i), "look-ups work as before");
        }
    }

    private ChronicleKeyedStateStore store(final boolean fileBacked, final long entries)
    {
        final ChronicleStateBackend.Context ctx = new ChronicleStateBackend.Context().nurserySlots(0);
        if (fileBacked)
        {
            ctx.directory(dir).deleteFilesOnClose(true);
        }
        return (ChronicleKeyedStateStore)new ChronicleStateBackend(ctx).createStore(3, entries);
    }

    private static net.openhft.chronicle.map.ChronicleMap<?, ?> mapOf(final ChronicleKeyedStateStore store)
    {
        return store.map();
    }

    /** The store key of state 1 for a long key, as a shard writes it. */
    private static int writeKey(final UnsafeBuffer dst, final int offset, final long key)
    {
        final UnsafeBuffer keyBytes = new UnsafeBuffer(new byte[Long.BYTES]);
        keyBytes.putLong(0, key, java.nio.ByteOrder.BIG_ENDIAN);
        return StateKeyDescriptor.writePrefix(dst, offset, (int)(key % 128), 1, keyBytes, 0, Long.BYTES);
    }

    private void put(final long key, final long sum)
    {
        final int length = writeKey(scratch, 0, key);
        value.putLong(0, sum);
        store.put(scratch, length, value, 0, Long.BYTES);
    }

    private long get(final long key)
    {
        final int length = writeKey(scratch, 0, key);
        final int valueLength = store.get(scratch, length, out);
        store.endOfAccess();
        return valueLength < 0 ? -1 : out.getLong(0);
    }
}
