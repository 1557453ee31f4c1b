package io.weir.engine;

import io.weir.api.KeyedProcessFunction;
import io.weir.api.RuntimeContext;
import io.weir.api.codec.FixedLayoutCodec;
import io.weir.api.codec.LongCodec;
import io.weir.api.dataflow.Dataflow;
import io.weir.api.dataflow.Job;
import io.weir.api.dataflow.SourceProducer;
import io.weir.api.eventtime.WatermarkStrategy;
import io.weir.api.functions.Collector;
import io.weir.api.state.ListState;
import io.weir.api.state.ListStateDescriptor;
import io.weir.api.state.LongValueState;
import io.weir.api.state.LongValueStateDescriptor;
import io.weir.api.window.TumblingEventTimeWindows;
import io.weir.engine.runtime.EncodedLengths;
import io.weir.state.heap.HeapStateBackend;
import io.weir.state.spi.ForwardingKeyedStateStore;
import io.weir.state.spi.KeyedStateStore;
import io.weir.state.spi.StateBackend;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The runtime end to end with external producers: routing, order, watermarks, timers, failures, back-pressure. */
@Timeout(60)
class JobRuntimeTest
{
    /** A test element: (key, timestamp, sequence, producer). */
    static final class Item
    {
        long key;
        long timestamp;
        long sequence;
        long producer;

        Item set(final long key, final long timestamp, final long sequence, final long producer)
        {
            this.key = key;
            this.timestamp = timestamp;
            this.sequence = sequence;
            this.producer = producer;
            return this;
        }
    }

    static final class ItemCodec extends FixedLayoutCodec<Item>
    {
        static final ItemCodec INSTANCE = new ItemCodec();

        ItemCodec()
        {
            super("test-item", 32);
        }

        protected void write(final Item value, final MutableDirectBuffer buffer, final int offset)
        {
            buffer.putLong(offset, value.key);
            buffer.putLong(offset + 8, value.timestamp);
            buffer.putLong(offset + 16, value.sequence);
            buffer.putLong(offset + 24, value.producer);
        }

        protected Item read(final DirectBuffer buffer, final int offset, final Item reuse)
        {
            final Item item = reuse != null ? reuse : new Item();
            return item.set(buffer.getLong(offset), buffer.getLong(offset + 8), buffer.getLong(offset + 16),
                buffer.getLong(offset + 24));
        }
    }

    /** Collects strings from every shard. */
    static final class CollectingSink implements SinkFactory<String>
    {
        final ConcurrentLinkedQueue<String> rows = new ConcurrentLinkedQueue<>();
        volatile boolean succeeded;
        volatile boolean failed;

        public SinkWriter<String> createWriter(final int shardId, final int shards)
        {
            return new SinkWriter<>()
            {
                public void collect(final String value)
                {
                    rows.add(value);
                }

                public void close()
                {
                }
            };
        }

        public void onJobSucceeded()
        {
            succeeded = true;
        }

        public void onJobFailed()
        {
            failed = true;
        }
    }

    private static WeirContext context(final int shards, final int producers)
    {
        return new WeirContext()
            .shards(shards)
            .externalProducers(producers)
            .ringCapacityBytes(64 * 1024)
            .shardIdleStrategy(() -> new SleepingMillisIdleStrategy(1))
            .sourceIdleStrategy(() -> new SleepingMillisIdleStrategy(1));
    }

    /** Emits "key,producer,sequence,count" and checks per-producer order for each key. */
    static final class OrderCheckingFunction extends KeyedProcessFunction<Long, Item, String>
    {
        private final Map<Long, long[]> lastSequence = new HashMap<>();
        private LongValueState count;

        public void open(final RuntimeContext runtimeContext)
        {
            count = runtimeContext.getLongState(new LongValueStateDescriptor("count"));
        }

        public void processElement(final Item value, final Context ctx, final Collector<String> out)
        {
            final long[] last = lastSequence.computeIfAbsent(value.key, k -> new long[]{-1, -1});
            if (value.sequence <= last[(int)value.producer])
            {
                throw new IllegalStateException("out of order for key " + value.key);
            }
            last[(int)value.producer] = value.sequence;
            final long c = count.valueOr(0) + 1;
            count.update(c);
            assertEquals(value.key, ctx.getCurrentKey());
            out.collect(value.key + "," + c);
        }
    }

