package io.weir.engine.state;

import io.weir.snapshot.TestSeeds;
import io.weir.api.codec.BytesCodec;
import io.weir.api.codec.FixedLayoutCodec;
import io.weir.api.codec.IntCodec;
import io.weir.api.codec.LongCodec;
import io.weir.api.codec.StringCodec;
import io.weir.api.functions.AggregateFunction;
import io.weir.api.state.AggregatingState;
import io.weir.api.state.AggregatingStateDescriptor;
import io.weir.api.state.ListState;
import io.weir.api.state.ListStateDescriptor;
import io.weir.api.state.LongList;
import io.weir.api.state.LongListState;
import io.weir.api.state.LongListStateDescriptor;
import io.weir.api.state.LongValueState;
import io.weir.api.state.LongValueStateDescriptor;
import io.weir.api.state.MapState;
import io.weir.api.state.MapStateDescriptor;
import io.weir.api.state.ReducingState;
import io.weir.api.state.ReducingStateDescriptor;
import io.weir.api.state.StateTtlConfig;
import io.weir.api.state.ValueState;
import io.weir.api.state.ValueStateDescriptor;
import io.weir.state.spi.KeyedStateStore;
import io.weir.state.spi.StateBackend;
import io.weir.state.spi.StateKeyDescriptor;
import io.weir.state.spi.StoreSnapshot;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.CachedEpochClock;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The behaviour every state backend must show, through the engine's state views and through the raw store SPI.
 * Each backend module extends it once and implements {@link #createBackend(Path)}; backends that persist to disk
 * also override {@link #supportsReopen()} and {@link #reopen}.
 * <p>
 * Randomised tests print their seed; replay one with {@code -Dweir.test.seed=N}.
 */
@ExtendWith(TestSeeds.class)
public abstract class StateBackendConformanceTest
{
    protected static final int KEY_GROUPS = 128;
    private static final int RAW_STATE_ID = 999;
    private static final long START_MS = 1_000_000L;

    @TempDir
    protected Path dir;

    protected StateBackend backend;
    protected KeyedStateStore store;
    protected KeyContext keyContext;
    protected CachedEpochClock clock;
    protected KeyedStateRegistry registry;
    /** How many times {@link #toMap} has read a map: it alternates which iteration goes first. */
    private int mapReads;
    private final ExpandableDirectByteBuffer keyScratch = new ExpandableDirectByteBuffer(64);
    private final List<KeyedStateStore> extraStores = new ArrayList<>();

    /** A backend whose stores keep their files, if any, under {@code dir}. */
    protected abstract StateBackend createBackend(Path dir);

    /** True when a store's contents survive {@link KeyedStateStore#close()} and {@link #reopen}. */
    protected boolean supportsReopen()
    {
        return false;
    }

    /** Open again the store of {@code shardId} that was closed, over the same files. */
    protected KeyedStateStore reopen(final StateBackend backend, final Path dir, final int shardId)
    {
        throw new UnsupportedOperationException("backend " + backend.name() + " does not reopen stores");
    }

    @BeforeEach
    void setUpStore()
    {
        backend = createBackend(dir);
        store = backend.createStore(0, 100_000);
        keyContext = new KeyContext(64);
        clock = new CachedEpochClock();
        clock.update(START_MS);
        registry = new KeyedStateRegistry(store, keyContext, clock);
    }

    @AfterEach
    void closeStores()
    {
        if (store != null)
        {
            store.close();
        }
        extraStores.forEach(KeyedStateStore::close);
    }

    // ------------------------------------------------------------------------------------------------ primitives

    @Test
    @Timeout(30)
    void shouldStoreUpdateAndClearValueStatePerKey()
    {
        final ValueState<String> state = registry.getState(new ValueStateDescriptor<>("v", StringCodec.INSTANCE));
        setKey(1);
        assertNull(state.value());
        state.update("one");
        setKey(2);
        assertNull(state.value());
        state.update("two");
        setKey(1);
        assertEquals("one", state.value());
        state.update("uno");
        assertEquals("uno", state.value());
        state.update(null);
        assertNull(state.value());
        setKey(2);
        assertEquals("two", state.value());
        state.clear();
        assertNull(state.value());
        assertEquals(0, liveEntries());
    }

    @Test
    @Timeout(30)
    void shouldReturnMissingValueFromLongStateUntilUpdated()
    {
        final LongValueState state = registry.getLongState(new LongValueStateDescriptor("count"));
        setKey(7);
        assertFalse(state.exists());
        assertEquals(-1L, state.valueOr(-1L));
        state.update(0L);
        assertTrue(state.exists());
        assertEquals(0L, state.valueOr(-1L));
        state.update(Long.MIN_VALUE);
        assertEquals(Long.MIN_VALUE, state.valueOr(-1L));
        setKey(8);
        assertFalse(state.exists());
        setKey(7);
        state.clear();
        assertFalse(state.exists());
        assertEquals(42L, state.valueOr(42L));
    }

    @Test
    @Timeout(30)
    void shouldCombineAddedValuesInReducingState()
    {
        final ReducingState<Long> state = registry.getReducingState(
            new ReducingStateDescriptor<>("sum", Long::sum, LongCodec.INSTANCE));
        setKey(1);
        assertNull(state.get());
        state.add(5L);
        state.add(7L);
        setKey(2);
        state.add(100L);
        setKey(1);
        assertEquals(12L, state.get());
        state.clear();
        assertNull(state.get());
        state.add(1L);
        assertEquals(1L, state.get());
        setKey(2);
        assertEquals(100L, state.get());
    }

    @Test
    @Timeout(30)
    void shouldAccumulateAndReturnResultFromAggregatingState()
    {
        final AggregatingState<Long, Double> state = registry.getAggregatingState(
            new AggregatingStateDescriptor<>("avg", new Average(), AverageCodec.INSTANCE));
        setKey(1);
        assertNull(state.get());
        state.add(2L);
        state.add(4L);
        state.add(9L);
        assertEquals(5.0, state.get());
        setKey(2);
        assertNull(state.get());
        state.add(1L);
        assertEquals(1.0, state.get());
        setKey(1);
        state.clear();
        assertNull(state.get());
    }

    @Test
    @Timeout(30)
    void shouldAppendListElementsWithoutRewritingTheList()
    {
        final ListState<String> state = registry.getListState(new ListStateDescriptor<>("l", StringCodec.INSTANCE));
        setKey(1);
        assertEquals(List.of(), state.get());
        assertEquals(0, state.size());
        state.add("a");
        state.add("b");
        state.addAll(List.of("c", "d"));
        assertEquals(List.of("a", "b", "c", "d"), state.get());
        assertEquals(4, state.size());
        assertEquals(1, liveEntries(), "a list shorter than a chunk is its head alone");
        state.update(List.of("x"));
        assertEquals(List.of("x"), state.get());
        assertEquals(1, liveEntries());
        state.update(List.of());
        assertEquals(List.of(), state.get());
        assertEquals(0, liveEntries());
        state.add("y");
        state.clear();
        assertEquals(List.of(), state.get());
        assertEquals(0, liveEntries());
    }

    @Test
    @Timeout(30)
    void shouldPackListElementsIntoChunksSoAnAppendTouchesOneEntry()
    {
        final ListState<Long> state = registry.getListState(new ListStateDescriptor<>("l", LongCodec.INSTANCE));
        setKey(1);
        final List<Long> expected = new ArrayList<>();
        for (long i = 0; i < 1_000; i++)
        {
            final StoreSnapshot full = store.snapshot(2 * i + 1, true);
            full.forEach((key, keyLength, value, valueLength) -> {});
            full.release();
            state.add(i);
            expected.add(i);
            final StoreSnapshot delta = store.snapshot(2 * i + 2, false);
            final Map<String, String> changed = read(delta);
            delta.release();
            assertTrue(changed.size() <= 2, "add " + i + " changed " + changed.size() + " entries");
        }
        assertEquals(expected, state.get());
        // 12 bytes an element ([length i32][long]), chunks sealed at 512 bytes: 43 elements a chunk.
        final long entries = liveEntries();
        assertEquals(1 + 1_000 / 43, entries, "the head and the sealed chunks");
    }

    @Test
    @Timeout(30)
    void shouldWriteOnlyTheChangedChunksWhenAListIsUpdatedWithAFilteredCopy()
    {
        final ListState<Long> state = registry.getListState(new ListStateDescriptor<>("l", LongCodec.INSTANCE));
        setKey(1);
        final List<Long> values = new ArrayList<>();
        for (long i = 1; i <= 200; i++)
        {
            values.add(i);
        }
        state.addAll(values);
        final long entries = liveEntries();
        final StoreSnapshot full = store.snapshot(1, true);
        full.forEach((key, keyLength, value, valueLength) -> {});
        full.release();

        values.remove(0);
        values.add(201L);
        state.update(values);

        final StoreSnapshot delta = store.snapshot(2, false);
        final Map<String, String> changed = read(delta);
        delta.release();
        assertEquals(values, state.get());
        assertEquals(entries, liveEntries());
        // The first chunk lost element 1, the tail (in the head) gained 201; the chunks between are untouched.
        assertEquals(2, changed.size(), changed.keySet().toString());
        assertEquals(0, changed.values().stream().filter(Objects::isNull).count(), "tombstones: " + changed);

        state.update(List.of(201L, 2L));
        assertEquals(List.of(201L, 2L), state.get());
        assertEquals(1, liveEntries(), "a short list replacing a long one is its head alone");
        state.update(List.of());
        assertEquals(List.of(), state.get());
        assertEquals(0, liveEntries(), "an update to an empty list leaves no head behind");
    }

    @Test
    @Timeout(30)
    void shouldKeepAListsChunkRangeBoundedWhenUpdatesKeepItsFirstChunkAndReplaceTheRest()
    {
        final ListState<String> state = registry.getListState(new ListStateDescriptor<>("l", StringCodec.INSTANCE));
        final String big = "x".repeat(StateLayoutDescriptor.LIST_CHUNK_TARGET_BYTES);
        setKey(1);
        state.update(List.of(big + 0, big + 1));
        for (long i = 2; i < 500; i++)
        {
            // Each element fills a chunk; each update keeps the first and replaces the last: a hole every time.
            state.update(List.of(big + 0, big + i));
            assertEquals(List.of(big + 0, big + i), state.get());
        }
        final StoreSnapshot full = store.snapshot(1, true);
        final List<long[]> heads = new ArrayList<>();
        full.forEach((key, keyLength, value, valueLength) ->
        {
            if (keyLength == StateKeyDescriptor.suffixOffset(key) + StateLayoutDescriptor.MARKER_LENGTH)
            {
                heads.add(new long[]{
                    value.getLong(StateLayoutDescriptor.LIST_HEAD_FIRST_SEQ_OFFSET, java.nio.ByteOrder.BIG_ENDIAN),
                    value.getLong(StateLayoutDescriptor.LIST_HEAD_NEXT_SEQ_OFFSET, java.nio.ByteOrder.BIG_ENDIAN)});
            }
        });
        full.release();
        assertEquals(1, heads.size());
        final long range = heads.get(0)[1] - heads.get(0)[0];
        assertTrue(range <= 2 * 2 + ListStateView.RENUMBER_SLACK, "chunk range " + range + " for 2 chunks");
        assertEquals(3, liveEntries());
    }

    @Test
    @Timeout(60)
    void shouldMatchListModelUnderRandomOperationsWithTtlOn()
    {
        // Nothing expires (the clock stands still); the layout with TTL keeps every element in a chunk.
        listModel(ttl(new ListStateDescriptor<>("l", IntCodec.INSTANCE), StateTtlConfig.newBuilder(1_000).build()));
    }

    @Test
    @Timeout(60)
    void shouldMatchListModelUnderRandomOperations()
    {
        listModel(new ListStateDescriptor<>("l", IntCodec.INSTANCE));
    }

    private void listModel(final ListStateDescriptor<Integer> descriptor)
    {
        final long seed = seed("list");
        final Random random = new Random(seed);
        final ListState<Integer> state = registry.getListState(descriptor);
        final Map<Long, List<Integer>> model = new HashMap<>();
        long key = 0;
        setKey(key);
        for (int op = 0; op < 3_000; op++)
        {
            // Runs of operations on one current key, as a function makes them for one event.
            if (random.nextInt(3) == 0)
            {
                key = random.nextInt(5);
                setKey(key);
            }
            final List<Integer> expected = model.computeIfAbsent(key, k -> new ArrayList<>());
            final int dice = random.nextInt(100);
            if (dice < 50)
            {
                final int value = random.nextInt();
                state.add(value);
                expected.add(value);
            }
            else if (dice < 60)
            {
                final List<Integer> values = randomInts(random, random.nextInt(4));
                state.addAll(values);
                expected.addAll(values);
            }
            else if (dice < 65)
            {
                final List<Integer> values = randomInts(random, random.nextInt(6));
                state.update(values);
                expected.clear();
                expected.addAll(values);
            }
            else if (dice < 68)
            {
                state.clear();
                expected.clear();
            }
            else if (dice < 76)
            {
                // What functions usually pass to update: the list they read, filtered, reordered or extended.
                final List<Integer> values = edited(random, expected);
                state.update(values);
                expected.clear();
                expected.addAll(values);
            }
            else
            {
                assertEquals(expected, state.get(), "seed " + seed + " op " + op);
                assertEquals(expected.size(), state.size(), "seed " + seed + " op " + op);
            }
        }
        for (final Map.Entry<Long, List<Integer>> entry : model.entrySet())
        {
            setKey(entry.getKey());
            assertEquals(entry.getValue(), state.get(), "seed " + seed);
        }
    }

    @Test
    @Timeout(60)
    void shouldMatchLongListModelAndStoreWhatAListStateOfLongReads()
    {
        longListModel(new LongListStateDescriptor("l"));
    }

    @Test
    @Timeout(60)
    void shouldMatchLongListModelWithTtlOn()
    {
        longListModel(ttl(new LongListStateDescriptor("l"), StateTtlConfig.newBuilder(1_000).build()));
    }

    private void longListModel(final LongListStateDescriptor descriptor)
    {
        final long seed = seed("long-list");
        final Random random = new Random(seed);
        final LongListState state = registry.getLongListState(descriptor);
        final Map<Long, List<Long>> model = new HashMap<>();
        long[] values = new long[8];
        long key = 0;
        setKey(key);
        for (int op = 0; op < 3_000; op++)
        {
            if (random.nextInt(3) == 0)
            {
                key = random.nextInt(5);
                setKey(key);
            }
            final List<Long> expected = model.computeIfAbsent(key, k -> new ArrayList<>());
            final int dice = random.nextInt(100);
            if (dice < 50)
            {
                final long value = random.nextLong();
                state.add(value);
                expected.add(value);
            }
            else if (dice < 55)
            {
                state.clear();
                expected.clear();
            }
            else if (dice < 70)
            {
                // A pruned history: the list read, its elements below a bound dropped, one appended.
                final LongList read = state.get();
                final long bound = random.nextLong();
                int count = 0;
                values = values.length < read.size() + 1 ? new long[read.size() * 2 + 1] : values;
                for (int i = 0; i < read.size(); i++)
                {
                    if (read.get(i) >= bound)
                    {
                        values[count++] = read.get(i);
                    }
                }
                values[count++] = random.nextLong();
                state.update(values, count);
                expected.clear();
                for (int i = 0; i < count; i++)
                {
                    expected.add(values[i]);
                }
            }
            else
            {
                final LongList read = state.get();
                final List<Long> actual = new ArrayList<>();
                for (int i = 0; i < read.size(); i++)
                {
                    actual.add(read.get(i));
                }
                assertEquals(expected, actual, "seed " + seed + " op " + op);
                assertEquals(expected.size(), state.size(), "seed " + seed + " op " + op);
            }
        }
        // The same entries read as a ListState<Long> of LongCodec, through a registry that numbers states alike.
        final KeyedStateRegistry other = new KeyedStateRegistry(store, keyContext, clock);
        final ListState<Long> boxed = other.getListState(descriptor.asListStateDescriptor());
        for (final Map.Entry<Long, List<Long>> entry : model.entrySet())
        {
            setKey(entry.getKey());
            assertEquals(entry.getValue(), boxed.get(), "seed " + seed);
        }
    }

    @Test
    @Timeout(30)
    void shouldPutOverwriteRemoveAndIterateMapState()
    {
        final MapState<String, Long> state = registry.getMapState(
            new MapStateDescriptor<>("m", StringCodec.INSTANCE, LongCodec.INSTANCE));
        setKey(1);
        assertTrue(state.isEmpty());
        assertNull(state.get("a"));
        state.put("a", 1L);
        state.put("b", 2L);
        state.put("c", 3L);
        state.put("a", 10L);
        assertEquals(10L, state.get("a"));
        assertTrue(state.contains("b"));
        assertFalse(state.contains("z"));
        assertEquals(Map.of("a", 10L, "b", 2L, "c", 3L), toMap(state));
        assertEquals(Set.of("a", "b", "c"), new HashSet<>(state.keys()));
        assertEquals(Set.of(10L, 2L, 3L), new HashSet<>(state.values()));
        state.remove("a");
        assertEquals(Map.of("b", 2L, "c", 3L), toMap(state));
        state.remove("nope");
        state.putAll(Map.of("d", 4L, "e", 5L));
        assertEquals(Map.of("b", 2L, "c", 3L, "d", 4L, "e", 5L), toMap(state));
        setKey(2);
        assertTrue(state.isEmpty());
        setKey(1);
        for (final String key : List.of("b", "c", "d", "e"))
        {
            state.remove(key);
        }
        assertTrue(state.isEmpty());
        assertEquals(0, liveEntries(), "an emptied map leaves no head or slot behind");
        state.put("f", 6L);
        state.clear();
        assertTrue(state.isEmpty());
        assertEquals(0, liveEntries());
    }

    @Test
    @Timeout(60)
    void shouldMatchHashMapModelUnderRandomMapOperationsIncludingSwapRemove()
    {
        final long seed = seed("map");
        final Random random = new Random(seed);
        final MapState<Integer, String> state = registry.getMapState(
            new MapStateDescriptor<>("m", IntCodec.INSTANCE, StringCodec.INSTANCE));
        final Map<Long, Map<Integer, String>> model = new HashMap<>();
        for (int op = 0; op < 5_000; op++)
        {
            final long key = random.nextInt(4);
            setKey(key);
            final Map<Integer, String> expected = model.computeIfAbsent(key, k -> new HashMap<>());
            final int userKey = random.nextInt(40);
            final int dice = random.nextInt(100);
            final String context = "seed " + seed + " op " + op;
            if (dice < 45)
            {
                final String value = "v" + random.nextInt(1000);
                state.put(userKey, value);
                expected.put(userKey, value);
            }
            else if (dice < 80)
            {
                state.remove(userKey);
                expected.remove(userKey);
            }
            else if (dice < 82)
            {
                state.clear();
                expected.clear();
            }
            else if (dice < 95)
            {
                assertEquals(expected.get(userKey), state.get(userKey), context);
                assertEquals(expected.containsKey(userKey), state.contains(userKey), context);
            }
            else
            {
                assertEquals(expected, toMap(state), context);
                assertEquals(expected.isEmpty(), state.isEmpty(), context);
                assertEquals(expected.size(), state.keys().size(), context);
            }
        }
        for (final Map.Entry<Long, Map<Integer, String>> entry : model.entrySet())
        {
            setKey(entry.getKey());
            assertEquals(entry.getValue(), toMap(state), "seed " + seed);
            state.clear();
        }
        assertEquals(0, liveEntries(), "seed " + seed + ": clear must leave nothing behind");
    }

    @Test
    @Timeout(60)
    void shouldMatchModelOfExpiringMapEntriesUnderRandomOperationsOnBothSidesOfThePackedLimit()
    {
        for (final StateTtlConfig.UpdateType updateType : List.of(
            StateTtlConfig.UpdateType.ON_CREATE_AND_WRITE, StateTtlConfig.UpdateType.ON_READ_AND_WRITE))
        {
            final long seed = seed("map-ttl-" + updateType);
            final Random random = new Random(seed);
            final long ttlMs = 50;
            final MapState<Integer, String> state = registry.getMapState(ttl(
                new MapStateDescriptor<>("m-" + updateType, IntCodec.INSTANCE, StringCodec.INSTANCE),
                StateTtlConfig.newBuilder(ttlMs).updateType(updateType).build()));
            final boolean refreshOnRead = updateType == StateTtlConfig.UpdateType.ON_READ_AND_WRITE;
            // per key: user key -> {value, last access}
            final Map<Long, Map<Integer, Map.Entry<String, Long>>> model = new HashMap<>();
            for (int op = 0; op < 6_000; op++)
            {
                final long key = random.nextInt(3);
                setKey(key);
                final long now = clock.time();
                final Map<Integer, Map.Entry<String, Long>> expected = model.computeIfAbsent(key, k -> new HashMap<>());
                expected.values().removeIf(e -> now - e.getValue() >= ttlMs);
                final int userKey = random.nextInt(random.nextBoolean() ? 8 : 30);
                final int dice = random.nextInt(100);
                final String context = "seed " + seed + " op " + op;
                if (dice < 8)
                {
                    clock.advance(random.nextInt(25));
                }
                else if (dice < 50)
                {
                    final String value = "v" + random.nextInt(1000);
                    state.put(userKey, value);
                    expected.put(userKey, Map.entry(value, now));
                }
                else if (dice < 68)
                {
                    state.remove(userKey);
                    expected.remove(userKey);
                }
                else if (dice < 70)
                {
                    state.clear();
                    expected.clear();
                }
                else if (dice < 90)
                {
                    final Map.Entry<String, Long> entry = expected.get(userKey);
                    assertEquals(entry == null ? null : entry.getKey(), state.get(userKey), context);
                    if (entry != null && refreshOnRead)
                    {
                        expected.put(userKey, Map.entry(entry.getKey(), now));
                    }
                }
                else
                {
                    final Map<Integer, String> live = new HashMap<>();
                    expected.forEach((k, e) -> live.put(k, e.getKey()));
                    assertEquals(live, toMap(state), context);
                    if (refreshOnRead)
                    {
                        expected.replaceAll((k, e) -> Map.entry(e.getKey(), now));
                    }
                }
            }
            clock.advance(ttlMs);
            for (final Long key : model.keySet())
            {
                setKey(key);
                assertTrue(state.isEmpty(), "seed " + seed);
            }
        }
        assertEquals(0, liveEntries(), "maps whose entries all expired leave nothing behind");
    }

    /** A map of the given TTL that is packed, or spilled into the slot directory by 17 filler keys. */
    private MapState<String, String> ttlMap(final String name, final StateTtlConfig config, final boolean spilled)
    {
        final MapState<String, String> map = registry.getMapState(ttl(
            new MapStateDescriptor<>(name, StringCodec.INSTANCE, StringCodec.INSTANCE), config));
        if (spilled)
        {
            for (int i = 0; i < 17; i++)
            {
                map.put("filler-" + i, "f");
            }
        }
        return map;
    }

    @Test
    @Timeout(30)
    void shouldCleanUpOnlyTheExpiredEntryReadWhenExpiredEntriesMayBeReturnedInPackedAndSpilledMaps()
    {
        final StateTtlConfig returnExpired = StateTtlConfig.newBuilder(100)
            .stateVisibility(StateTtlConfig.StateVisibility.RETURN_EXPIRED_IF_NOT_CLEANED_UP).build();
        final StateTtlConfig noCleanup = StateTtlConfig.newBuilder(100)
            .stateVisibility(StateTtlConfig.StateVisibility.RETURN_EXPIRED_IF_NOT_CLEANED_UP)
            .disableCleanupOnAccess().build();
        for (final boolean spilled : new boolean[] {false, true})
        {
            final String form = spilled ? "spilled" : "packed";
            setKey(spilled ? 11 : 10);
            final MapState<String, String> map = ttlMap("return-expired-" + form, returnExpired, spilled);
            map.put("b", "old-b");
            map.put("c", "old-c");
            clock.advance(100);
            map.put("a", "x");
            map.remove("a");
            assertEquals("old-b", map.get("b"), form + ": returned, and cleaned up by this read");
            assertNull(map.get("b"), form);
            assertEquals("old-c", map.get("c"), form + ": a put, a remove and another key's read leave it");

            setKey(spilled ? 13 : 12);
            final MapState<String, String> kept = ttlMap("no-cleanup-" + form, noCleanup, spilled);
            kept.put("b", "old-b");
            kept.put("c", "old-c");
            clock.advance(100);
            kept.remove("b");
            kept.put("a", "x");
            assertEquals("old-c", kept.get("c"), form + ": never cleaned up on access");
            assertEquals("old-c", kept.get("c"), form);
        }
    }

    @Test
    @Timeout(30)
    void shouldNotRefreshAnEntryWhenAskedWhetherTheMapIsEmptyInPackedAndSpilledMaps()
    {
        final StateTtlConfig onRead = StateTtlConfig.newBuilder(100)
            .updateType(StateTtlConfig.UpdateType.ON_READ_AND_WRITE).build();
        for (final boolean spilled : new boolean[] {false, true})
        {
            final String form = spilled ? "spilled" : "packed";
            setKey(spilled ? 21 : 20);
            final MapState<String, String> map = registry.getMapState(ttl(
                new MapStateDescriptor<>("on-read-" + form, StringCodec.INSTANCE, StringCodec.INSTANCE), onRead));
            map.put("a", "x");
            if (spilled)
            {
                clock.advance(1);
                for (int i = 0; i < 17; i++)
                {
                    map.put("filler-" + i, "f");
                }
            }
            clock.advance(60);
            assertFalse(map.isEmpty(), form);
            clock.advance(spilled ? 39 : 40);
            assertNull(map.get("a"), form + ": isEmpty() read nothing, as in Flink");
        }
    }

    @Test
    @Timeout(30)
    void shouldLeaveOutOfASnapshotAPackedMapWhoseElementsAllExpiredAfterTheClockSteppedBack()
    {
        final StateTtlConfig config = StateTtlConfig.newBuilder(100)
            .updateType(StateTtlConfig.UpdateType.ON_READ_AND_WRITE).cleanupFullSnapshot().build();
        final MapState<String, String> map = ttlMap("stepped-back", config, false);
        setKey(1);
        map.put("a", "x");
        clock.update(START_MS - 500);
        assertEquals("x", map.get("a"), "re-stamped earlier: the entry's newest stamp stays the later one");
        clock.update(START_MS - 400);
        final TtlSnapshotFilter filter = TtlSnapshotFilter.of(registry.registeredStates(), clock.time());
        final TtlSnapshotFilter.LiveElements live = new TtlSnapshotFilter.LiveElements();
        final int[] outcomes = new int[2];
        store.forEach((key, keyLength, value, valueLength) ->
        {
            assertFalse(filter.isExpired(key, keyLength, value, valueLength), "its newest stamp is live");
            outcomes[0]++;
            if (filter.liveElements(key, keyLength, value, valueLength, live) == 0)
            {
                outcomes[1]++;
            }
        });
        assertArrayEquals(new int[] {1, 1}, outcomes, "one packed entry, left out: none of its elements is live");
    }

    @Test
    @Timeout(30)
    void shouldKeepExpiredElementsThatMayBeReturnedWhenAValueIsOverwrittenInPlace()
    {
        final StateTtlConfig returnExpired = StateTtlConfig.newBuilder(100)
            .stateVisibility(StateTtlConfig.StateVisibility.RETURN_EXPIRED_IF_NOT_CLEANED_UP).build();
        final MapState<String, String> map = registry.getMapState(ttl(
            new MapStateDescriptor<>("in-place", StringCodec.INSTANCE, StringCodec.INSTANCE), returnExpired));
        setKey(1);
        map.put("b", "v1");
        map.put("c", "c1");
        clock.advance(100);
        map.put("b", "v2");   // same length: in place, b was expired
        assertEquals("c1", map.get("c"), "expired, not cleaned up: returned");
        assertEquals("v2", map.get("b"));
        clock.advance(99);
        assertEquals("v2", map.get("b"), "re-stamped by the put");
        assertEquals(Map.of("b", "v2"), toMap(map));
    }

    @Test
    @Timeout(30)
    void shouldTrimFromASnapshotTheExpiredElementsAnInPlaceOverwriteLeft()
    {
        final StateTtlConfig config = StateTtlConfig.newBuilder(100).cleanupFullSnapshot().build();
        final MapState<String, String> map = registry.getMapState(ttl(
            new MapStateDescriptor<>("in-place-trim", StringCodec.INSTANCE, StringCodec.INSTANCE), config));
        setKey(1);
        map.put("b", "v1");
        map.put("c", "c1");
        clock.advance(100);
        map.put("b", "v2");   // in place: c (expired) stays in the entry
        final TtlSnapshotFilter filter = TtlSnapshotFilter.of(registry.registeredStates(), clock.time());
        final TtlSnapshotFilter.LiveElements live = new TtlSnapshotFilter.LiveElements();
        final int[] outcomes = new int[3];
        store.forEach((key, keyLength, value, valueLength) ->
        {
            outcomes[0]++;
            if (filter.isExpired(key, keyLength, value, valueLength))
            {
                outcomes[1]++;
            }
            else if (filter.liveElements(key, keyLength, value, valueLength, live) > 0)
            {
                outcomes[2]++;
            }
        });
        assertArrayEquals(new int[] {1, 0, 1}, outcomes);
    }

    @Test
    @Timeout(30)
    void shouldIterateOnceOverASpilledMapKeyPutAgainAfterAFilteredSnapshotDroppedIt()
    {
        final StateTtlConfig config = StateTtlConfig.newBuilder(100).cleanupFullSnapshot().build();
        final MapStateDescriptor<String, String> descriptor = ttl(
            new MapStateDescriptor<>("spilled-dropped", StringCodec.INSTANCE, StringCodec.INSTANCE), config);
        final MapState<String, String> map = registry.getMapState(descriptor);
        setKey(1);
        map.put("k", "old");
        for (int i = 0; i < 17; i++)
        {
            map.put("filler-" + i, "f");
        }
        clock.advance(50);
        for (int i = 0; i < 17; i++)
        {
            map.put("filler-" + i, "g");
        }
        clock.advance(50);   // k expired, the fillers not
        final StoreSnapshot snapshot = store.snapshot(1, true);
        final TtlSnapshotFilter filter = TtlSnapshotFilter.of(registry.registeredStates(), clock.time());
        final KeyedStateStore restored = backend.createStore(1, 1_000);
        extraStores.add(restored);
        final ExpandableDirectByteBuffer keyCopy = new ExpandableDirectByteBuffer(64);
        final ExpandableDirectByteBuffer valueCopy = new ExpandableDirectByteBuffer(64);
        snapshot.forEach((key, keyLength, v, valueLength) ->
        {
            if (!filter.isExpired(key, keyLength, v, valueLength))
            {
                keyCopy.putBytes(0, key, 0, keyLength);
                valueCopy.putBytes(0, v, 0, valueLength);
                restored.put(keyCopy, keyLength, valueCopy, 0, valueLength);
            }
        });
        snapshot.release();
        final KeyedStateRegistry restoredRegistry = new KeyedStateRegistry(restored, keyContext, clock);
        final MapState<String, String> restoredMap = restoredRegistry.getMapState(ttl(
            new MapStateDescriptor<>("spilled-dropped", StringCodec.INSTANCE, StringCodec.INSTANCE), config));
        setKey(1);
        restoredMap.put("k", "new");
        assertEquals(18, toMap(restoredMap).size(), "k once, and the 17 fillers");
        assertEquals(18, restoredMap.keys().size());
        assertEquals("new", restoredMap.get("k"));
    }

    @Test
    @Timeout(30)
    void shouldIsolateNamespacesOfEveryPrimitive()
    {
        final ValueState<String> value = registry.getNamespacedState(
            new ValueStateDescriptor<>("nv", StringCodec.INSTANCE));
        final ListState<Long> list = registry.getNamespacedState(new ListStateDescriptor<>("nl", LongCodec.INSTANCE));
        final MapState<String, String> map = registry.getNamespacedState(
            new MapStateDescriptor<>("nm", StringCodec.INSTANCE, StringCodec.INSTANCE));
        final LongValueState counter = registry.getNamespacedState(new LongValueStateDescriptor("nc"));
        assertTrue(value instanceof NamespacedState);
        setKey(3);
        for (long window = 0; window < 5; window++)
        {
            setNamespace(window, value, list, map, counter);
            value.update("w" + window);
            list.add(window);
            list.add(window * 10);
            map.put("k", "w" + window);
            counter.update(window + 100);
        }
        for (long window = 0; window < 5; window++)
        {
            setNamespace(window, value, list, map, counter);
            assertEquals("w" + window, value.value());
            assertEquals(List.of(window, window * 10), list.get());
            assertEquals(Map.of("k", "w" + window), toMap(map));
            assertEquals(window + 100, counter.valueOr(-1));
        }
        setNamespace(2, value, list, map, counter);
        value.clear();
        list.clear();
        map.clear();
        counter.clear();
        assertNull(value.value());
        assertEquals(List.of(), list.get());
        setNamespace(3, value, list, map, counter);
        assertEquals("w3", value.value());
        assertEquals(List.of(3L, 30L), list.get());
        assertEquals(Map.of("k", "w3"), toMap(map));
        final ValueState<String> plain = registry.getState(new ValueStateDescriptor<>("plain", StringCodec.INSTANCE));
        final IllegalStateException error =
            assertThrows(IllegalStateException.class, () -> ((NamespacedState)plain).setNamespace(1));
        assertTrue(error.getMessage().contains("plain"), error.getMessage());
    }

    @Test
    @Timeout(60)
    void shouldKeepManyKeysApartAcrossAllKeyGroups()
    {
        final LongValueState state = registry.getLongState(new LongValueStateDescriptor("c"));
        final MapState<Integer, Integer> map = registry.getMapState(
            new MapStateDescriptor<>("m", IntCodec.INSTANCE, IntCodec.INSTANCE));
        final int keys = KEY_GROUPS * 40;
        for (long key = 0; key < keys; key++)
        {
            setKey(key);
            state.update(key * 3);
            map.put((int)key % 7, (int)key);
        }
        for (long key = 0; key < keys; key++)
        {
            setKey(key);
            assertEquals(key * 3, state.valueOr(-1), "key " + key);
            assertEquals(Map.of((int)key % 7, (int)key), toMap(map), "key " + key);
        }
        final Set<Integer> keyGroups = new HashSet<>();
        final long[] entries = new long[1];
        store.forEach((key, keyLength, value, valueLength) ->
        {
            keyGroups.add(StateKeyDescriptor.keyGroup(key));
            entries[0]++;
        });
        assertEquals(KEY_GROUPS, keyGroups.size());
        assertEquals(keys * 2L, entries[0], "per key: one long value and one packed map entry");
    }

    @Test
    @Timeout(30)
    void shouldRoundTripLargeValues()
    {
        final Random random = new Random(42);
        final byte[] big = randomBytes(random, 70_000);
        final byte[] bigger = randomBytes(random, 200_000);
        final ValueState<byte[]> value = registry.getState(new ValueStateDescriptor<>("v", BytesCodec.INSTANCE));
        final ListState<byte[]> list = registry.getListState(new ListStateDescriptor<>("l", BytesCodec.INSTANCE));
        final MapState<String, byte[]> map = registry.getMapState(
            new MapStateDescriptor<>("m", StringCodec.INSTANCE, BytesCodec.INSTANCE));
        setKey(1);
        value.update(big);
        list.add(bigger);
        list.add(big);
        map.put("big", bigger);
        assertArrayEquals(big, value.value());
        final List<byte[]> elements = list.get();
        assertArrayEquals(bigger, elements.get(0));
        assertArrayEquals(big, elements.get(1));
        assertArrayEquals(bigger, map.get("big"));
        value.update(new byte[] { 1 });
        assertArrayEquals(new byte[] { 1 }, value.value(), "a shrunk value must not keep bytes of the large one");
    }

    @Test
    @Timeout(30)
    void shouldTellEmptyValuesFromAbsentOnes()
    {
        final ValueState<String> string = registry.getState(new ValueStateDescriptor<>("s", StringCodec.INSTANCE));
        final ValueState<byte[]> bytes = registry.getState(new ValueStateDescriptor<>("b", BytesCodec.INSTANCE));
        final ListState<String> list = registry.getListState(new ListStateDescriptor<>("l", StringCodec.INSTANCE));
        final MapState<String, byte[]> map = registry.getMapState(
            new MapStateDescriptor<>("m", StringCodec.INSTANCE, BytesCodec.INSTANCE));
        setKey(1);
        string.update("");
        bytes.update(new byte[0]);
        list.add("");
        list.add("");
        map.put("", new byte[0]);
        map.put("x", new byte[0]);
        assertEquals("", string.value());
        assertArrayEquals(new byte[0], bytes.value());
        assertEquals(List.of("", ""), list.get());
        assertTrue(map.contains(""));
        assertArrayEquals(new byte[0], map.get(""));
        assertEquals(Set.of("", "x"), new HashSet<>(map.keys()));
        map.remove("");
        assertEquals(List.of("x"), map.keys());
    }

    @Test
    @Timeout(30)
    void shouldClearOnlyTheCurrentKeysEntries()
    {
        final ValueState<String> value = registry.getState(new ValueStateDescriptor<>("v", StringCodec.INSTANCE));
        final ListState<String> list = registry.getListState(new ListStateDescriptor<>("l", StringCodec.INSTANCE));
        final MapState<String, String> map = registry.getMapState(
            new MapStateDescriptor<>("m", StringCodec.INSTANCE, StringCodec.INSTANCE));
        final ReducingState<Long> sum = registry.getReducingState(
            new ReducingStateDescriptor<>("r", Long::sum, LongCodec.INSTANCE));
        for (long key = 1; key <= 2; key++)
        {
            setKey(key);
            value.update("v" + key);
            list.addAll(List.of("a" + key, "b" + key));
            map.put("k", "m" + key);
            map.put("j", "n" + key);
            sum.add(key);
        }
        final long perKey = liveEntries() / 2;
        setKey(1);
        value.clear();
        list.clear();
        map.clear();
        sum.clear();
        assertNull(value.value());
        assertEquals(List.of(), list.get());
        assertTrue(map.isEmpty());
        assertNull(sum.get());
        assertEquals(perKey, liveEntries(), "key 1 must leave no entry behind");
        setKey(2);
        assertEquals("v2", value.value());
        assertEquals(List.of("a2", "b2"), list.get());
        assertEquals(Map.of("k", "m2", "j", "n2"), toMap(map));
        assertEquals(2L, sum.get());
    }

    @Test
    @Timeout(30)
    void shouldReadBackStateAfterReopen()
    {
        assumeTrue(supportsReopen(), "backend does not persist across close");
        final ValueState<String> value = registry.getState(new ValueStateDescriptor<>("v", StringCodec.INSTANCE));
        final MapState<String, String> map = registry.getMapState(
            new MapStateDescriptor<>("m", StringCodec.INSTANCE, StringCodec.INSTANCE));
        setKey(5);
        value.update("kept");
        map.put("a", "b");
        store.close();
        store = reopen(backend, dir, 0);
        registry = new KeyedStateRegistry(store, keyContext, clock);
        final ValueState<String> reopenedValue =
            registry.getState(new ValueStateDescriptor<>("v", StringCodec.INSTANCE));
        final MapState<String, String> reopenedMap = registry.getMapState(
            new MapStateDescriptor<>("m", StringCodec.INSTANCE, StringCodec.INSTANCE));
        setKey(5);
        assertEquals("kept", reopenedValue.value());
        assertEquals(Map.of("a", "b"), toMap(reopenedMap));
    }

    // ------------------------------------------------------------------------------------------------------- TTL

    @Test
    @Timeout(30)
    void shouldExpireOnCreateAndWriteRegardlessOfReads()
    {
        final ValueState<String> state = registry.getState(ttl(new ValueStateDescriptor<>("v", StringCodec.INSTANCE),
            StateTtlConfig.newBuilder(100).updateType(StateTtlConfig.UpdateType.ON_CREATE_AND_WRITE).build()));
        setKey(1);
        state.update("x");
        clock.advance(50);
        assertEquals("x", state.value());
        clock.advance(49);
        assertEquals("x", state.value(), "reads must not extend the TTL");
        clock.advance(1);
        assertNull(state.value(), "expired exactly when lastAccess + ttl <= now");
        assertEquals(0, liveEntries(), "cleanup on access removes the expired value");
        state.update("y");
        clock.advance(99);
        assertEquals("y", state.value());
    }

    @Test
    @Timeout(30)
    void shouldRefreshOnReadAndWrite()
    {
        final ValueState<String> state = registry.getState(ttl(new ValueStateDescriptor<>("v", StringCodec.INSTANCE),
            StateTtlConfig.newBuilder(100).updateType(StateTtlConfig.UpdateType.ON_READ_AND_WRITE).build()));
        final LongValueState counter = registry.getLongState(ttl(new LongValueStateDescriptor("c"),
            StateTtlConfig.newBuilder(100).updateType(StateTtlConfig.UpdateType.ON_READ_AND_WRITE).build()));
        setKey(1);
        state.update("x");
        counter.update(5);
        for (int i = 0; i < 5; i++)
        {
            clock.advance(99);
            assertEquals("x", state.value());
            assertEquals(5, counter.valueOr(-1));
        }
        clock.advance(100);
        assertNull(state.value());
        assertFalse(counter.exists());
    }

    @Test
    @Timeout(30)
    void shouldReturnExpiredValueOnceWhenCleanupOnAccessRemovesIt()
    {
        final ValueState<String> state = registry.getState(ttl(new ValueStateDescriptor<>("v", StringCodec.INSTANCE),
            StateTtlConfig.newBuilder(100)
                .stateVisibility(StateTtlConfig.StateVisibility.RETURN_EXPIRED_IF_NOT_CLEANED_UP).build()));
        setKey(1);
        state.update("x");
        clock.advance(100);
        assertEquals("x", state.value(), "not yet cleaned up, so returned");
        assertNull(state.value(), "the read cleaned it up");
        assertEquals(0, liveEntries());
    }

    @Test
    @Timeout(30)
    void shouldKeepReturningExpiredValueWithoutCleanupOnAccess()
    {
        final ValueState<String> state = registry.getState(ttl(new ValueStateDescriptor<>("v", StringCodec.INSTANCE),
            StateTtlConfig.newBuilder(100)
                .stateVisibility(StateTtlConfig.StateVisibility.RETURN_EXPIRED_IF_NOT_CLEANED_UP)
                .disableCleanupOnAccess().build()));
        setKey(1);
        state.update("x");
        clock.advance(500);
        assertEquals("x", state.value());
        assertEquals("x", state.value());
        assertEquals(1, liveEntries());
    }

    @Test
    @Timeout(30)
    void shouldHideButKeepExpiredValueWhenNeverReturnedAndNotCleanedOnAccess()
    {
        final ReducingState<Long> sum = registry.getReducingState(ttl(
            new ReducingStateDescriptor<>("r", Long::sum, LongCodec.INSTANCE),
            StateTtlConfig.newBuilder(100).disableCleanupOnAccess().build()));
        final AggregatingState<Long, Double> avg = registry.getAggregatingState(ttl(
            new AggregatingStateDescriptor<>("a", new Average(), AverageCodec.INSTANCE),
            StateTtlConfig.newBuilder(100).disableCleanupOnAccess().build()));
        setKey(1);
        sum.add(3L);
        avg.add(3L);
        clock.advance(100);
        assertNull(sum.get());
        assertNull(avg.get());
        assertEquals(2, liveEntries(), "without cleanup on access expired values stay stored");
        sum.add(4L);
        avg.add(5L);
        assertEquals(4L, sum.get(), "an expired value does not take part in the reduction");
        assertEquals(5.0, avg.get());
    }

    @Test
    @Timeout(30)
    void shouldExpireListElementsIndividually()
    {
        final ListState<String> list = registry.getListState(ttl(
            new ListStateDescriptor<>("l", StringCodec.INSTANCE), StateTtlConfig.newBuilder(100).build()));
        setKey(1);
        list.add("a");
        clock.advance(60);
        list.addAll(List.of("b", "c"));
        clock.advance(40);
        assertEquals(List.of("b", "c"), list.get());
        assertEquals(2, list.size());
        clock.advance(60);
        assertEquals(List.of(), list.get());
        assertEquals(0, liveEntries(), "a list whose elements all expired leaves nothing behind");
        list.add("d");
        assertEquals(List.of("d"), list.get());
    }

    @Test
    @Timeout(30)
    void shouldKeepATtlListsHeadWhileAReadRefreshedElementsOfItsChunks()
    {
        final StateTtlConfig config = StateTtlConfig.newBuilder(100)
            .updateType(StateTtlConfig.UpdateType.ON_READ_AND_WRITE).cleanupFullSnapshot().build();
        final ListState<Long> list = registry.getListState(ttl(
            new ListStateDescriptor<>("refreshed", LongCodec.INSTANCE), config));
        // A TTL'd element of a Long takes 20 bytes: three full chunks and an empty tail, so only the chunks'
        // refreshed stamps can move the head's.
        final int perChunk = (StateLayoutDescriptor.LIST_CHUNK_TARGET_BYTES + 19) / 20;
        final List<Long> values = new ArrayList<>();
        for (long i = 0; i < 3 * perChunk; i++)
        {
            values.add(i);
        }
        setKey(1);
        list.addAll(values);
        clock.advance(60);
        assertEquals(values, list.get(), "read, so every element is stamped anew");
        clock.advance(60);
        final TtlSnapshotFilter filter = TtlSnapshotFilter.of(registry.registeredStates(), clock.time());
        final int[] expired = new int[2];
        store.forEach((key, keyLength, value, valueLength) ->
        {
            expired[0]++;
            if (filter.isExpired(key, keyLength, value, valueLength))
            {
                expired[1]++;
            }
        });
        assertEquals(4, expired[0], "a head and three chunks");
        assertEquals(0, expired[1], "the head leads with the refreshed stamps, not those its elements were added with");
        assertEquals(values, list.get());
    }

    @Test
    @Timeout(30)
    void shouldReadATtlListOfLayout3AndWriteItInTheCurrentLayoutOnItsNextWrite()
    {
        final StateTtlConfig config = StateTtlConfig.newBuilder(1_000).cleanupFullSnapshot().build();
        final ListState<String> list = registry.getListState(ttl(
            new ListStateDescriptor<>("layout-3", StringCodec.INSTANCE), config));
        final int stateId = ((ListStateView<?>)list).stateId;
        final long t0 = clock.time();
        setKey(1);
        // Layout 3: the head is the 16-byte chunk range; every element is in a chunk, the last one still open.
        final int base = keyContext.writePrefix(rawKeyBuffer, stateId);
        putLayout3Chunk(base, 0, t0, "a", t0 + 20, "b");
        putLayout3Chunk(base, 1, t0 + 30, "c");
        rawKeyBuffer.putByte(base, StateLayoutDescriptor.LIST_HEAD_MARKER);
        rawValueBuffer.putLong(0, 0, java.nio.ByteOrder.BIG_ENDIAN);
        rawValueBuffer.putLong(8, 2, java.nio.ByteOrder.BIG_ENDIAN);
        store.put(rawKeyBuffer, base + 1, rawValueBuffer, 0, StateLayoutDescriptor.LIST_HEAD_LENGTH);
        final int headKeyLength = base + 1;
        final ExpandableDirectByteBuffer headKey = new ExpandableDirectByteBuffer(64);
        headKey.putBytes(0, rawKeyBuffer, 0, headKeyLength);

        final TtlSnapshotFilter late = TtlSnapshotFilter.of(registry.registeredStates(), t0 + 10_000);
        final ExpandableDirectByteBuffer head = new ExpandableDirectByteBuffer(64);
        assertEquals(StateLayoutDescriptor.LIST_HEAD_LENGTH, store.get(headKey, headKeyLength, head));
        assertFalse(late.isExpired(headKey, headKeyLength, head, StateLayoutDescriptor.LIST_HEAD_LENGTH),
            "a head of layout 3 carries no timestamp: snapshots keep it");

        // Restored where the clock is behind the chunks' stamps (t0 against t0 + 30).
        assertEquals(List.of("a", "b", "c"), list.get());
        assertEquals(StateLayoutDescriptor.LIST_HEAD_LENGTH, store.get(headKey, headKeyLength, head),
            "a read leaves the head as it was");
        list.add("d");
        setKey(2);
        setKey(1);
        assertEquals(List.of("a", "b", "c", "d"), list.get());
        final int length = store.get(headKey, headKeyLength, head);
        assertTrue(length > StateLayoutDescriptor.LIST_HEAD_LENGTH, "rewritten with its tail: " + length + " bytes");
        assertEquals(t0 + 30, StateLayoutDescriptor.ttlTimestamp(head), "led by its chunks' newest stamp");
        assertFalse(TtlSnapshotFilter.of(registry.registeredStates(), t0 + 1_025).isExpired(
            headKey, headKeyLength, head, length), "live while its newest element is (c, stamped t0 + 30)");
        assertTrue(late.isExpired(headKey, headKeyLength, head, length), "dropped with its last element");
    }

    @Test
    @Timeout(30)
    void shouldNotReturnTheElementsOfAListWhoseHeadIncrementalCleanupRemovedWhileItWasTheCurrentKeys()
    {
        final StateTtlConfig config = StateTtlConfig.newBuilder(100).disableCleanupOnAccess()
            .stateVisibility(StateTtlConfig.StateVisibility.RETURN_EXPIRED_IF_NOT_CLEANED_UP)
            .cleanupIncrementally(10, false).build();
        final ListState<Long> list = registry.getListState(ttl(
            new ListStateDescriptor<>("cleaned", LongCodec.INSTANCE), config));
        setKey(1);
        list.add(1L);
        clock.advance(100);
        assertEquals(List.of(1L), list.get(), "expired, not cleaned up yet, so returned");
        for (int cycle = 0; cycle < 5; cycle++)
        {
            registry.onDutyCycle();
        }
        assertEquals(0, liveEntries(), "the head went with its only element");
        assertEquals(List.of(), list.get(), "cleaned up: the same current key reads the list again");
        list.add(2L);
        assertEquals(List.of(2L), list.get());
    }

    @Test
    @Timeout(30)
    void shouldNotReturnTheElementsOfANamespacedListWhoseHeadPerRecordCleanupRemovedUnderAnotherNamespace()
    {
        final StateTtlConfig config = StateTtlConfig.newBuilder(100).disableCleanupOnAccess()
            .stateVisibility(StateTtlConfig.StateVisibility.RETURN_EXPIRED_IF_NOT_CLEANED_UP)
            .cleanupIncrementally(10, true).build();
        final ListState<Long> list = registry.getNamespacedState(ttl(
            new ListStateDescriptor<>("per-record", LongCodec.INSTANCE), config));
        final NamespacedState windows = (NamespacedState)list;
        setKey(1);
        windows.setNamespace(1);
        list.add(1L);
        assertEquals(List.of(1L), list.get());
        clock.advance(100);
        windows.setNamespace(2);
        for (int i = 0; i < 5; i++)
        {
            list.addAll(List.of());   // an access: a cleanup step, and nothing read or written
        }
        assertEquals(0, liveEntries(), "per-record cleanup removed the expired head");
        windows.setNamespace(1);
        assertEquals(List.of(), list.get(), "the head read under namespace 1 is gone, not returned from memory");
    }

    /** A list chunk of layout 3 (the current one's too): {@code [maxTs] ([ts][length][element])*}, at seq. */
    private void putLayout3Chunk(final int base, final long seq, final Object... stampsAndElements)
    {
        rawKeyBuffer.putByte(base, StateLayoutDescriptor.LIST_CHUNK_MARKER);
        rawKeyBuffer.putLong(base + 1, seq, java.nio.ByteOrder.BIG_ENDIAN);
        int position = StateLayoutDescriptor.TTL_TIMESTAMP_LENGTH;
        long maxTs = Long.MIN_VALUE;
        for (int i = 0; i < stampsAndElements.length; i += 2)
        {
            final long ts = (Long)stampsAndElements[i];
            maxTs = Math.max(maxTs, ts);
            rawValueBuffer.putLong(position, ts, java.nio.ByteOrder.BIG_ENDIAN);
            final int length = StringCodec.INSTANCE.encode((String)stampsAndElements[i + 1], rawValueBuffer,
                position + 12);
            rawValueBuffer.putInt(position + 8, length, java.nio.ByteOrder.BIG_ENDIAN);
            position += 12 + length;
        }
        rawValueBuffer.putLong(0, maxTs, java.nio.ByteOrder.BIG_ENDIAN);
        store.put(rawKeyBuffer, base + 1 + StateLayoutDescriptor.LIST_SEQ_LENGTH, rawValueBuffer, 0, position);
    }

    @Test
    @Timeout(30)
    void shouldExpireMapEntriesIndividually()
    {
        final MapState<String, Long> map = registry.getMapState(ttl(
            new MapStateDescriptor<>("m", StringCodec.INSTANCE, LongCodec.INSTANCE),
            StateTtlConfig.newBuilder(100).build()));
        setKey(1);
        map.put("a", 1L);
        map.put("b", 2L);
        clock.advance(60);
        map.put("c", 3L);
        map.put("a", 10L);
        clock.advance(40);
        assertNull(map.get("b"));
        assertEquals(Map.of("a", 10L, "c", 3L), toMap(map));
        map.put("d", 4L);
        assertEquals(Map.of("a", 10L, "c", 3L, "d", 4L), toMap(map));
        clock.advance(60);
        assertEquals(Map.of("d", 4L), toMap(map));
        clock.advance(100);
        assertTrue(map.isEmpty());
        assertEquals(0, liveEntries(), "a map whose entries all expired leaves nothing behind");
    }

    @Test
    @Timeout(30)
    void shouldRemoveExpiredEntriesIncrementallyOnDutyCycleWithoutAccess()
    {
        final StateTtlConfig config = StateTtlConfig.newBuilder(100)
            .disableCleanupOnAccess().cleanupIncrementally(10, false).build();
        final ValueState<String> value = registry.getState(ttl(
            new ValueStateDescriptor<>("v", StringCodec.INSTANCE), config));
        final ListState<Long> list = registry.getListState(ttl(
            new ListStateDescriptor<>("l", LongCodec.INSTANCE), config));
        final MapState<Long, Long> map = registry.getMapState(ttl(
            new MapStateDescriptor<>("m", LongCodec.INSTANCE, LongCodec.INSTANCE), config));
        final LongValueState untouched = registry.getLongState(new LongValueStateDescriptor("keep"));
        for (long key = 0; key < 50; key++)
        {
            setKey(key);
            value.update("v");
            list.add(key);
            map.put(key, key);
            map.put(key + 1, key);
            untouched.update(key);
        }
        registry.onDutyCycle();
        assertEquals(50, countEntries(1));
        clock.advance(100);
        for (int cycle = 0; cycle < 15; cycle++)
        {
            registry.onDutyCycle();
        }
        assertEquals(0, countEntries(1), "value entries");
        assertEquals(0, countEntries(2), "list heads: a head goes once the list's newest element expired");
        assertEquals(0, countEntries(3), "map entries, slots and heads");
        assertEquals(50, countEntries(4), "states without TTL are never touched");
        setKey(3);
        assertEquals(List.of(), list.get());
        list.add(7L);
        assertEquals(List.of(7L), list.get(), "a list whose head cleanup removed starts afresh");
    }

    @Test
    @Timeout(60)
    void shouldVisitEveryEntryLiveThroughAPassOfAnEntryScanExactlyOnceWhileOthersChange()
    {
        final long seed = seed("entry-scan");
        final Random random = new Random(seed);
        final Map<String, String> stable = new HashMap<>();
        final Map<String, String> changing = new HashMap<>();
        for (int i = 0; i < 3_000; i++)
        {
            rawPut(stable, i, "s" + i);
        }
        final io.weir.state.spi.EntryScan scan = store.newEntryScan();
        for (int pass = 0; pass < 3; pass++)
        {
            final Map<String, Integer> visits = new HashMap<>();
            int steps = 0;
            boolean more;
            do
            {
                final int minEntries = 1 + random.nextInt(400);
                final int[] visited = new int[1];
                more = scan.step(minEntries, (key, keyLength, value, valueLength) ->
                {
                    visits.merge(hex(key, keyLength), 1, Integer::sum);
                    visited[0]++;
                });
                assertTrue(!more || visited[0] >= minEntries,
                    "seed " + seed + ": a step that does not end the pass visits at least " + minEntries + ", not " +
                    visited[0]);
                for (int change = 0; change < 50; change++)
                {
                    final int i = 10_000 + random.nextInt(2_000);
                    if (random.nextBoolean())
                    {
                        rawPut(changing, i, "c" + change);
                    }
                    else
                    {
                        rawRemove(changing, i);
                    }
                }
                assertTrue(++steps < 10_000, "seed " + seed + ": the pass never ends");
            }
            while (more);
            for (final String key : stable.keySet())
            {
                assertEquals(1, visits.getOrDefault(key, 0), "seed " + seed + " pass " + pass + ": visits of " + key);
            }
        }
    }

    /** Counts the entries its walks ({@code forEach} and entry scans) visit, in {@code entriesVisited[0]}. */
    static final class EntryCountingStore extends io.weir.state.spi.ForwardingKeyedStateStore
    {
        final long[] entriesVisited = new long[1];

        EntryCountingStore(final KeyedStateStore delegate)
        {
            super(delegate);
        }

        @Override
        public void forEach(final io.weir.state.spi.EntryVisitor visitor)
        {
            super.forEach(counted(visitor));
        }

        @Override
        public io.weir.state.spi.EntryScan newEntryScan()
        {
            final io.weir.state.spi.EntryScan scan = super.newEntryScan();
            return (minEntries, visitor) -> scan.step(minEntries, counted(visitor));
        }

        private io.weir.state.spi.EntryVisitor counted(final io.weir.state.spi.EntryVisitor visitor)
        {
            return (key, keyLength, value, valueLength) ->
            {
                entriesVisited[0]++;
                visitor.onEntry(key, keyLength, value, valueLength);
            };
        }
    }

    @Test
    @Timeout(60)
    void shouldCleanUpIncrementallyInOneWalkOfTheStoreNotOneWalkPerChunk()
    {
        final EntryCountingStore counting = new EntryCountingStore(store);
        final long[] entriesVisited = counting.entriesVisited;
        final KeyedStateRegistry countingRegistry = new KeyedStateRegistry(counting, keyContext, clock);
        // One entry examined per duty cycle: a chunk of 1,024 candidates per walk step.
        final ValueState<String> expiring = countingRegistry.getState(ttl(
            new ValueStateDescriptor<>("expiring", StringCodec.INSTANCE),
            StateTtlConfig.newBuilder(100).disableCleanupOnAccess().cleanupIncrementally(1, false).build()));
        final LongValueState kept = countingRegistry.getLongState(new LongValueStateDescriptor("kept"));
        final int keys = 20_000;
        for (long key = 0; key < keys; key++)
        {
            setKey(key);
            expiring.update("v");
            kept.update(key);
        }
        clock.advance(100);
        entriesVisited[0] = 0;
        int cycles = 0;
        while (countEntries(1) > 0)
        {
            for (int i = 0; i < 1_000; i++)
            {
                countingRegistry.onDutyCycle();
            }
            cycles += 1_000;
            assertTrue(cycles <= 4 * keys, "expired entries left after " + cycles + " duty cycles: " + countEntries(1));
        }
        assertEquals(keys, countEntries(2));
        // Removing every entry of one state takes one pass over the store (2 x 20,000 entries), maybe two as the
        // removals move entries within it; one walk of the whole store per chunk of 1,024 candidates took 20.
        assertTrue(entriesVisited[0] <= 3L * 2 * keys, "entries visited: " + entriesVisited[0]);
    }

    @Test
    @Timeout(60)
    void shouldCleanUpEveryTtlStateOfAStoreInOneSharedWalk()
    {
        final EntryCountingStore counting = new EntryCountingStore(store);
        final long[] entriesVisited = counting.entriesVisited;
        final KeyedStateRegistry countingRegistry = new KeyedStateRegistry(counting, keyContext, clock);
        final int states = 5;
        final List<ValueState<String>> expiring = new ArrayList<>();
        for (int s = 0; s < states; s++)
        {
            expiring.add(countingRegistry.getState(ttl(new ValueStateDescriptor<>("expiring-" + s, StringCodec.INSTANCE),
                StateTtlConfig.newBuilder(100).disableCleanupOnAccess().cleanupIncrementally(50, false).build())));
        }
        final int keys = 4_000;
        for (long key = 0; key < keys; key++)
        {
            setKey(key);
            for (int s = 0; s < states; s++)
            {
                expiring.get(s).update("v");
            }
        }
        clock.advance(100);
        final long storeEntries = (long)states * keys;
        int cycles = 0;
        while (liveEntries() > 0)
        {
            countingRegistry.onDutyCycle();
            assertTrue(++cycles <= 4 * keys, "expired entries left after " + cycles + " duty cycles: " + liveEntries());
        }
        // A walk per state visits the store once per state (5 x 20,000 entries); the shared walk hands each entry
        // to its state's cleanup, so the store is walked once, maybe twice as the removals move entries within it.
        assertTrue(entriesVisited[0] <= 2L * storeEntries + 1, "entries visited: " + entriesVisited[0] +
            " for a store of " + storeEntries);
    }

    @Test
    @Timeout(30)
    void shouldLookUpOnlyTheCandidatesWhoseTimestampHasExpiredWhenCleaningUpIncrementally()
    {
        final long[] gets = new long[1];
        final KeyedStateStore counting = new io.weir.state.spi.ForwardingKeyedStateStore(store)
        {
            @Override
            public int get(final DirectBuffer key, final int keyLength, final MutableDirectBuffer valueOut)
            {
                gets[0]++;
                return super.get(key, keyLength, valueOut);
            }
        };
        final KeyedStateRegistry countingRegistry = new KeyedStateRegistry(counting, keyContext, clock);
        final ValueState<String> value = countingRegistry.getState(ttl(
            new ValueStateDescriptor<>("v", StringCodec.INSTANCE),
            StateTtlConfig.newBuilder(100).disableCleanupOnAccess().cleanupIncrementally(10, false).build()));
        updateKeys(value, 0, 200, "stale");
        clock.advance(60);
        updateKeys(value, 200, 300, "fresh");
        clock.advance(40);
        gets[0] = 0;
        for (int cycle = 0; cycle < 100; cycle++)
        {
            countingRegistry.onDutyCycle();
        }
        assertEquals(100, countEntries(1), "the 200 expired entries removed, the 100 live ones kept");
        assertEquals(200, gets[0], "one look-up per expired entry over several passes, none for a live one");
    }

    @Test
    @Timeout(30)
    void shouldKeepAnEntryRewrittenAfterTheIncrementalCleanupFoundItExpired()
    {
        final ValueState<String> value = registry.getState(ttl(new ValueStateDescriptor<>("v", StringCodec.INSTANCE),
            StateTtlConfig.newBuilder(100).disableCleanupOnAccess().cleanupIncrementally(1, false).build()));
        updateKeys(value, 0, 10, "old");
        clock.advance(100);
        registry.onDutyCycle();
        assertEquals(9, countEntries(1), "the first step found all 10 expired and removed one");
        updateKeys(value, 0, 10, "new");
        for (int cycle = 0; cycle < 20; cycle++)
        {
            registry.onDutyCycle();
        }
        assertEquals(10, countEntries(1), "rewritten since the walk found them: live, so kept");
    }

    /** Set {@code state} to {@code value} under each key of {@code [from, to)}. */
    private void updateKeys(final ValueState<String> state, final long from, final long to, final String value)
    {
        for (long key = from; key < to; key++)
        {
            setKey(key);
            state.update(value);
        }
    }

    @Test
    @Timeout(30)
    void shouldRemoveExpiredEntriesIncrementallyOnStateAccessPerRecord()
    {
        final ValueState<String> value = registry.getState(ttl(new ValueStateDescriptor<>("v", StringCodec.INSTANCE),
            StateTtlConfig.newBuilder(100).disableCleanupOnAccess().cleanupIncrementally(5, true).build()));
        for (long key = 0; key < 20; key++)
        {
            setKey(key);
            value.update("v" + key);
        }
        clock.advance(100);
        registry.onDutyCycle();
        assertEquals(20, countEntries(1), "per-record cleanup does not run on duty cycles");
        setKey(1_000);
        for (int access = 0; access < 4; access++)
        {
            assertNull(value.value());
        }
        assertEquals(0, countEntries(1));
    }

    @Test
    @Timeout(30)
    void shouldLeaveExpiredEntriesOutOfFullSnapshotAndStillReadRestoredState()
    {
        final StateTtlConfig config = StateTtlConfig.newBuilder(100)
            .stateVisibility(StateTtlConfig.StateVisibility.RETURN_EXPIRED_IF_NOT_CLEANED_UP)
            .disableCleanupOnAccess().cleanupFullSnapshot().build();
        final ValueState<String> value = registry.getState(ttl(
            new ValueStateDescriptor<>("v", StringCodec.INSTANCE), config));
        final ListState<String> list = registry.getListState(ttl(
            new ListStateDescriptor<>("l", StringCodec.INSTANCE), config));
        final MapState<String, String> map = registry.getMapState(ttl(
            new MapStateDescriptor<>("m", StringCodec.INSTANCE, StringCodec.INSTANCE), config));
        final ValueState<String> noTtl = registry.getState(new ValueStateDescriptor<>("n", StringCodec.INSTANCE));
        setKey(1);
        value.update("old");
        list.addAll(List.of("old1", "old2"));
        map.put("old1", "o");
        map.put("old2", "o");
        noTtl.update("forever");
        setKey(2);
        value.update("old");
        list.add("gone");
        clock.advance(99);
        setKey(1);
        list.add("fresh");
        map.put("fresh", "f");
        map.put("old1", "refreshed");
        setKey(3);
        value.update("fresh");
        clock.advance(1);

        final StoreSnapshot snapshot = store.snapshot(1, true);
        final TtlSnapshotFilter filter = TtlSnapshotFilter.of(registry.registeredStates(), clock.time());
        assertFalse(filter.isEmpty());
        final KeyedStateStore restored = backend.createStore(1, 1_000);
        extraStores.add(restored);
        final int[] skipped = new int[1];
        final int[] trimmed = new int[1];
        final TtlSnapshotFilter.LiveElements live = new TtlSnapshotFilter.LiveElements();
        final ExpandableDirectByteBuffer keyCopy = new ExpandableDirectByteBuffer(64);
        final ExpandableDirectByteBuffer valueCopy = new ExpandableDirectByteBuffer(64);
        snapshot.forEach((key, keyLength, v, valueLength) ->
        {
            if (filter.isExpired(key, keyLength, v, valueLength))
            {
                skipped[0]++;
                return;
            }
            keyCopy.putBytes(0, key, 0, keyLength);
            final int liveLength = filter.liveElements(key, keyLength, v, valueLength, live);
            if (liveLength == 0)
            {
                skipped[0]++;
                return;
            }
            if (liveLength > 0)
            {
                trimmed[0]++;
                valueCopy.putBytes(0, live.buffer(), 0, liveLength);
                restored.put(keyCopy, keyLength, valueCopy, 0, liveLength);
                return;
            }
            valueCopy.putBytes(0, v, 0, valueLength);
            restored.put(keyCopy, keyLength, valueCopy, 0, valueLength);
        });
        snapshot.release();
        // A list's head is left out once all the list's elements expired (key 2's); key 1's holds a live one. Key
        // 1's map is one packed entry: kept without its expired element.
        assertEquals(3, skipped[0], "two values and a list expired");
        assertEquals(1, trimmed[0], "the packed map written without its expired element");

        final KeyedStateRegistry restoredRegistry = new KeyedStateRegistry(restored, keyContext, clock);
        final ValueState<String> restoredValue = restoredRegistry.getState(ttl(
            new ValueStateDescriptor<>("v", StringCodec.INSTANCE), config));
        final ListState<String> restoredList = restoredRegistry.getListState(ttl(
            new ListStateDescriptor<>("l", StringCodec.INSTANCE), config));
        final MapState<String, String> restoredMap = restoredRegistry.getMapState(ttl(
            new MapStateDescriptor<>("m", StringCodec.INSTANCE, StringCodec.INSTANCE), config));
        final ValueState<String> restoredNoTtl = restoredRegistry.getState(
            new ValueStateDescriptor<>("n", StringCodec.INSTANCE));
        setKey(1);
        assertNull(restoredValue.value());
        assertEquals("forever", restoredNoTtl.value());
        assertEquals(List.of("old1", "old2", "fresh"), restoredList.get(), "expired, but not cleaned up, so returned");
        assertEquals(Map.of("fresh", "f", "old1", "refreshed"), toMap(restoredMap));
        restoredMap.put("new", "n");
        restoredMap.remove("fresh");
        assertEquals(Map.of("old1", "refreshed", "new", "n"), toMap(restoredMap));
        setKey(2);
        assertNull(restoredValue.value());
        assertEquals(List.of(), restoredList.get());
        setKey(3);
        assertEquals("fresh", restoredValue.value());
    }

    // ------------------------------------------------------------------------------------------------ snapshots

    @Test
    @Timeout(60)
    void shouldSeeStateAtSnapshotPointInFullSnapshotWhileWritesContinue()
    {
        final Map<String, String> model = new HashMap<>();
        for (int i = 0; i < 1_000; i++)
        {
            rawPut(model, i, "v" + i);
        }
        final Map<String, String> atSnapshot = new HashMap<>(model);
        final StoreSnapshot snapshot = store.snapshot(1, true);
        assertEquals(1, snapshot.checkpointId());
        assertTrue(snapshot.isFull());
        for (int i = 0; i < 1_000; i += 2)
        {
            rawPut(model, i, "changed" + i);
        }
        for (int i = 1; i < 1_000; i += 4)
        {
            rawRemove(model, i);
        }
        for (int i = 1_000; i < 1_200; i++)
        {
            rawPut(model, i, "new" + i);
        }
        rawPut(model, 3, "removed then written again");
        assertEquals(atSnapshot, read(snapshot));
        assertEquals(model, readLive());
        snapshot.release();
        snapshot.release();
        assertEquals(model, readLive());
    }

    @Test
    @Timeout(60)
    void shouldHoldExactlyChangedKeysAndTombstonesInDeltaAfterFull()
    {
        final Map<String, String> model = new HashMap<>();
        for (int i = 0; i < 100; i++)
        {
            rawPut(model, i, "v" + i);
        }
        final Map<String, String> atFull = new HashMap<>(model);
        final StoreSnapshot full = store.snapshot(1, true);
        full.forEach((key, keyLength, value, valueLength) -> {});
        full.release();

        final Map<String, String> expectedDelta = new HashMap<>();
        for (int i = 0; i < 10; i++)
        {
            rawPut(model, i, "changed" + i);
            expectedDelta.put(rawKey(i), "changed" + i);
        }
        for (int i = 10; i < 15; i++)
        {
            rawRemove(model, i);
            expectedDelta.put(rawKey(i), null);
        }
        for (int i = 100; i < 105; i++)
        {
            rawPut(model, i, "new" + i);
            expectedDelta.put(rawKey(i), "new" + i);
        }
        rawPut(model, 200, "short-lived");
        rawRemove(model, 200);
        expectedDelta.put(rawKey(200), null);

        final StoreSnapshot delta = store.snapshot(2, false);
        assertFalse(delta.isFull());
        rawPut(model, 0, "after the delta point");
        rawRemove(model, 1);
        rawPut(model, 50, "after the delta point");
        rawPut(model, 300, "after the delta point");
        final Map<String, String> readDelta = read(delta);
        assertEquals(allowingShortLivedKeysLeftOut(expectedDelta, atFull, readDelta), readDelta);
        delta.release();

        final StoreSnapshot nextDelta = store.snapshot(3, false);
        final Map<String, String> expectedNext = new HashMap<>();
        expectedNext.put(rawKey(0), "after the delta point");
        expectedNext.put(rawKey(1), null);
        expectedNext.put(rawKey(50), "after the delta point");
        expectedNext.put(rawKey(300), "after the delta point");
        assertEquals(expectedNext, read(nextDelta));
        nextDelta.release();
    }

    @Test
    @Timeout(60)
    void shouldReadSnapshotOnAnotherThreadWhileShardWrites() throws Exception
    {
        final Map<String, String> model = new HashMap<>();
        final int entries = 20_000;
        for (int i = 0; i < entries; i++)
        {
            rawPut(model, i, "v" + i);
        }
        final Map<String, String> atSnapshot = new HashMap<>(model);
        final StoreSnapshot snapshot = store.snapshot(7, true);
        final CountDownLatch started = new CountDownLatch(1);
        final AtomicReference<Object> result = new AtomicReference<>();
        final Thread reader = new Thread(() ->
        {
            try
            {
                started.countDown();
                result.set(read(snapshot));
                snapshot.release();
            }
            catch (final Throwable t)
            {
                result.set(t);
            }
        }, "snapshot-reader");
        reader.start();
        started.await();
        for (int round = 0; round < 3; round++)
        {
            for (int i = round; i < entries; i += 3)
            {
                if (i % 5 == 0)
                {
                    rawRemove(model, i);
                }
                else
                {
                    rawPut(model, i, "r" + round + "-" + i);
                }
            }
        }
        reader.join();
        if (result.get() instanceof Throwable)
        {
            throw new AssertionError("snapshot reader failed", (Throwable)result.get());
        }
        assertEquals(atSnapshot, result.get());
        assertEquals(model, readLive());
    }

    @Test
    @Timeout(60)
    void shouldReadTheSnapshotPointInStepsWhileTheShardWritesBetweenThem()
    {
        final long seed = seed("shouldReadTheSnapshotPointInStepsWhileTheShardWritesBetweenThem");
        final java.util.Random random = new java.util.Random(seed);
        final int keys = 2_000;
        final Map<String, String> model = new HashMap<>();
        for (int i = 0; i < keys; i++)
        {
            rawPut(model, i, "v" + i);
        }

        final Map<String, String> atFull = new HashMap<>(model);
        final StoreSnapshot full = store.snapshot(1, true);
        Map<String, String> changedAtPoint = new HashMap<>();
        assertSameEntries(atFull, readInStepsWhileWriting(full, model, changedAtPoint, random, keys), "seed " + seed);
        full.release();

        // A few changed keys (a delta read by look-up where a backend chooses), then most of them (by scan).
        Map<String, String> previousPoint = atFull;
        for (final int changes : new int[] {60, 1_800})
        {
            final Map<String, String> expectedDelta = new HashMap<>();
            for (final String key : changedAtPoint.keySet())
            {
                expectedDelta.put(key, model.get(key));
            }
            for (int c = 0; c < changes; c++)
            {
                final int i = random.nextInt(keys + 200);
                if (randomChange(model, i, random, "d" + changes + "-" + c))
                {
                    expectedDelta.put(rawKey(i), model.get(rawKey(i)));
                }
            }
            final Map<String, String> atPoint = new HashMap<>(model);
            final StoreSnapshot delta = store.snapshot(changes, false);
            changedAtPoint = new HashMap<>();
            final Map<String, String> readDelta = readInStepsWhileWriting(delta, model, changedAtPoint, random, keys);
            assertSameEntries(allowingShortLivedKeysLeftOut(expectedDelta, previousPoint, readDelta), readDelta,
                "seed " + seed + ", delta after " + changes + " changes");
            delta.release();
            previousPoint = atPoint;
        }
        assertEquals(model, readLive());
    }

    /**
     * {@code expected} without the tombstones of keys that the previous snapshot point did not hold and
     * {@code actual} left out: a delta may name a key inserted and removed between two snapshot points with a
     * tombstone, or not at all, as neither point holds it.
     */
    private static Map<String, String> allowingShortLivedKeysLeftOut(
        final Map<String, String> expected, final Map<String, String> previousPoint, final Map<String, String> actual)
    {
        final Map<String, String> allowed = new HashMap<>(expected);
        for (final Map.Entry<String, String> entry : expected.entrySet())
        {
            final String key = entry.getKey();
            if (null == entry.getValue() && !previousPoint.containsKey(key) && !actual.containsKey(key))
            {
                allowed.remove(key);
            }
        }
        return allowed;
    }

    /** Removes key {@code i} (one time in four) or writes it; false for the removal of an absent key (no change). */
    private boolean randomChange(
        final Map<String, String> model, final int i, final java.util.Random random, final String value)
    {
        if (random.nextInt(4) == 0)
        {
            final boolean present = model.containsKey(rawKey(i));
            rawRemove(model, i);
            return present;
        }
        rawPut(model, i, value);
        return true;
    }

    /** Fails with the first few differing keys rather than both maps. */
    private static void assertSameEntries(
        final Map<String, String> expected, final Map<String, String> actual, final String message)
    {
        final java.util.TreeSet<String> keys = new java.util.TreeSet<>(expected.keySet());
        keys.addAll(actual.keySet());
        final StringBuilder differences = new StringBuilder();
        int count = 0;
        for (final String key : keys)
        {
            if (expected.containsKey(key) != actual.containsKey(key) ||
                !java.util.Objects.equals(expected.get(key), actual.get(key)))
            {
                if (count++ < 10)
                {
                    differences.append("\n  ").append(key).append(": expected ")
                        .append(expected.containsKey(key) ? expected.get(key) : "(absent)").append(", read ")
                        .append(actual.containsKey(key) ? actual.get(key) : "(absent)");
                }
            }
        }
        assertEquals(0, count, message + ": " + count + " of " + keys.size() + " keys differ" + differences);
    }

    /**
     * Reads the snapshot a few entries at a time as a shard writing its own state file does, changing the store
     * between steps (and recording each changed key in {@code changed}).
     */
    private Map<String, String> readInStepsWhileWriting(
        final StoreSnapshot snapshot,
        final Map<String, String> model,
        final Map<String, String> changed,
        final java.util.Random random,
        final int keys)
    {
        final Map<String, String> out = new HashMap<>();
        boolean more = true;
        int steps = 0;
        while (more)
        {
            store.endOfAccess();
            more = snapshot.read(
                (key, keyLength, value, valueLength) -> collect(out, key, keyLength, value, valueLength),
                1 + random.nextInt(8));
            for (int w = random.nextInt(4); w > 0; w--)
            {
                final int i = random.nextInt(keys + 200);
                if (randomChange(model, i, random, "s" + steps + "-" + w))
                {
                    changed.put(rawKey(i), "");
                }
            }
            steps++;
        }
        store.endOfAccess();
        assertFalse(snapshot.read((key, keyLength, value, valueLength) -> fail("read past the end"), 1));
        assertTrue(steps > 1, "read in steps: " + steps);
        return out;
    }

    // --------------------------------------------------------------------------------------------------- helpers

    protected final void setKey(final long key)
    {
        keyScratch.putLong(0, key);
        keyContext.setCurrentKey(keyScratch, 0, Long.BYTES, (int)Math.floorMod(key, (long)KEY_GROUPS));
    }

    private static long seed(final String test)
    {
        return TestSeeds.seed(test);
    }

    private static void setNamespace(final long namespace, final Object... states)
    {
        for (final Object state : states)
        {
            ((NamespacedState)state).setNamespace(namespace);
        }
    }

    private static <D extends io.weir.api.state.StateDescriptor> D ttl(final D descriptor, final StateTtlConfig config)
    {
        descriptor.enableTimeToLive(config);
        return descriptor;
    }

    /**
     * The current key's map, by {@link MapState#entries}; {@link MapState#forEach} must visit the same entries in the
     * same order. The two alternate in going first, so that each meets expired entries and cleans them up. (The
     * visitor keeps the key and value past its call, which the codecs of these tests allow: they decode immutable
     * values.)
     */
    private <K, V> Map<K, V> toMap(final MapState<K, V> state)
    {
        final List<Map.Entry<K, V>> visited = new ArrayList<>();
        final boolean forEachFirst = (mapReads++ & 1) == 1;
        if (forEachFirst)
        {
            state.forEach((key, value) -> visited.add(new java.util.AbstractMap.SimpleImmutableEntry<>(key, value)));
        }
        final List<Map.Entry<K, V>> entries = state.entries();
        if (!forEachFirst)
        {
            state.forEach((key, value) -> visited.add(new java.util.AbstractMap.SimpleImmutableEntry<>(key, value)));
        }
        assertEquals(entries, visited, "forEach against entries, " + (forEachFirst ? "forEach" : "entries") + " first");
        final Map<K, V> map = new HashMap<>();
        for (final Map.Entry<K, V> entry : entries)
        {
            assertNull(map.put(entry.getKey(), entry.getValue()), "duplicate key in iteration: " + entry.getKey());
        }
        return map;
    }

    /** {@code list} with elements dropped, duplicated, swapped or added at random. */
    private static List<Integer> edited(final Random random, final List<Integer> list)
    {
        final List<Integer> out = new ArrayList<>();
        for (final Integer element : list)
        {
            final int dice = random.nextInt(10);
            if (dice < 7)
            {
                out.add(element);
            }
            else if (dice < 8)
            {
                out.add(element);
                out.add(element);
            }
            else if (dice < 9)
            {
                out.add(random.nextInt());
            }
        }
        if (out.size() > 1 && random.nextInt(4) == 0)
        {
            Collections.swap(out, random.nextInt(out.size()), random.nextInt(out.size()));
        }
        out.addAll(randomInts(random, random.nextInt(3)));
        return out;
    }

    private static List<Integer> randomInts(final Random random, final int count)
    {
        final List<Integer> values = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            values.add(random.nextInt());
        }
        return values;
    }

    private static byte[] randomBytes(final Random random, final int length)
    {
        final byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    /** Live entries counted by visiting them: {@link KeyedStateStore#entryCount()} may be approximate. */
    protected final long liveEntries()
    {
        final long[] count = new long[1];
        store.forEach((key, keyLength, value, valueLength) -> count[0]++);
        return count[0];
    }

    private long countEntries(final int stateId)
    {
        final long[] count = new long[1];
        store.forEach((key, keyLength, value, valueLength) ->
        {
            if (StateKeyDescriptor.stateId(key) == stateId)
            {
                count[0]++;
            }
        });
        return count[0];
    }

    private final ExpandableDirectByteBuffer rawKeyBuffer = new ExpandableDirectByteBuffer(64);
    private final ExpandableDirectByteBuffer rawValueBuffer = new ExpandableDirectByteBuffer(64);

    private int writeRawKey(final int i)
    {
        setKey(i);
        return keyContext.writePrefix(rawKeyBuffer, RAW_STATE_ID);
    }

    private String rawKey(final int i)
    {
        return hex(rawKeyBuffer, writeRawKey(i));
    }

    private void rawPut(final Map<String, String> model, final int i, final String value)
    {
        final int keyLength = writeRawKey(i);
        final int valueLength = rawValueBuffer.putStringWithoutLengthUtf8(0, value);
        store.put(rawKeyBuffer, keyLength, rawValueBuffer, 0, valueLength);
        model.put(hex(rawKeyBuffer, keyLength), value);
    }

    private void rawRemove(final Map<String, String> model, final int i)
    {
        final int keyLength = writeRawKey(i);
        store.remove(rawKeyBuffer, keyLength);
        model.remove(hex(rawKeyBuffer, keyLength));
    }

    private Map<String, String> readLive()
    {
        final Map<String, String> out = new HashMap<>();
        store.forEach((key, keyLength, value, valueLength) -> collect(out, key, keyLength, value, valueLength));
        return out;
    }

    private static Map<String, String> read(final StoreSnapshot snapshot)
    {
        final Map<String, String> out = new HashMap<>();
        snapshot.forEach((key, keyLength, value, valueLength) -> collect(out, key, keyLength, value, valueLength));
        return out;
    }

    private static void collect(
        final Map<String, String> out, final DirectBuffer key, final int keyLength, final DirectBuffer value,
        final int valueLength)
    {
        final String k = hex(key, keyLength);
        assertFalse(out.containsKey(k), "key visited twice: " + k);
        out.put(k, value == null ? null : value.getStringWithoutLengthUtf8(0, valueLength));
    }

    private static String hex(final DirectBuffer buffer, final int length)
    {
        return io.weir.api.codec.Hex.format(buffer, 0, length);
    }

    /** Average of longs; the accumulator is {@code [sum, count]}. */
    static final class Average implements AggregateFunction<Long, long[], Double>
    {
        public long[] createAccumulator()
        {
            return new long[2];
        }

        public long[] add(final Long value, final long[] accumulator)
        {
            accumulator[0] += value;
            accumulator[1]++;
            return accumulator;
        }

        public Double result(final long[] accumulator)
        {
            return accumulator[1] == 0 ? null : (double)accumulator[0] / accumulator[1];
        }

        public long[] merge(final long[] a, final long[] b)
        {
            a[0] += b[0];
            a[1] += b[1];
            return a;
        }
    }

    static final class AverageCodec extends FixedLayoutCodec<long[]>
    {
        static final AverageCodec INSTANCE = new AverageCodec();

        AverageCodec()
        {
            super("test-average-v1", 16);
        }

        protected void write(final long[] value, final MutableDirectBuffer buffer, final int offset)
        {
            buffer.putLong(offset, value[0]);
            buffer.putLong(offset + 8, value[1]);
        }

        protected long[] read(final DirectBuffer buffer, final int offset, final long[] reuse)
        {
            final long[] value = reuse != null ? reuse : new long[2];
            value[0] = buffer.getLong(offset);
            value[1] = buffer.getLong(offset + 8);
            return value;
        }
    }
}
