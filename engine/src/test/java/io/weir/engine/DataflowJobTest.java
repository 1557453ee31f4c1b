package io.weir.engine;

import io.weir.api.KeyedProcessFunction;
import io.weir.api.RuntimeContext;
import io.weir.api.codec.LongCodec;
import io.weir.api.connector.SinkFactory;
import io.weir.api.connector.SinkWriter;
import io.weir.api.dataflow.DataStream;
import io.weir.api.dataflow.Dataflow;
import io.weir.api.dataflow.Job;
import io.weir.api.dataflow.SourceProducer;
import io.weir.api.eventtime.WatermarkStrategy;
import io.weir.api.functions.AggregateFunction;
import io.weir.api.functions.Collector;
import io.weir.api.functions.OutputTag;
import io.weir.api.state.LongValueState;
import io.weir.api.state.LongValueStateDescriptor;
import io.weir.api.window.TumblingEventTimeWindows;
import io.weir.engine.runtime.EncodedLengths;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Dataflows of several keyed stages, end to end: re-keying, chaining, windows, side outputs, back-pressure. */
@Timeout(60)
class DataflowJobTest
{
    private static final int EVENTS = 20_000;

    /** Collects every element of every shard's writer. */
    static final class ListSink<T> implements SinkFactory<T>
    {
        final ConcurrentLinkedQueue<T> elements = new ConcurrentLinkedQueue<>();
        volatile boolean succeeded;