    @Test
    void shouldKeepEachProducersPerKeyOrderAcrossShards() throws Exception
    {
        final CollectingSink sink = new CollectingSink();
        final int perProducer = 20_000;
        try (WeirJob<Item, String> job = JobBuilder.named("order", ItemCodec.INSTANCE)
            .timestamps(i -> i.timestamp, WatermarkStrategy.noWatermarks())
            .keyBy(i -> i.key)
            .process(OrderCheckingFunction::new)
            .sink(sink)
            .build(context(3, 2)))
        {
            job.start();
            final List<Thread> threads = new ArrayList<>();
            for (int p = 0; p < 2; p++)
            {
                final Producer<Item> producer = job.producer(p);
                final int id = p;
                final Thread thread = new Thread(() ->
                {
                    final Item item = new Item();
                    for (int i = 0; i < perProducer; i++)
                    {
                        assertTrue(producer.offer(item.set(i % 97, i, i, id), TimeUnit.SECONDS.toNanos(30)));
                    }
                    producer.endOfInput();
                });
                threads.add(thread);
                thread.start();
            }
            for (final Thread thread : threads)
            {
                thread.join();
            }
            job.awaitTermination();
            assertEquals(2L * perProducer, job.eventsProcessed());
        }
        assertTrue(sink.succeeded);
        final Map<Long, Long> maxCount = new HashMap<>();
        for (final String row : sink.rows)
        {
            final String[] f = row.split(",");
            maxCount.merge(Long.parseLong(f[0]), Long.parseLong(f[1]), Math::max);
        }
        assertEquals(97, maxCount.size());
        long total = 0;
        for (final long c : maxCount.values())
        {
            total += c;
        }
        assertEquals(2L * perProducer, total, "each key's count reached its number of elements");
    }

    /**
     * A heap store that says it prefetches and remembers the keys it was given, so a test can tell whether the
     * shard handed it each key before looking it up; it asks for a look-ahead until {@link #lookUpsAhead} look-ups.
     * Shard thread only.
     */
    static final class PrefetchRecordingStore extends ForwardingKeyedStateStore
    {
        final Set<String> prefetched = new HashSet<>();
        final List<String> lookedUpWithoutPrefetch = new ArrayList<>();
        int maxKeysPerCall;
        int lookUps;
        int lookUpsAhead = Integer.MAX_VALUE;
        /** Prefetch calls made once the store had stopped asking for them. */
        int unaskedPrefetches;

        PrefetchRecordingStore()
        {
            super(new HeapStateBackend().createStore(0, 16));
        }

        public boolean prefetches()
        {
            return true;
        }

        public boolean prefetchesNow()
        {
            return lookUps < lookUpsAhead;
        }

        public void prefetch(final DirectBuffer keys, final int stride, final int[] lengths, final int count)
        {
            unaskedPrefetches += prefetchesNow() ? 0 : 1;
            maxKeysPerCall = Math.max(maxKeysPerCall, count);
            for (int i = 0; i < count; i++)
            {
                prefetched.add(hex(keys, i * stride, lengths[i]));
            }
        }

        public int get(final DirectBuffer key, final int keyLength, final MutableDirectBuffer valueOut)
        {
            lookUps++;
            final String k = hex(key, 0, keyLength);
            if (!prefetched.remove(k))
            {
                lookedUpWithoutPrefetch.add(k);
            }
            return delegate.get(key, keyLength, valueOut);
        }

        private static String hex(final DirectBuffer buffer, final int offset, final int length)
        {
            final StringBuilder sb = new StringBuilder();
            for (int i = 0; i < length; i++)
            {
                sb.append(String.format("%02x", buffer.getByte(offset + i)));
            }
            return sb.toString();
        }
    }

    /** A backend whose every shard gets this one store (the tests run one shard). */
    private static StateBackend backendOf(final KeyedStateStore store)
    {
        return new StateBackend()
        {
            public String name()
            {
                return "prefetch-recording";
            }

            public KeyedStateStore createStore(final int shardId, final long expectedEntries)
            {
                return store;
            }
        };
    }

    /** Counts per key in a value state, and appends each element to a list state (which reads its head first). */
    static final class CountAndListFunction extends KeyedProcessFunction<Long, Item, String>
    {
        private LongValueState count;
        private ListState<Long> sequences;