        public SinkWriter<T> createWriter(final int shardId, final int shards)
        {
            return new SinkWriter<>()
            {
                public void collect(final T value)
                {
                    elements.add(value);
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

        List<T> sorted()
        {
            final List<T> list = new ArrayList<>(elements);
            list.sort(null);
            return list;
        }
    }

    /** Per key, the running count of its elements; emits {@code key * 1_000_000 + count}. */
    static final class RunningCount extends KeyedProcessFunction<Long, Long, Long>
    {
        static final OutputTag<Long> ODD = new OutputTag<>("odd");
        private LongValueState count;

        public void open(final RuntimeContext runtimeContext)
        {
            count = runtimeContext.getLongState(new LongValueStateDescriptor("count"));
        }

        public void processElement(final Long value, final Context ctx, final Collector<Long> out)
        {
            final long next = count.valueOr(0) + 1;
            count.update(next);
            out.collect(value % 100 * 1_000_000 + next);
            if (value % 2 == 1)
            {
                ctx.output(ODD, value);
            }
        }
    }

    /** Per key, the sum of its elements, emitted at the end of input by an event-time timer. */
    static final class SumAtEnd extends KeyedProcessFunction<Long, Long, Long>
    {
        private LongValueState sum;

        public void open(final RuntimeContext runtimeContext)
        {
            sum = runtimeContext.getLongState(new LongValueStateDescriptor("sum"));
        }

        public void processElement(final Long value, final Context ctx, final Collector<Long> out)
        {
            sum.update(sum.valueOr(0) + value);
            ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE - 1);
        }

        public void onTimer(final long timestampMs, final OnTimerContext ctx, final Collector<Long> out)
        {
            out.collect(ctx.getCurrentKey() * 1_000_000_000_000L + sum.valueOr(0));
        }
    }

    static final class Count implements AggregateFunction<Long, Long, Long>
    {
        public Long createAccumulator()
        {
            return 0L;
        }

        public Long add(final Long value, final Long accumulator)
        {
            return accumulator + 1;
        }

        public Long result(final Long accumulator)
        {
            return accumulator;
        }

        public Long merge(final Long a, final Long b)
        {
            return a + b;
        }
    }

    private static void feed(final Job job, final int events)
    {
        final SourceProducer<Long> producer = job.producer("numbers", 0);
        for (long i = 0; i < events; i++)
        {
            assertTrue(producer.offer(i, 10_000_000_000L), "offer " + i);
        }
        producer.endOfInput();
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void twoKeyedStagesRekeyWithChainedOperatorsBetween(final int shards) throws Exception
    {
        final ListSink<Long> sums = new ListSink<>();
        final ListSink<Long> odd = new ListSink<>();
        final Dataflow flow = Dataflow.named("two-stages");
        final DataStream<Long> counted = flow.source("numbers", LongCodec.INSTANCE)
            .timestamps(v -> v, WatermarkStrategy.forMonotonousTimestamps())
            .filter(v -> v % 5 != 0)
            .keyBy(v -> v % 100)
            .process(RunningCount::new).uid("count");
        counted.getSideOutput(RunningCount.ODD).sinkTo(odd);
        counted
            .map(v -> v % 1_000_000) // the count
            .flatMap((Long v, Collector<Long> out) ->
            {
                out.collect(v);
                out.collect(v);
            })
            .returns(LongCodec.INSTANCE)
            .keyBy(v -> v % 7)
            .process(SumAtEnd::new).uid("sum")
            .sinkTo(sums);
        try (Job job = flow.build(new WeirContext().shards(shards)).start())
        {
            feed(job, EVENTS);
            job.awaitTermination();
        }
        final Map<Long, Long> expected = new TreeMap<>();
        final long[] counts = new long[100];
        long oddCount = 0;
        for (long v = 0; v < EVENTS; v++)
        {
            if (v % 5 != 0)
            {
                final long count = ++counts[(int)(v % 100)];
                expected.merge(count % 7, 2 * count, Long::sum);
                oddCount += v % 2;
            }
        }
        final List<Long> expectedRows = new ArrayList<>();
        expected.forEach((key, sum) -> expectedRows.add(key * 1_000_000_000_000L + sum));
        assertEquals(expectedRows, sums.sorted(), "shards " + shards);
        assertEquals(oddCount, odd.elements.size());
        assertTrue(sums.succeeded);
    }

    @Test
    void aWindowStageAfterAKeyedStage() throws Exception
    {
        final ListSink<Long> windows = new ListSink<>();
        final Dataflow flow = Dataflow.named("window-after-process");
        flow.source("numbers", LongCodec.INSTANCE)
            .timestamps(v -> v, WatermarkStrategy.forMonotonousTimestamps())
            .keyBy(v -> v % 10)
            .process(RunningCount::new)
            .returns(LongCodec.INSTANCE)
            .keyBy(v -> v / 1_000_000 % 10) // the source's key
            .window(TumblingEventTimeWindows.of(1000))
            .aggregate(new Count(), LongCodec.INSTANCE)
            .sinkTo(windows);
        try (Job job = flow.build(new WeirContext().shards(2)).start())
        {
            feed(job, 10_000);
            job.awaitTermination();
        }
        // 10 windows of 1000 ms, each with 100 elements of each of the 10 keys
        assertEquals(Collections.nCopies(100, 100L), windows.sorted());
    }

    @Test
    void aFullRingStopsTheStageWithoutDeadlock() throws Exception
    {
        final ListSink<Long> sums = new ListSink<>();
        final Dataflow flow = Dataflow.named("back-pressure");
        flow.source("numbers", LongCodec.INSTANCE)
            .timestamps(v -> v, WatermarkStrategy.forMonotonousTimestamps())
            .keyBy(v -> v % 100)
            .process(RunningCount::new)
            .flatMap((Long v, Collector<Long> out) ->
            {
                for (int i = 0; i < 200; i++)
                {
                    out.collect(1L); // 200 records of 33 bytes: more than a 4 KiB ring holds
                }
            })
            .returns(LongCodec.INSTANCE)
            .keyBy(v -> v)
            .process(SumAtEnd::new)
            .sinkTo(sums);
        try (Job job = flow.build(new WeirContext().shards(2).ringCapacityBytes(4096)).start())
        {
            feed(job, 2_000);
            job.awaitTermination();
        }
        assertEquals(List.of(1_000_000_000_000L + 400_000), sums.sorted());
    }

    /** Blocks the shard thread on its first element until the test has seen a refused offer. */
    static final class HeldSum extends KeyedProcessFunction<Long, Long, Long>
    {
        static volatile java.util.concurrent.CountDownLatch refused;
        private LongValueState sum;

        public void open(final RuntimeContext runtimeContext)
        {
            sum = runtimeContext.getLongState(new LongValueStateDescriptor("sum"));
        }

        public void processElement(final Long value, final Context ctx, final Collector<Long> out)
            throws Exception
        {
            assertTrue(refused.await(30, java.util.concurrent.TimeUnit.SECONDS), "no offer was refused");
            sum.update(sum.valueOr(0) + value);
            ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE - 1);
        }

        public void onTimer(final long timestampMs, final OnTimerContext ctx, final Collector<Long> out)
        {
            out.collect(ctx.getCurrentKey() * 1_000_000_000_000L + sum.valueOr(0));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void theOperatorsBeforeKeyByRunOnceForEachElementThatAFullRingRefused(final int shards) throws Exception
    {
        final int events = 5_000;
        final java.util.concurrent.atomic.AtomicLong mapped = new java.util.concurrent.atomic.AtomicLong();
        final java.util.concurrent.atomic.AtomicLong filtered = new java.util.concurrent.atomic.AtomicLong();
        HeldSum.refused = new java.util.concurrent.CountDownLatch(1);
        final ListSink<Long> sums = new ListSink<>();
        final Dataflow flow = Dataflow.named("producer-transform");
        flow.source("numbers", LongCodec.INSTANCE)
            .timestamps(v -> v, WatermarkStrategy.forMonotonousTimestamps())
            .map(v ->
            {
                mapped.incrementAndGet();
                return v * 10;
            })
            .filter(v ->
            {
                filtered.incrementAndGet();
                return v % 3 != 0;
            })
            .returns(LongCodec.INSTANCE)
            .keyBy(v -> v % 7)
            .process(HeldSum::new)
            .sinkTo(sums);
        long refusals = 0;
        try (Job job = flow.build(new WeirContext().shards(shards).ringCapacityBytes(4096)).start())
        {
            final SourceProducer<Long> producer = job.producer("numbers", 0);
            for (long v = 0; v < events; v++)
            {
                final long deadlineNs = System.nanoTime() + 30_000_000_000L;
                while (!producer.tryOffer(v))
                {
                    refusals++;
                    HeldSum.refused.countDown();
                    assertTrue(System.nanoTime() - deadlineNs < 0, "offer " + v + " never accepted");
                    Thread.onSpinWait();
                }
            }
            producer.endOfInput();
            job.awaitTermination();
        }
        assertTrue(refusals > 0, "the ring never refused an offer: the test proves nothing");
        assertEquals(events, mapped.get(), "map calls, with " + refusals + " refused offers");
        assertEquals(events, filtered.get(), "filter calls, with " + refusals + " refused offers");
        final long[] expected = new long[7];
        for (long v = 0; v < events; v++)
        {
            if (v * 10 % 3 != 0)
            {
                expected[(int)(v * 10 % 7)] += v * 10;
            }
        }
        final List<Long> expectedRows = new ArrayList<>();
        for (int key = 0; key < 7; key++)
        {
            expectedRows.add(key * 1_000_000_000_000L + expected[key]);
        }
        assertEquals(expectedRows, sums.sorted(), "shards " + shards);
    }

    /** Broadcast elements set the threshold, waiting on the first until the test saw a refused offer. */
    static final class HeldRules extends io.weir.api.KeyedBroadcastProcessFunction<Long, Long, Long, Long>
    {
        static final io.weir.api.state.MapStateDescriptor<String, Long> RULES = new io.weir.api.state
            .MapStateDescriptor<>("rules", io.weir.api.codec.StringCodec.INSTANCE, LongCodec.INSTANCE);

        public void processElement(final Long value, final ReadOnlyContext ctx, final Collector<Long> out)
        {
        }

        public void processBroadcastElement(final Long value, final Context ctx, final Collector<Long> out)
            throws Exception
        {
            assertTrue(HeldSum.refused.await(30, java.util.concurrent.TimeUnit.SECONDS), "no offer was refused");
            ctx.getBroadcastState(RULES).put("threshold", value);
            out.collect(value);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3})
    void theOperatorsBeforeBroadcastRunOnceForEachElementThatAFullRingRefused(final int shards) throws Exception
    {
        final int events = 3_000;
        final java.util.concurrent.atomic.AtomicLong mapped = new java.util.concurrent.atomic.AtomicLong();
        HeldSum.refused = new java.util.concurrent.CountDownLatch(1);
        final ListSink<Long> echoes = new ListSink<>();
        final Dataflow flow = Dataflow.named("broadcast-transform");
        final io.weir.api.dataflow.BroadcastStream<Long> rules = flow.source("rules", LongCodec.INSTANCE)
            .timestamps(v -> 0, WatermarkStrategy.noWatermarks())
            .map(v ->
            {
                mapped.incrementAndGet();
                return v * 10;
            })
            .returns(LongCodec.INSTANCE)
            .broadcast(HeldRules.RULES);
        flow.source("numbers", LongCodec.INSTANCE)
            .timestamps(v -> v, WatermarkStrategy.noWatermarks())
            .keyBy(v -> v)
            .connect(rules)
            .process(HeldRules::new).uid("rules")
            .sinkTo(echoes);
        long refusals = 0;
        try (Job job = flow.build(new WeirContext().shards(shards).ringCapacityBytes(4096)).start())
        {
            final SourceProducer<Long> producer = job.producer("rules", 0);
            for (long v = 0; v < events; v++)
            {
                final long deadlineNs = System.nanoTime() + 30_000_000_000L;
                while (!producer.tryOffer(v))
                {
                    refusals++;
                    HeldSum.refused.countDown();
                    assertTrue(System.nanoTime() - deadlineNs < 0, "offer " + v + " never accepted");
                    Thread.onSpinWait();
                }
            }
            producer.endOfInput();
            job.producer("numbers", 0).endOfInput();
            job.awaitTermination();
        }
        assertTrue(refusals > 0, "the ring never refused an offer: the test proves nothing");
        assertEquals(events, mapped.get(), "map calls, with " + refusals + " refused offers");
        final List<Long> expected = new ArrayList<>();
        for (long v = 0; v < events; v++)
        {
            for (int shard = 0; shard < shards; shard++)
            {
                expected.add(v * 10);
            }
        }
        assertEquals(expected, echoes.sorted(), "shards " + shards);
    }

    @Test
    void aFlatMapBeforeKeyByEmitsOnceForEachElementThatAFullRingRefused() throws Exception
    {
        final int events = 5_000;
        final java.util.concurrent.atomic.AtomicLong calls = new java.util.concurrent.atomic.AtomicLong();
        HeldSum.refused = new java.util.concurrent.CountDownLatch(1);
        final ListSink<Long> sums = new ListSink<>();
        final Dataflow flow = Dataflow.named("source-flat-map");
        flow.source("numbers", LongCodec.INSTANCE)
            .timestamps(v -> v, WatermarkStrategy.forMonotonousTimestamps())
            .flatMap((Long v, Collector<Long> out) ->
            {
                calls.incrementAndGet();
                out.collect(v);
                out.collect(v + 1);
            })
            .returns(LongCodec.INSTANCE)
            .keyBy(v -> v % 7)
            .process(HeldSum::new)
            .sinkTo(sums);
        long refusals = 0;
        try (Job job = flow.build(new WeirContext().shards(2).ringCapacityBytes(4096)).start())
        {
            final SourceProducer<Long> producer = job.producer("numbers", 0);
            for (long v = 0; v < events; v++)
            {
                final long deadlineNs = System.nanoTime() + 30_000_000_000L;
                while (!producer.tryOffer(v))
                {
                    refusals++;
                    HeldSum.refused.countDown();
                    assertTrue(System.nanoTime() - deadlineNs < 0, "offer " + v + " never accepted");
                    Thread.onSpinWait();
                }
            }
            producer.endOfInput();
            job.awaitTermination();
        }
        assertTrue(refusals > 0, "the ring never refused an offer: the test proves nothing");
        assertEquals(events, calls.get(), "flatMap calls, with " + refusals + " refused offers");
        final long[] expected = new long[7];
        for (long v = 0; v < events; v++)
        {
            expected[(int)(v % 7)] += v;
            expected[(int)((v + 1) % 7)] += v + 1;
        }
        final List<Long> expectedRows = new ArrayList<>();
        for (int key = 0; key < 7; key++)
        {
            expectedRows.add(key * 1_000_000_000_000L + expected[key]);
        }
        assertEquals(expectedRows, sums.sorted());
    }

    @Test
    void windowsFireWhileAnIdleSourceStalls() throws Exception
    {
        final ListSink<Long> windows = new ListSink<>();
        final Dataflow flow = Dataflow.named("idle-source");
        final DataStream<Long> numbers = flow.source("numbers", LongCodec.INSTANCE)
            .timestamps(v -> v, WatermarkStrategy.forMonotonousTimestamps());
        final DataStream<Long> stalled = flow.source("stalled", LongCodec.INSTANCE)
            .timestamps(v -> v, WatermarkStrategy.forMonotonousTimestamps().withIdleness(java.time.Duration
                .ofMillis(50)));
        numbers.union(stalled)
            .keyBy(v -> v % 10)
            .window(TumblingEventTimeWindows.of(1000))
            .aggregate(new Count(), LongCodec.INSTANCE)
            .sinkTo(windows);
        // the stalled source's watermark 4 would hold the windows back if it were not idle
        feedNumbersWhileStalledHoldsOneElement(flow, windows);
    }

    @Test
    void windowsOfTheNextStageFireWhileEveryInputOfAStageBeforeItIsIdle() throws Exception
    {
        final ListSink<Long> windows = new ListSink<>();
        final Dataflow flow = Dataflow.named("idle-stage");
        final DataStream<Long> numbers = flow.source("numbers", LongCodec.INSTANCE)
            .timestamps(v -> v, WatermarkStrategy.forMonotonousTimestamps())
            .keyBy(v -> v % 10).process(BroadcastDataflowTest.Identity::new).uid("numbers")
            .returns(LongCodec.INSTANCE);
        final DataStream<Long> stalled = flow.source("stalled", LongCodec.INSTANCE)
            .timestamps(v -> v, WatermarkStrategy.forMonotonousTimestamps().withIdleness(java.time.Duration
                .ofMillis(50)))
            .keyBy(v -> v % 10).process(BroadcastDataflowTest.Identity::new).uid("stalled")
            .returns(LongCodec.INSTANCE);
        numbers.union(stalled)
            .keyBy(v -> v % 10)
            .window(TumblingEventTimeWindows.of(1000))
            .aggregate(new Count(), LongCodec.INSTANCE).uid("windows")
            .sinkTo(windows);
        // the "stalled" operator's watermark is 4; its instances' only input is idle, so they mark their
        // channels idle downstream
        feedNumbersWhileStalledHoldsOneElement(flow, windows);
    }

    /**
     * Offers one element to "stalled" and 10,000 to "numbers", flushes the watermark (9998) and expects the windows
     * [0, 9000) of every key to fire though "stalled" is not at that watermark (idle), then every window at the end.
     */
    private static void feedNumbersWhileStalledHoldsOneElement(final Dataflow flow, final ListSink<Long> windows)
        throws Exception
    {
        try (Job job = flow.build(new WeirContext().shards(2)).start())
        {
            final SourceProducer<Long> stalls = job.producer("stalled", 0);
            assertTrue(stalls.offer(5L, 10_000_000_000L));
            final SourceProducer<Long> producer = job.producer("numbers", 0);
            for (long v = 0; v < 10_000; v++)
            {
                assertTrue(producer.offer(v, 10_000_000_000L));
            }
            while (!producer.tryFlushWatermarks())
            {
                Thread.onSpinWait();
            }
            final long deadlineNs = System.nanoTime() + 30_000_000_000L;
            while (windows.elements.size() < 90)
            {
                assertTrue(System.nanoTime() - deadlineNs < 0, "windows fired: " + windows.elements.size());
                Thread.onSpinWait();
            }
            final List<Long> fired = new ArrayList<>(Collections.nCopies(89, 100L));
            fired.add(101L); // key 5's first window holds the stalled source's element too
            fired.sort(null);
            assertEquals(fired, windows.sorted());
            stalls.endOfInput();
            producer.endOfInput();
            job.awaitTermination();
        }
        assertEquals(100, windows.elements.size(), "the last window of every key at the end of input");
    }

    @Test
    void eachKeyedOperatorGetsAStoreOfItsOwnSizeOrElseTheJobs() throws Exception
    {
        final Map<String, Long> sizes = new java.util.concurrent.ConcurrentHashMap<>();
        final io.weir.state.heap.HeapStateBackend heap = new io.weir.state.heap.HeapStateBackend();
        final io.weir.state.spi.StateBackend recording = new io.weir.state.spi.StateBackend()
        {
            public String name()
            {
                return heap.name();
            }

            public io.weir.state.spi.KeyedStateStore createStore(final int shardId, final long expectedEntries)
            {
                return heap.createStore(shardId, expectedEntries);
            }

            public io.weir.state.spi.KeyedStateStore createStore(
                final String operatorUid, final int shardId, final long expectedEntries)
            {
                sizes.put(operatorUid + "/" + shardId, expectedEntries);
                return heap.createStore(shardId, expectedEntries);
            }
        };
        final Dataflow flow = Dataflow.named("sized");
        flow.source("numbers", LongCodec.INSTANCE)
            .timestamps(v -> v, WatermarkStrategy.forMonotonousTimestamps())
            .keyBy(v -> v)
            .process(RunningCount::new).uid("big").expectedEntriesPerShard(500_000)
            .returns(LongCodec.INSTANCE)
            .keyBy(v -> v % 10)
            .process(RunningCount::new).uid("small")
            .sinkTo(new ListSink<>());
        try (Job job = flow.build(new WeirContext().shards(2).stateBackend(recording)
            .expectedEntriesPerShard(3_000)).start())
        {
            feed(job, 10);
            job.awaitTermination();
        }
        assertEquals(Map.of("big/0", 500_000L, "big/1", 500_000L, "small/0", 3_000L, "small/1", 3_000L), sizes);
        final DataStream<Long> source = Dataflow.named("bad").source("numbers", LongCodec.INSTANCE)
            .timestamps(v -> v, WatermarkStrategy.forMonotonousTimestamps());
        final IllegalArgumentException notKeyed = assertThrows(IllegalArgumentException.class,
            () -> source.expectedEntriesPerShard(10));
        assertTrue(notKeyed.getMessage().contains("only a keyed operator"), notKeyed.getMessage());
    }

    @Test
    void aStageWhoseCodecWritesOtherThanItDeclaredFailsTheJobNamingTheCodec() throws Exception
    {
        final ListSink<Long> sums = new ListSink<>();
        final MisdeclaringCodec<Long> codec =
            new MisdeclaringCodec<>("short-at-fifty", LongCodec.INSTANCE, v -> v % 1_000_000 == 50, -4);
        final Dataflow flow = Dataflow.named("short-codec");
        flow.source("numbers", LongCodec.INSTANCE)
            .timestamps(v -> v, WatermarkStrategy.forMonotonousTimestamps())
            .keyBy(v -> v % 10)
            .process(RunningCount::new)
            .returns(codec)
            .keyBy(v -> v % 7)
            .process(SumAtEnd::new)
            .sinkTo(sums);
        final Job job = flow.build(new WeirContext().shards(2)).start();
        final JobFailedException failed = assertThrows(JobFailedException.class, () ->
        {
            feed(job, EVENTS);
            job.awaitTermination();
        });
        assertEquals(EncodedLengths.mismatch(codec, 8, 4).getMessage(), failed.getCause().getMessage());
        assertThrows(JobFailedException.class, job::close);
        assertTrue(sums.elements.isEmpty(), "no sums after the failure: " + sums.elements.size());
    }

    @Test
    void keyByOfAStreamWithoutACodecNamesTheStageAndSaysToCallReturns()
    {
        final Dataflow flow = Dataflow.named("no-codec");
        final DataStream<Long> mapped = flow.source("numbers", LongCodec.INSTANCE)
            .timestamps(v -> v, WatermarkStrategy.forMonotonousTimestamps())
            .keyBy(v -> v)
            .process(RunningCount::new).uid("count")
            .map(v -> v + 1);
        final IllegalStateException ex = assertThrows(IllegalStateException.class, () -> mapped.keyBy(v -> v));
        assertTrue(ex.getMessage().contains("MAP 'map'") && ex.getMessage().contains("returns(codec)"),
            ex.getMessage());
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3})
    void aSourceStreamWithoutKeyByRunsItsOperatorsOnTheShards(final int shards) throws Exception
    {
        final ListSink<Long> doubled = new ListSink<>();
        final ListSink<Long> sums = new ListSink<>();
        final Dataflow flow = Dataflow.named("stateless");
        final DataStream<Long> numbers = flow.source("numbers", LongCodec.INSTANCE)
            .timestamps(v -> v, WatermarkStrategy.forMonotonousTimestamps());
        numbers.flatMap((Long v, Collector<Long> out) ->
            {
                out.collect(v);
                out.collect(v);
            })
            .sinkTo(doubled);
        numbers.keyBy(v -> v % 7).process(SumAtEnd::new).sinkTo(sums);
        try (Job job = flow.build(new WeirContext().shards(shards)).start())
        {
            feed(job, 1_000);
            job.awaitTermination();
        }
        final List<Long> expected = new ArrayList<>();
        for (long v = 0; v < 1_000; v++)
        {
            expected.add(v);
            expected.add(v);
        }
        assertEquals(expected, doubled.sorted());
        final List<Long> expectedSums = new ArrayList<>();
        for (long key = 0; key < 7; key++)
        {
            long sum = 0;
            for (long v = key; v < 1_000; v += 7)
            {
                sum += v;
            }
            expectedSums.add(key * 1_000_000_000_000L + sum);
        }
        assertEquals(expectedSums, sums.sorted(), "the keyed branch of the same source");
    }

    /** Per key: how many first-input elements and the sum of the second input's, emitted at end of input. */
    static final class CountAndSum extends io.weir.api.KeyedCoProcessFunction<Long, Long, Long, Long>
    {
        private LongValueState count;
        private LongValueState sum;

        public void open(final RuntimeContext runtimeContext)
        {
            count = runtimeContext.getLongState(new LongValueStateDescriptor("count"));
            sum = runtimeContext.getLongState(new LongValueStateDescriptor("sum"));
        }

        public void processElement1(final Long value, final Context ctx, final Collector<Long> out)
        {
            count.update(count.valueOr(0) + 1);
            ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE - 1);
        }

        public void processElement2(final Long value, final Context ctx, final Collector<Long> out)
        {
            sum.update(sum.valueOr(0) + value);
            ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE - 1);
        }

        public void onTimer(final long timestampMs, final OnTimerContext ctx, final Collector<Long> out)
        {
            out.collect(ctx.getCurrentKey() * 1_000_000_000_000L + count.valueOr(0) * 1_000_000L + sum.valueOr(0));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3})
    void connectedStreamsShareTheKeysStateAndTimers(final int shards) throws Exception
    {
        final ListSink<Long> rows = new ListSink<>();
        final Dataflow flow = Dataflow.named("connected");
        final DataStream<Long> numbers = flow.source("numbers", LongCodec.INSTANCE)
            .timestamps(v -> v, WatermarkStrategy.forMonotonousTimestamps());
        final DataStream<Long> amounts = flow.source("amounts", LongCodec.INSTANCE)
            .timestamps(v -> v, WatermarkStrategy.forMonotonousTimestamps())
            .keyBy(v -> v % 3).process(RunningCount::new)   // an upstream keyed stage on the second input
            .map(v -> v % 1_000_000).returns(LongCodec.INSTANCE);
        numbers.connect(amounts)
            .keyBy(v -> v % 10, v -> v % 10)
            .process(CountAndSum::new).uid("count-and-sum")
            .sinkTo(rows);
        try (Job job = flow.build(new WeirContext().shards(shards)).start())
        {
            final SourceProducer<Long> first = job.producer("numbers", 0);
            final SourceProducer<Long> second = job.producer("amounts", 0);
            for (long v = 0; v < 1_000; v++)
            {
                assertTrue(first.offer(v, 10_000_000_000L));
                assertTrue(second.offer(v, 10_000_000_000L));
            }
            first.endOfInput();
            second.endOfInput();
            job.awaitTermination();
        }
        // the second input carries the running counts of v % 3: 1..334, 1..333, 1..333
        final long[] sums = new long[10];
        final long[] perKey = new long[3];
        for (long v = 0; v < 1_000; v++)
        {
            final long count = ++perKey[(int)(v % 3)];
            sums[(int)(count % 10)] += count;
        }
        final List<Long> expected = new ArrayList<>();
        for (long key = 0; key < 10; key++)
        {
            expected.add(key * 1_000_000_000_000L + 100 * 1_000_000L + sums[(int)key]);
        }
        assertEquals(expected, rows.sorted());
    }

    /** Per key, how many elements it saw, at end of input as {@code prefix:key:count}. */
    static final class CountPerKey<K, T> extends KeyedProcessFunction<K, T, String>
    {
        private final String prefix;
        private LongValueState count;

        CountPerKey(final String prefix)
        {
            this.prefix = prefix;
        }

        public void open(final RuntimeContext runtimeContext)
        {
            count = runtimeContext.getLongState(new LongValueStateDescriptor("count"));
        }

        public void processElement(final T value, final Context ctx, final Collector<String> out)
        {
            count.update(count.valueOr(0) + 1);
            ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE - 1);
        }

        public void onTimer(final long timestampMs, final OnTimerContext ctx, final Collector<String> out)
        {
            out.collect(prefix + ":" + ctx.getCurrentKey() + ":" + count.valueOr(0));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3})
    void branchesOfOneSourceKeyedTheirOwnWayGetEveryElementTheirFiltersTake(final int shards) throws Exception
    {
        // Per key k: an opener (10k) and three followers (10k + 1..3), split by two branches keyed by k, one as a
        // long, the other through a map to a string; the producer routes by the key of the branch that takes an
        // element, and 10k + 4 and 10k + 5 go to neither.
        final ListSink<String> counts = new ListSink<>();
        final Dataflow flow = Dataflow.named("branches");
        final DataStream<Long> events = flow.source("events", LongCodec.INSTANCE)
            .timestamps(v -> v, WatermarkStrategy.forMonotonousTimestamps());
        events.filter(v -> v % 10 == 0)
            .keyBy(v -> v / 10)
            .process(() -> new CountPerKey<Long, Long>("opener")).uid("openers")
            .sinkTo(counts);
        events.filter(v -> v % 10 != 0 && v % 10 < 4)
            .map(v -> Long.toString(v / 10)).returns(io.weir.api.codec.StringCodec.INSTANCE)
            .keyBy(k -> k, io.weir.api.codec.StringCodec.INSTANCE)
            .process(() -> new CountPerKey<String, String>("followers")).uid("followers")
            .sinkTo(counts);
        try (Job job = flow.build(new WeirContext().shards(shards)).start())
        {
            final SourceProducer<Long> producer = job.producer("events", 0);
            for (long key = 0; key < 2_000; key++)
            {
                for (long i = 0; i < 6; i++)
                {
                    assertTrue(producer.offer(key * 10 + i, 10_000_000_000L));
                }
            }
            producer.endOfInput();
            job.awaitTermination();
        }
        final List<String> expected = new ArrayList<>();
        for (long key = 0; key < 2_000; key++)
        {
            expected.add("opener:" + key + ":1");
            expected.add("followers:" + key + ":3");
        }
        Collections.sort(expected);
        assertEquals(expected, counts.sorted());
    }