        public void open(final RuntimeContext runtimeContext)
        {
            sequences = runtimeContext.getListState(new ListStateDescriptor<>("sequences", LongCodec.INSTANCE));
            count = runtimeContext.getLongState(new LongValueStateDescriptor("count"));
        }

        public void processElement(final Item value, final Context ctx, final Collector<String> out)
        {
            sequences.add(value.sequence);
            final long c = count.valueOr(0) + 1;
            count.update(c);
            out.collect(value.key + "," + c);
        }
    }

    @Test
    void shouldPrefetchTheValueStateKeyAndTheListHeadOfEveryEventBeforeTheFunctionLooksThemUp() throws Exception
    {
        final PrefetchRecordingStore store = new PrefetchRecordingStore();
        final StateBackend backend = backendOf(store);
        final CollectingSink sink = new CollectingSink();
        final int events = 5_000;
        try (WeirJob<Item, String> job = JobBuilder.named("prefetch", ItemCodec.INSTANCE)
            .timestamps(i -> i.timestamp, WatermarkStrategy.noWatermarks())
            .keyBy(i -> i.key)
            .process(CountAndListFunction::new)
            .sink(sink)
            .build(context(1, 1).stateBackend(backend).prefetchEvents(8).hotKeyCache(false)))
        {
            job.start();
            final Producer<Item> producer = job.producer(0);
            final Item item = new Item();
            for (int i = 0; i < events; i++)
            {
                assertTrue(producer.offer(item.set(i % 31, i, i, 0), TimeUnit.SECONDS.toNanos(30)));
            }
            producer.endOfInput();
            job.awaitTermination();
        }
        assertTrue(sink.succeeded);
        assertEquals(events, sink.rows.size());
        // Per event, the value state's entry and the list's head (the list's first read, under the key followed
        // by the head's marker), each prefetched before it is looked up.
        assertEquals(List.of(), store.lookedUpWithoutPrefetch, "look-ups not prefetched");
        assertEquals(2 * events, store.lookUps, "the value and the list head, once per event");
        assertTrue(store.prefetched.isEmpty(), "keys prefetched but never looked up: " + store.prefetched.size());
        assertTrue(store.maxKeysPerCall >= 1 && store.maxKeysPerCall <= 16,
            "at most prefetchEvents events a call, two states each: " + store.maxKeysPerCall);
    }

    /** Windows {@link #runWindowCounts} fires: 20 seconds of 31 keys. */
    private static final int WINDOW_COUNTS = 20 * 31;

    /**
     * Counts per key in 1-s tumbling windows over 20,000 numbers (31 keys), with {@code store} behind the stage and
     * every window in the store (none kept in memory until a snapshot point), so that a firing walks its keys there.
     */
    private static void runWindowCounts(final PrefetchRecordingStore store) throws Exception
    {
        final DataflowJobTest.ListSink<Long> counts = new DataflowJobTest.ListSink<>();
        final Dataflow flow = Dataflow.named("window-prefetch");
        flow.source("numbers", LongCodec.INSTANCE)
            .timestamps(v -> v, WatermarkStrategy.forMonotonousTimestamps())
            .keyBy(v -> v % 31)
            .window(TumblingEventTimeWindows.of(1000))
            .aggregate(new DataflowJobTest.Count(), LongCodec.INSTANCE)
            .sinkTo(counts);
        try (Job job = flow.build(context(1, 1).stateBackend(backendOf(store)).prefetchEvents(8).hotKeyCache(false)
            .windowAccumulatorsInMemory(0)).start())
        {
            final SourceProducer<Long> producer = job.producer("numbers", 0);
            for (long i = 0; i < 20_000; i++)
            {
                assertTrue(producer.offer(i, TimeUnit.SECONDS.toNanos(30)), "offer " + i);
            }
            producer.endOfInput();
            job.awaitTermination();
        }
        assertEquals(WINDOW_COUNTS, counts.sorted().size());
    }

    @Test
    void shouldPrefetchTheWindowContentsAFiringWindowReadsForEachOfItsKeys() throws Exception
    {
        final PrefetchRecordingStore store = new PrefetchRecordingStore();
        runWindowCounts(store);
        // An element's add reads its window unprefetched (its window is not known ahead); a firing window walks
        // its keys, loading the next keys' contents before it reads them: every key prefetched was read, and every
        // key's read at firing was prefetched.
        final int prefetchedReads = store.lookUps - store.lookedUpWithoutPrefetch.size();
        assertTrue(store.prefetched.isEmpty(), "keys prefetched but never looked up: " + store.prefetched.size());
        assertTrue(prefetchedReads >= WINDOW_COUNTS,
            "window reads at firing that found their key prefetched: " + prefetchedReads + " of " + WINDOW_COUNTS);
    }

    @Test
    void shouldLoadAFiringWindowsContentsOnlyWhileTheStoreAsksForIt() throws Exception
    {
        final PrefetchRecordingStore store = new PrefetchRecordingStore();
        store.lookUpsAhead = 10_000;
        runWindowCounts(store);
        assertTrue(store.lookUps > store.lookUpsAhead, "look-ups past the point the store stopped asking");
        assertTrue(store.lookUps - store.lookedUpWithoutPrefetch.size() > 0, "firings prefetched while it asked");
        assertEquals(0, store.unaskedPrefetches, "no firing window's keys loaded once the store stopped asking");
    }

    /** A flag per key, set by its first element and cleared by a timer 100 ms later (the dedup job's shape). */
    static final class ExpiringFlagFunction extends KeyedProcessFunction<Long, Item, String>
    {
        private LongValueState seen;

        public void open(final RuntimeContext runtimeContext)
        {
            seen = runtimeContext.getLongState(new LongValueStateDescriptor("seen"));
        }

        public void processElement(final Item value, final Context ctx, final Collector<String> out)
        {
            if (seen.valueOr(0) == 0)
            {
                seen.update(1);
                ctx.timerService().registerEventTimeTimer(value.timestamp + 100);
                out.collect("first," + value.key);
            }
        }

        public void onTimer(final long timestampMs, final OnTimerContext ctx, final Collector<String> out)
        {
            out.collect("expired," + ctx.getCurrentKey() + "," + seen.valueOr(0));
            seen.clear();
        }
    }

    /**
     * Runs {@link ExpiringFlagFunction} over {@code events} elements, a new key every millisecond (the watermark's
     * every step makes one timer due), with {@code store} behind the stage; checks every flag was set and expired.
     */
    private static void runExpiringFlags(final PrefetchRecordingStore store, final int events) throws Exception
    {
        final CollectingSink sink = new CollectingSink();
        try (WeirJob<Item, String> job = JobBuilder.named("expiring-flags", ItemCodec.INSTANCE)
            .timestamps(i -> i.timestamp, WatermarkStrategy.forMonotonousTimestamps())
            .keyBy(i -> i.key)
            .process(ExpiringFlagFunction::new)
            .sink(sink)
            .build(context(1, 1).stateBackend(backendOf(store)).prefetchEvents(8).hotKeyCache(false)))
        {
            job.start();
            final Producer<Item> producer = job.producer(0);
            final Item item = new Item();
            for (int i = 0; i < events; i++)
            {
                assertTrue(producer.offer(item.set(i, i, i, 0), TimeUnit.SECONDS.toNanos(30)));
            }
            producer.endOfInput();
            job.awaitTermination();
        }
        assertTrue(sink.succeeded);
        assertEquals(2 * events, sink.rows.size(), "each key's first element and its flag's expiry");
        assertEquals(events, sink.rows.stream().filter(r -> r.startsWith("expired,") && r.endsWith(",1")).count(),
            "every flag expires once, still set when it does");
    }

    @Test
    void shouldPrefetchTheStateOfTimersThatComeDueOneAtATime() throws Exception
    {
        final PrefetchRecordingStore store = new PrefetchRecordingStore();
        final int events = 5_000;
        runExpiringFlags(store, events);
        // Each firing reads its key's flag: the timers' look-ahead loaded it, though each came due alone. A batch
        // that ends too early leaves its successor's first timer unloaded.
        final int prefetchedReads = store.lookUps - store.lookedUpWithoutPrefetch.size();
        assertTrue(store.prefetched.isEmpty(), "keys prefetched but never looked up: " + store.prefetched.size());
        assertTrue(prefetchedReads >= 2 * events - 16,
            "reads that found their key prefetched: " + prefetchedReads + " of " + store.lookUps);
    }