    /** A mutable element: a key and an amount. */
    static final class Payment
    {
        long key;
        long amount;
    }

    static final class PaymentCodec extends io.weir.api.codec.FixedLayoutCodec<Payment>
    {
        static final PaymentCodec INSTANCE = new PaymentCodec();

        PaymentCodec()
        {
            super("dataflow-test-payment", 16);
        }

        protected void write(final Payment value, final org.agrona.MutableDirectBuffer buffer, final int offset)
        {
            buffer.putLong(offset, value.key);
            buffer.putLong(offset + 8, value.amount);
        }

        protected Payment read(final org.agrona.DirectBuffer buffer, final int offset, final Payment reuse)
        {
            final Payment payment = reuse != null ? reuse : new Payment();
            payment.key = buffer.getLong(offset);
            payment.amount = buffer.getLong(offset + 8);
            return payment;
        }
    }

    /** Per key, the sums of both inputs' amounts, emitted at end of input as {@code key:first:second}. */
    static final class SumsOfBoth extends io.weir.api.KeyedCoProcessFunction<Long, Payment, Payment, String>
    {
        private LongValueState first;
        private LongValueState second;

        public void open(final RuntimeContext runtimeContext)
        {
            first = runtimeContext.getLongState(new LongValueStateDescriptor("first"));
            second = runtimeContext.getLongState(new LongValueStateDescriptor("second"));
        }