    @Test
    void shouldLookAheadOnlyWhileTheStoreAsksForIt() throws Exception
    {
        final PrefetchRecordingStore store = new PrefetchRecordingStore();
        final int events = 5_000;
        store.lookUpsAhead = events; // half of the look-ups: each element's flag, and its expiry's
        runExpiringFlags(store, events);
        assertEquals(0, store.unaskedPrefetches, "no look-ahead once the store stopped asking for one");
        // While it asked, every read but a batch's edge found its key prefetched; after, only the keys of the last
        // timer batch (16) and input step (8) loaded before it stopped asking.
        final int prefetchedReads = store.lookUps - store.lookedUpWithoutPrefetch.size();
        assertTrue(prefetchedReads >= events - 16 && prefetchedReads <= events + 16 + 8,
            "reads that found their key prefetched: " + prefetchedReads + " of " + store.lookUps);
    }

    /** Registers a timer at ts + 10 for every element; emits "timer,ts,watermark" when one fires. */
    static final class TimerFunction extends KeyedProcessFunction<Long, Item, String>
    {
        public void processElement(final Item value, final Context ctx, final Collector<String> out)
        {
            ctx.timerService().registerEventTimeTimer(value.timestamp + 10);
            ctx.timerService().registerEventTimeTimer(value.timestamp + 10);
            if (value.sequence == 3)
            {
                ctx.timerService().deleteEventTimeTimer(value.timestamp + 10);
                ctx.timerService().deleteEventTimeTimer(12345);
            }
            out.collect("element," + value.timestamp + "," + ctx.timerService().currentWatermark());
        }

        public void onTimer(final long timestampMs, final OnTimerContext ctx, final Collector<String> out)
        {
            out.collect("timer," + timestampMs + "," + ctx.timerService().currentWatermark() + "," + ctx.timeDomain());
        }
    }

    @Test
    void shouldUseTheMinimumWatermarkOfAllProducersAndFireTimersOnceInOrder() throws Exception
    {
        final CollectingSink sink = new CollectingSink();
        final List<String> order = Collections.synchronizedList(new ArrayList<>());
        try (WeirJob<Item, String> job = JobBuilder.named("timers", ItemCodec.INSTANCE)
            .timestamps(i -> i.timestamp, WatermarkStrategy.noWatermarks())
            .keyBy(i -> i.key)
            .process(TimerFunction::new)
            .sink(sink)
            .build(context(1, 2)))
        {
            job.start();
            final Producer<Item> a = job.producer(0);
            final Producer<Item> b = job.producer(1);
            final Item item = new Item();
            assertTrue(a.tryOffer(item.set(1, 100, 1, 0)));
            assertTrue(a.tryOffer(item.set(2, 105, 2, 0)));
            assertTrue(a.tryOffer(item.set(3, 200, 3, 0)));
            a.emitWatermark(1000);
            assertTrue(a.tryFlushWatermarks());
            b.emitWatermark(112);
            assertTrue(b.tryFlushWatermarks());
            // min(1000, 112) = 112: only the timer at 110 may fire. The shard fires all that is due as it applies
            // the watermark, before it reads on in b's ring: once b's next element is out, all 112 fires has.
            waitFor(() -> sink.rows.contains("timer,110,112,EVENT_TIME"));
            assertTrue(b.tryOffer(item.set(4, 300, 4, 1)));
            waitFor(() -> sink.rows.contains("element,300,112"));
            assertFalse(sink.rows.stream().anyMatch(r -> r.startsWith("timer,115")), sink.rows.toString());
            b.emitWatermark(2000);
            assertTrue(b.tryFlushWatermarks());
            waitFor(() -> sink.rows.contains("timer,115,1000,EVENT_TIME"));
            a.endOfInput();
            b.endOfInput();
            job.awaitTermination();
        }
        order.addAll(sink.rows);
        assertEquals(1, order.stream().filter(r -> r.startsWith("timer,110")).count(), "deduplicated");
        assertEquals(0, order.stream().filter(r -> r.startsWith("timer,210")).count(), "deleted");
        assertTrue(order.contains("timer,310,1000,EVENT_TIME"), order.toString());
        assertEquals(7, order.size(), "4 elements and 3 timers: " + order);
    }

    static final class FailingFunction extends KeyedProcessFunction<Long, Item, String>
    {
        public void processElement(final Item value, final Context ctx, final Collector<String> out)
        {
            if (value.sequence == 42)
            {
                throw new IllegalArgumentException("boom at 42");
            }
        }
    }

    @Test
    void shouldStopTheJobAndReportTheUserFunctionsException() throws Exception
    {
        final CollectingSink sink = new CollectingSink();
        final WeirJob<Item, String> job = JobBuilder.named("failing", ItemCodec.INSTANCE)
            .timestamps(i -> i.timestamp, WatermarkStrategy.noWatermarks())
            .keyBy(i -> i.key)
            .process(FailingFunction::new)
            .sink(sink)
            .build(context(2, 1));
        job.start();
        final Producer<Item> producer = job.producer(0);
        final Item item = new Item();
        final JobFailedException failure = assertThrows(JobFailedException.class, () ->
        {
            for (int i = 0; i < 1_000_000; i++)
            {
                producer.offer(item.set(i, i, i, 0), TimeUnit.SECONDS.toNanos(10));
            }
        });
        assertEquals("boom at 42", failure.getCause().getMessage());
        final JobFailedException fromAwait = assertThrows(JobFailedException.class, job::awaitTermination);
        assertSame(failure.getCause(), fromAwait.getCause());
        assertThrows(JobFailedException.class, job::close);
        assertTrue(sink.failed);
        assertFalse(sink.succeeded);
    }

    /** Per-key order checked and counted on 2 shards, one external producer. */
    private static WeirJob<Item, String> orderCheckingJob(
        final String name, final io.weir.api.codec.Codec<Item> codec, final CollectingSink sink)
    {
        return JobBuilder.named(name, codec)
            .timestamps(i -> i.timestamp, WatermarkStrategy.noWatermarks())
            .keyBy(i -> i.key)
            .process(OrderCheckingFunction::new)
            .sink(sink)
            .build(context(2, 1));
    }

    @Test
    void shouldRefuseAnElementWhoseCodecWritesLessThanItDeclaredAndKeepTheRest() throws Exception
    {
        final CollectingSink sink = new CollectingSink();
        final MisdeclaringCodec<Item> codec =
            new MisdeclaringCodec<>("short-for-key-7", ItemCodec.INSTANCE, i -> i.key == 7, -8);
        final WeirJob<Item, String> job = orderCheckingJob("short", codec, sink).start();
        final Producer<Item> producer = job.producer(0);
        final Item item = new Item();
        int sequence = 0;
        for (int i = 0; i < 100; i++)
        {
            final long key = i % 10;
            if (key == 7)
            {
                final int at = sequence;
                final IllegalStateException refused = assertThrows(IllegalStateException.class,
                    () -> producer.offer(item.set(key, at, at, 0), TimeUnit.SECONDS.toNanos(10)));
                assertEquals(EncodedLengths.mismatch(codec, 32, 24).getMessage(), refused.getMessage());
                continue;
            }
            assertTrue(producer.offer(item.set(key, sequence, sequence, 0), TimeUnit.SECONDS.toNanos(10)));
            sequence++;
        }
        job.close();
        final Set<String> expected = new HashSet<>();
        for (long key = 0; key < 10; key++)
        {
            for (int count = 1; key != 7 && count <= 10; count++)
            {
                expected.add(key + "," + count);
            }
        }
        assertEquals(expected, new HashSet<>(sink.rows));
        assertEquals(90, sink.rows.size());
        assertTrue(sink.succeeded);
    }

    /** Bytes written past a claim lie over the ring's next record header: the job cannot go on. */
    @Test
    void shouldFailTheJobWhenACodecWritesMoreThanItDeclared() throws Exception
    {
        final CollectingSink sink = new CollectingSink();
        final MisdeclaringCodec<Item> codec =
            new MisdeclaringCodec<>("overlong-for-key-7", ItemCodec.INSTANCE, i -> i.key == 7, 8);
        final WeirJob<Item, String> job = orderCheckingJob("overlong", codec, sink).start();
        final Producer<Item> producer = job.producer(0);
        final Item item = new Item();
        for (int i = 0; i < 7; i++)
        {
            assertTrue(producer.offer(item.set(i, i, i, 0), TimeUnit.SECONDS.toNanos(10)));
        }
        final IllegalStateException overrun = assertThrows(IllegalStateException.class,
            () -> producer.offer(item.set(7, 7, 7, 0), TimeUnit.SECONDS.toNanos(10)));
        assertEquals(EncodedLengths.mismatch(codec, 32, 40).getMessage(), overrun.getMessage());
        final JobFailedException failed = assertThrows(JobFailedException.class, job::awaitTermination);
        assertSame(overrun, failed.getCause());
        assertThrows(JobFailedException.class, () -> producer.offer(item.set(8, 8, 8, 0), TimeUnit.SECONDS.toNanos(1)));
        assertThrows(JobFailedException.class, job::close);
        assertTrue(sink.failed);
        assertFalse(sink.succeeded);
    }