        public void processElement1(final Payment value, final Context ctx, final Collector<String> out)
        {
            first.update(first.valueOr(0) + value.amount);
            ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE - 1);
        }

        public void processElement2(final Payment value, final Context ctx, final Collector<String> out)
        {
            second.update(second.valueOr(0) + value.amount);
            ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE - 1);
        }

        public void onTimer(final long timestampMs, final OnTimerContext ctx, final Collector<String> out)
        {
            out.collect(ctx.getCurrentKey() + ":" + first.valueOr(0) + ":" + second.valueOr(0));
        }
    }

    @Test
    void branchOperatorsThatChangeTheirInputSeeEveryElementAsOfferedAndRunOnceAnElementOnTheProducer()
        throws Exception
    {
        // The producer runs the branches' operators to route each element by its branch's key, and the shards run
        // them again: the element must reach the shards as it was offered, and back-pressure (small rings) must not
        // run them again on the producer.
        final java.util.concurrent.atomic.AtomicLong doublings = new java.util.concurrent.atomic.AtomicLong();
        final ListSink<String> sums = new ListSink<>();
        final Dataflow flow = Dataflow.named("changing-branches");
        final DataStream<Payment> payments = flow.source("payments", PaymentCodec.INSTANCE)
            .timestamps(p -> 0L, WatermarkStrategy.noWatermarks());
        final DataStream<Payment> large = payments.filter(p -> p.amount >= 100)
            .map(p ->
            {
                doublings.incrementAndGet();
                p.amount *= 2;
                return p;
            }).returns(PaymentCodec.INSTANCE);
        final DataStream<Payment> small = payments.filter(p -> p.amount < 100)
            .map(p ->
            {
                p.amount += 1_000;
                return p;
            }).returns(PaymentCodec.INSTANCE);
        large.connect(small)
            .keyBy(p -> p.key, p -> p.key)
            .process(SumsOfBoth::new).uid("sums-of-both")
            .sinkTo(sums);
        final long[] expectedLarge = new long[50];
        final long[] expectedSmall = new long[50];
        long largeCount = 0;
        try (Job job = flow.build(new WeirContext().shards(2).ringCapacityBytes(4096)).start())
        {
            final SourceProducer<Payment> producer = job.producer("payments", 0);
            final Payment payment = new Payment();
            for (int i = 0; i < 20_000; i++)
            {
                payment.key = i % 50;
                payment.amount = i % 200;
                if (payment.amount >= 100)
                {
                    expectedLarge[i % 50] += 2 * payment.amount;
                    largeCount++;
                }
                else
                {
                    expectedSmall[i % 50] += payment.amount + 1_000;
                }
                assertTrue(producer.offer(payment, 10_000_000_000L));
            }
            producer.endOfInput();
            job.awaitTermination();
        }
        final List<String> expected = new ArrayList<>();
        for (int key = 0; key < 50; key++)
        {
            expected.add(key + ":" + expectedLarge[key] + ":" + expectedSmall[key]);
        }
        Collections.sort(expected);
        assertEquals(expected, sums.sorted());
        assertEquals(2 * largeCount, doublings.get(), "once on the producer and once on a shard, per large payment");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void anIntervalJoinPairsTheElementsOfAKeyWithinItsBounds(final int shards) throws Exception
    {
        final ListSink<Long> pairs = new ListSink<>();
        final Dataflow flow = Dataflow.named("interval-join");
        final DataStream<Long> left = flow.source("numbers", LongCodec.INSTANCE)
            .timestamps(v -> v, WatermarkStrategy.forMonotonousTimestamps());
        final DataStream<Long> right = flow.source("amounts", LongCodec.INSTANCE)
            .timestamps(v -> v, WatermarkStrategy.forMonotonousTimestamps());
        left.keyBy(v -> v % 2)
            .intervalJoin(right.keyBy(v -> v % 2))
            .between(-2, 3)
            .process(() -> new io.weir.api.ProcessJoinFunction<Long, Long, Long>()
            {
                public void processElement(final Long l, final Long r, final Context ctx, final Collector<Long> out)
                {
                    assertEquals(Math.max(l, r), ctx.getTimestamp());
                    out.collect(l * 10_000 + r);
                }
            }).uid("join")
            .sinkTo(pairs);
        try (Job job = flow.build(new WeirContext().shards(shards)).start())
        {
            final SourceProducer<Long> first = job.producer("numbers", 0);
            final SourceProducer<Long> second = job.producer("amounts", 0);
            for (long v = 0; v < 1_000; v++)
            {
                assertTrue(first.offer(v, 10_000_000_000L));
                assertTrue(second.offer(v, 10_000_000_000L));
            }
            first.endOfInput();
            second.endOfInput();
            job.awaitTermination();
        }
        final List<Long> expected = new ArrayList<>();
        for (long l = 0; l < 1_000; l++)
        {
            for (long r = Math.max(0, l - 2); r <= Math.min(999, l + 3); r++)
            {
                if (r % 2 == l % 2)
                {
                    expected.add(l * 10_000 + r);
                }
            }
        }
        assertEquals(expected, pairs.sorted());
    }
}