    @Test
    void shouldReturnFalseOnBackPressureAndLoseNothingWhenRetried() throws Exception
    {
        final CollectingSink sink = new CollectingSink();
        final WeirJob<Item, String> job = JobBuilder.named("pressure", ItemCodec.INSTANCE)
            .timestamps(i -> i.timestamp, WatermarkStrategy.noWatermarks())
            .keyBy(i -> i.key)
            .process(OrderCheckingFunction::new)
            .sink(sink)
            .build(context(1, 1).ringCapacityBytes(4096));
        final Producer<Item> producer = job.producer(0);
        final Item item = new Item();
        int accepted = 0;
        while (producer.tryOffer(item.set(accepted % 5, accepted, accepted, 0)))
        {
            accepted++;
        }
        assertTrue(accepted > 10 && accepted < 4096 / 32, "the ring filled up: " + accepted);
        job.start();
        final int total = 10_000;
        for (int i = accepted; i < total; i++)
        {
            while (!producer.tryOffer(item.set(i % 5, i, i, 0)))
            {
                Thread.onSpinWait();
            }
        }
        job.close();
        assertEquals(total, sink.rows.size());
    }

    private static long directMemoryUsed()
    {
        for (final java.lang.management.BufferPoolMXBean pool :
            java.lang.management.ManagementFactory.getPlatformMXBeans(java.lang.management.BufferPoolMXBean.class))
        {
            if (pool.getName().equals("direct"))
            {
                return pool.getMemoryUsed();
            }
        }
        throw new AssertionError("no direct buffer pool");
    }

    private static long openFileDescriptors() throws java.io.IOException
    {
        try (java.util.stream.Stream<java.nio.file.Path> fds = java.nio.file.Files.list(java.nio.file.Path.of(
            "/proc/self/fd")))
        {
            return fds.count();
        }
    }

    @Test
    void shouldStartAndCloseManyJobsWithoutLeakingThreadsMemoryOrFiles() throws Exception
    {
        final int threadsBefore = Thread.activeCount();
        final long directBefore = directMemoryUsed();
        final long fdsBefore = openFileDescriptors();
        for (int i = 0; i < 100; i++)
        {
            final CollectingSink sink = new CollectingSink();
            final WeirJob<Item, String> job = JobBuilder.named("cycle", ItemCodec.INSTANCE)
                .timestamps(it -> it.timestamp, WatermarkStrategy.noWatermarks())
                .keyBy(it -> it.key)
                .process(OrderCheckingFunction::new)
                .sink(sink)
                .build(context(2, 1));
            job.start();
            assertTrue(job.producer(0).tryOffer(new Item().set(i, i, i, 0)));
            job.close();
            assertEquals(1, sink.rows.size());
        }
        waitFor(() -> Thread.activeCount() <= threadsBefore + 1);
        // Each job allocates 2 rings of 64 KiB plus state buffers: 100 leaked jobs would hold > 12 MiB. A closed
        // job's buffers are freed once the collector finds them unreachable, so it is given a few collections first.
        long directGrowth = directMemoryUsed() - directBefore;
        for (int attempt = 0; attempt < 20 && directGrowth >= 2 * 1024 * 1024; attempt++)
        {
            System.gc();
            Thread.sleep(50);
            directGrowth = directMemoryUsed() - directBefore;
        }
        assertTrue(directGrowth < 2 * 1024 * 1024, "direct memory grew by " + directGrowth + " bytes over 100 jobs");
        assertTrue(openFileDescriptors() <= fdsBefore + 5, "file descriptors: " + fdsBefore + " -> " +
            openFileDescriptors());
    }

    private static void waitFor(final java.util.function.BooleanSupplier condition) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                throw new AssertionError("condition not met in 20 s");
            }
            Thread.sleep(1);
        }
    }
}
