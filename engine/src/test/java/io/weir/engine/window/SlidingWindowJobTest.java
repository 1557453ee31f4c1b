package io.weir.engine.window;

import io.weir.engine.runtime.window.SlicedWindowOperator;
import io.weir.engine.runtime.window.WindowOperator;
import io.weir.engine.runtime.window.WindowOperators;
import io.weir.api.codec.LongCodec;
import io.weir.api.dataflow.DataStream;
import io.weir.api.dataflow.Dataflow;
import io.weir.api.dataflow.WindowedStream;
import io.weir.api.eventtime.WatermarkStrategy;
import io.weir.api.functions.AggregateFunction;
import io.weir.api.functions.OutputTag;
import io.weir.api.window.SlidingEventTimeWindows;
import io.weir.api.window.TimeWindow;
import io.weir.engine.Configuration;
import io.weir.engine.JobInternals;
import io.weir.engine.Producer;
import io.weir.engine.runtime.ShardAgent;
import io.weir.engine.WeirContext;
import io.weir.engine.WeirJob;
import io.weir.engine.checkpoint.CheckpointSettings;
import io.weir.engine.checkpoint.CheckpointStats;
import io.weir.snapshot.TestSeeds;
import io.weir.state.heap.HeapStateBackend;
import io.weir.state.spi.StateBackend;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sliding windows end to end against a brute-force model: every window of every key that received an element
 * while it was live, as {@code key,start,end,count,sum}, and the late elements. Sliding windows whose size is a
 * multiple of the slide are aggregated per slice ({@link SlicedWindowOperator}); the others, and aggregates that
 * cannot merge, per window ({@link WindowOperator}). An element is one long: {@code ts << 6 | key << 3 | value}.
 */
@ExtendWith(TestSeeds.class)
@Timeout(120)
class SlidingWindowJobTest
{
    private static final OutputTag<Long> LATE = new OutputTag<>("late");

    @TempDir
    Path dir;

    static long element(final long key, final long timestamp, final long value)
    {
        return timestamp << 6 | key << 3 | value;
    }

    static String describe(final long element)
    {
        return (element >> 3 & 7) + "," + (element >> 6) + "," + (element & 7);
    }

    /** Count in the high 32 bits, sum of values in the low: merging is addition. */
    static class CountAndSum implements AggregateFunction<Long, Long, Long>
    {
        public Long createAccumulator()
        {
            return 0L;
        }

        public Long add(final Long value, final Long accumulator)
        {
            return accumulator + (1L << 32) + (value & 7);
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

    /** As Flink jobs often write it for fixed-size windows, which Flink never merges. */
    static final class CountAndSumWithoutMerge extends CountAndSum
    {
        public Long merge(final Long a, final Long b)
        {
            throw new UnsupportedOperationException("merge");
        }
    }

    /** A producer's script: elements and watermarks, in order. */
    static final class Script
    {
        final List<long[]> ops = new ArrayList<>();

        Script element(final long key, final long timestamp, final long value)
        {
            ops.add(new long[]{ 0, SlidingWindowJobTest.element(key, timestamp, value) });
            return this;
        }

        Script watermark(final long watermarkMs)
        {
            ops.add(new long[]{ 1, watermarkMs });
            return this;
        }
    }

    record Result(List<String> windows, List<String> late)
    {
    }

    private static Dataflow flow(
        final SlidingEventTimeWindows windows,
        final AggregateFunction<Long, Long, Long> aggregate,
        final SessionWindowJobTest.CollectingSink<String> out,
        final SessionWindowJobTest.CollectingSink<Long> late)
    {
        final Dataflow flow = Dataflow.named("sliding");
        final WindowedStream<Long, Long> windowed = flow.source("events", LongCodec.INSTANCE)
            .timestamps(e -> e >> 6, WatermarkStrategy.noWatermarks())
            .keyBy(e -> e >> 3 & 7)
            .window(windows)
            .sideOutputLateData(LATE);
        final DataStream<String> rows = windowed.aggregate(aggregate, LongCodec.INSTANCE,
            (Long key, TimeWindow window, Long acc, io.weir.api.functions.Collector<String> collector) ->
                collector.collect(key + "," + window.start() + "," + window.end() + "," + (acc >>> 32) + "," +
                    (acc & 0xFFFF_FFFFL))).uid("windows");
        rows.sinkTo(out);
        rows.getSideOutput(LATE).sinkTo(late);
        return flow;
    }

    /** Every state access reaches the backend: the tests count the window operators' writes. */
    private static WeirContext context(final StateBackend backend, final int shards)
    {
        return context(backend, shards, Configuration.WINDOW_ACCUMULATORS_DEFAULT);
    }

    private static WeirContext context(final StateBackend backend, final int shards, final int windowAccumulators)
    {
        return new WeirContext()
            .windowAccumulatorsInMemory(windowAccumulators)
            .hotKeyCache(false)
            .stateBackend(backend)
            .shards(shards)
            .ringCapacityBytes(64 * 1024)
            .shardIdleStrategy(() -> new SleepingMillisIdleStrategy(1))
            .sourceIdleStrategy(() -> new SleepingMillisIdleStrategy(1));
    }

    private static void play(final Producer<Long> producer, final List<long[]> ops)
    {
        for (final long[] op : ops)
        {
            if (op[0] == 0)
            {
                assertTrue(producer.offer(op[1], TimeUnit.SECONDS.toNanos(30)), "producer timed out");
            }
            else
            {
                producer.emitWatermark(op[1]);
            }
        }
    }

    private static Result run(
        final Script script,
        final SlidingEventTimeWindows windows,
        final AggregateFunction<Long, Long, Long> aggregate,
        final int shards,
        final long expectedPuts) throws Exception
    {
        return run(script, windows, aggregate, shards, expectedPuts, expectedPuts);
    }

    /** As {@link #run(Script, SlidingEventTimeWindows, AggregateFunction, int, long)}, with writes in a range. */
    private static Result run(
        final Script script,
        final SlidingEventTimeWindows windows,
        final AggregateFunction<Long, Long, Long> aggregate,
        final int shards,
        final long minPuts,
        final long maxPuts) throws Exception
    {
        return run(script, windows, aggregate, shards, minPuts, maxPuts, Configuration.WINDOW_ACCUMULATORS_DEFAULT);
    }

    /** As above, the window operators keeping at most {@code windowAccumulators} accumulators in memory. */
    private static Result run(
        final Script script,
        final SlidingEventTimeWindows windows,
        final AggregateFunction<Long, Long, Long> aggregate,
        final int shards,
        final long minPuts,
        final long maxPuts,
        final int windowAccumulators) throws Exception
    {
        return run(script, windows, aggregate, shards, minPuts, maxPuts, windowAccumulators, null);
    }

    /**
     * As above, with a checkpoint into {@code checkpoints} after every 500 elements and watermarks of the script,
     * unless it is null.
     */
    private static Result run(
        final Script script,
        final SlidingEventTimeWindows windows,
        final AggregateFunction<Long, Long, Long> aggregate,
        final int shards,
        final long minPuts,
        final long maxPuts,
        final int windowAccumulators,
        final Path checkpoints) throws Exception
    {
        final SessionWindowJobTest.CountingBackend backend = new SessionWindowJobTest.CountingBackend();
        final WeirContext context = context(backend, shards, windowAccumulators);
        if (null != checkpoints)
        {
            context.checkpoints(CheckpointSettings.every(checkpoints, 0));
        }
        final SessionWindowJobTest.CollectingSink<String> rows = new SessionWindowJobTest.CollectingSink<>(s -> s);
        final SessionWindowJobTest.CollectingSink<Long> late =
            new SessionWindowJobTest.CollectingSink<>(SlidingWindowJobTest::describe);
        try (WeirJob<Object, Object> job = context.build(flow(windows, aggregate, rows, late)))
        {
            job.start();
            final Producer<Long> producer = job.producer("events", 0);
            if (null == checkpoints)
            {
                play(producer, script.ops);
            }
            else
            {
                for (int from = 0; from < script.ops.size(); from += 500)
                {
                    play(producer, script.ops.subList(from, Math.min(script.ops.size(), from + 500)));
                    checkpoint(job, producer);
                }
            }
            producer.endOfInput();
            job.awaitTermination();
            for (final ShardAgent shard : JobInternals.shards(job))
            {
                assertEquals(0, shard.eventTimers().size(), "no timer left behind");
            }
        }
        assertEquals(0, backend.entriesAtClose.get(), "fired windows leave no state in the store");
        if (minPuts >= 0)
        {
            final long puts = backend.puts.get();
            assertTrue(minPuts <= puts && puts <= maxPuts,
                "state writes: " + puts + ", expected " + (minPuts == maxPuts ? minPuts : minPuts + " to " + maxPuts));
        }
        return new Result(rows.sorted(), late.sorted());
    }

    /**
     * Each element goes to the windows containing it that are live (last millisecond after the watermark when it
     * arrives); it is late if there is none. Windows fire at the end with what they received.
     */
    static Result model(final Script script, final long size, final long slide, final long offset, final int[] adds)
    {
        final java.util.Set<String> slices = new java.util.HashSet<>();
        final Map<String, long[]> windows = new TreeMap<>();
        final List<String> late = new ArrayList<>();
        long watermark = Long.MIN_VALUE;
        for (final long[] op : script.ops)
        {
            if (op[0] == 1)
            {
                watermark = Math.max(watermark, op[1]);
                continue;
            }
            final long ts = op[1] >> 6;
            boolean live = false;
            for (long start = TimeWindow.windowStart(ts, offset, slide); start > ts - size; start -= slide)
            {
                if (start + size - 1 > watermark)
                {
                    live = true;
                    adds[0]++;
                    final long[] window = windows.computeIfAbsent((op[1] >> 3 & 7) + "," + start + "," + (start + size),
                        k -> new long[2]);
                    window[0]++;
                    window[1] += op[1] & 7;
                }
            }
            if (!live)
            {
                late.add(describe(op[1]));
            }
            else
            {
                slices.add((op[1] >> 3 & 7) + "," + TimeWindow.windowStart(ts, offset, slide));
            }
        }
        if (adds.length > 1)
        {
            adds[1] = slices.size();
        }
        final List<String> rows = new ArrayList<>();
        windows.forEach((window, stats) -> rows.add(window + "," + stats[0] + "," + stats[1]));
        Collections.sort(rows);
        Collections.sort(late);
        return new Result(rows, late);
    }

    static Script randomScript(final Random random, final long size, final int events)
    {
        final int keys = 1 + random.nextInt(8);
        final Script script = new Script();
        long now = 1_000;
        for (int i = 0; i < events; i++)
        {
            now += random.nextInt(4);
            if (random.nextInt(20) == 0)
            {
                script.watermark(now - random.nextInt((int)size));
            }
            final long ts = now - (random.nextInt(4) == 0 ? random.nextInt((int)(2 * size)) : random.nextInt(3));
            script.element(random.nextInt(keys), ts, random.nextInt(8));
        }
        return script;
    }

    @ParameterizedTest
    @ValueSource(ints = { 1, 2, 3 })
    void slicedWindowsMatchTheModelWithOneStateWritePerElementAndAtMostOnePerSlice(final int shards) throws Exception
    {
        final long seed = TestSeeds.seed("SlidingWindowJobTest sliced, shards=" + shards + ",");
        final Random random = new Random(seed);
        final long slide = 2 + random.nextInt(10);
        final long size = slide * (2 + random.nextInt(4));
        final long offset = random.nextInt((int)(2 * slide - 1)) - (slide - 1);
        final SlidingEventTimeWindows windows = SlidingEventTimeWindows.of(size, slide, offset);
        assertTrue(WindowOperators.sliceable(windows, new CountAndSum()));
        final Script script = randomScript(random, size, 3_000);
        final int[] adds = new int[2];
        final Result expected = model(script, size, slide, offset, adds);
        final long accepted = script.ops.stream().filter(op -> op[0] == 0).count() - expected.late().size();
        System.out.println("  " + windows + " offset=" + offset + " windows=" + expected.windows().size() +
            " late=" + expected.late().size() + " accepted=" + accepted + " window adds=" + adds[0]);
        // A write per element, and one when a slice's last window drops it while later slices of its key remain.
        final Result actual = run(script, windows, new CountAndSum(), shards, accepted, accepted + adds[1]);
        assertSameRows(expected.late(), actual.late(), "late elements, seed " + seed);
        assertSameRows(expected.windows(), actual.windows(), "windows, seed " + seed);
    }

    /**
     * Windows aggregated per window keep their accumulators in memory until they fire; with room for a few only,
     * later windows and keys go to the store, and a window's keys may be in both: each gives the model's rows.
     */
    @ParameterizedTest
    @ValueSource(ints = { 0, 1, 3, 40, 1 << 14 })
    void windowsWithTheirAccumulatorsInMemoryInTheStoreOrBothMatchTheModel(final int windowAccumulators)
        throws Exception
    {
        final long seed = TestSeeds.seed("SlidingWindowJobTest in memory " + windowAccumulators + ",");
        final Random random = new Random(seed);
        for (final SlidingEventTimeWindows windows :
            List.of(SlidingEventTimeWindows.of(10, 4, 1), SlidingEventTimeWindows.of(10, 10)))
        {
            final Script script = randomScript(random, windows.sizeMs(), 2_000);
            final int[] adds = new int[1];
            final Result expected = model(script, windows.sizeMs(), windows.slideMs(), windows.offsetMs(), adds);
            // With none in memory every add of an element to a window writes the store; with room for all, none
            // does (no checkpoint here); in between, some.
            final long puts = windowAccumulators == 0 ? adds[0] : windowAccumulators == 1 << 14 ? 0 : -1;
            final Result actual =
                run(script, windows, new CountAndSumWithoutMerge(), 2, puts, puts, windowAccumulators);
            assertSameRows(expected.late(), actual.late(), windows + " late elements, seed " + seed);
            assertSameRows(expected.windows(), actual.windows(), windows + " windows, seed " + seed);
        }
    }

    /**
     * Snapshot points come while windows are open: their in-memory accumulators go to the store there, and the
     * windows go on in it, where later keys join them.
     */
    @ParameterizedTest
    @ValueSource(ints = { 2, 1 << 14 })
    void windowsWhoseAccumulatorsGoToTheStoreAtSnapshotPointsMatchTheModel(final int windowAccumulators)
        throws Exception
    {
        final long seed = TestSeeds.seed("SlidingWindowJobTest snapshot points " + windowAccumulators + ",");
        final Random random = new Random(seed);
        final SlidingEventTimeWindows windows = SlidingEventTimeWindows.of(10, 4, 1);
        final Script script = randomScript(random, windows.sizeMs(), 5_000);
        final Result expected = model(script, windows.sizeMs(), windows.slideMs(), windows.offsetMs(), new int[1]);
        final Result actual = run(script, windows, new CountAndSumWithoutMerge(), 2, -1, -1, windowAccumulators,
            dir.resolve("checkpoints-" + windowAccumulators));
        assertSameRows(expected.late(), actual.late(), "late elements, seed " + seed);
        assertSameRows(expected.windows(), actual.windows(), "windows, seed " + seed);
    }

    /** Keeps every value it is given, so that its accumulator grows: the result is count and sum, as CountAndSum's. */
    static final class CollectValues implements AggregateFunction<Long, long[], Long>
    {
        public long[] createAccumulator()
        {
            return new long[0];
        }

        public long[] add(final Long value, final long[] accumulator)
        {
            final long[] grown = java.util.Arrays.copyOf(accumulator, accumulator.length + 1);
            grown[accumulator.length] = value & 7;
            return grown;
        }

        public Long result(final long[] accumulator)
        {
            long sum = 0;
            for (final long value : accumulator)
            {
                sum += value;
            }
            return ((long)accumulator.length << 32) + sum;
        }

        public long[] merge(final long[] a, final long[] b)
        {
            throw new UnsupportedOperationException("merge");
        }
    }

    /** Eight bytes a value, no length: the accumulator's length is its encoded length over eight. */
    static final class ValuesCodec implements io.weir.api.codec.Codec<long[]>
    {
        public String id()
        {
            return "test-values";
        }

        public int fixedLength()
        {
            return VARIABLE_LENGTH;
        }

        public int encodedLength(final long[] value)
        {
            return value.length * Long.BYTES;
        }

        public int encode(final long[] value, final org.agrona.MutableDirectBuffer buffer, final int offset)
        {
            for (int i = 0; i < value.length; i++)
            {
                buffer.putLong(offset + i * Long.BYTES, value[i]);
            }
            return value.length * Long.BYTES;
        }

        public long[] decode(final org.agrona.DirectBuffer buffer, final int offset, final int length, final long[] reuse)
        {
            final long[] value = new long[length / Long.BYTES];
            for (int i = 0; i < value.length; i++)
            {
                value[i] = buffer.getLong(offset + i * Long.BYTES);
            }
            return value;
        }
    }

    /**
     * An accumulator that grows past what a window's table keeps (256 bytes: 32 values here) moves to the store and
     * goes on there; its window fires it from there, once, with the rest of the window's keys from the table.
     */
    @Test
    void accumulatorsThatOutgrowTheTableGoOnInTheStore() throws Exception
    {
        final long seed = TestSeeds.seed("SlidingWindowJobTest growing,");
        final Random random = new Random(seed);
        final SlidingEventTimeWindows windows = SlidingEventTimeWindows.of(400, 400);
        final Script script = randomScript(random, windows.sizeMs(), 3_000);
        final int[] adds = new int[1];
        final Result expected = model(script, windows.sizeMs(), windows.slideMs(), windows.offsetMs(), adds);
        final SessionWindowJobTest.CollectingSink<String> rows = new SessionWindowJobTest.CollectingSink<>(s -> s);
        final SessionWindowJobTest.CollectingSink<Long> late =
            new SessionWindowJobTest.CollectingSink<>(SlidingWindowJobTest::describe);
        final Dataflow flow = Dataflow.named("growing");
        final WindowedStream<Long, Long> windowed = flow.source("events", LongCodec.INSTANCE)
            .timestamps(e -> e >> 6, WatermarkStrategy.noWatermarks())
            .keyBy(e -> e >> 3 & 7)
            .window(windows)
            .sideOutputLateData(LATE);
        final DataStream<String> out = windowed.aggregate(new CollectValues(), new ValuesCodec(),
            (Long key, TimeWindow window, Long acc, io.weir.api.functions.Collector<String> collector) ->
                collector.collect(key + "," + window.start() + "," + window.end() + "," + (acc >>> 32) + "," +
                    (acc & 0xFFFF_FFFFL))).uid("windows");
        out.sinkTo(rows);
        out.getSideOutput(LATE).sinkTo(late);
        final SessionWindowJobTest.CountingBackend backend = new SessionWindowJobTest.CountingBackend();
        try (WeirJob<Object, Object> job = context(backend, 2).build(flow))
        {
            job.start();
            final Producer<Long> producer = job.producer("events", 0);
            play(producer, script.ops);
            producer.endOfInput();
            job.awaitTermination();
        }
        assertTrue(expected.windows().stream().anyMatch(row -> Long.parseLong(row.split(",")[3]) > 32),
            "a key's window takes more than 32 values");
        assertTrue(backend.puts.get() > 0, "an accumulator went to the store");
        assertTrue(backend.puts.get() < adds[0], "the others stayed in their tables: " + backend.puts.get() + " of " +
            adds[0] + " adds wrote the store");
        assertEquals(0, backend.entriesAtClose.get(), "fired windows leave no state in the store");
        assertSameRows(expected.late(), late.sorted(), "late elements, seed " + seed);
        assertSameRows(expected.windows(), rows.sorted(), "windows, seed " + seed);
    }

    @Test
    void windowsThatCannotBeSlicedMatchTheModelToo() throws Exception
    {
        final long seed = TestSeeds.seed("SlidingWindowJobTest per window,");
        final Random random = new Random(seed);
        final SlidingEventTimeWindows uneven = SlidingEventTimeWindows.of(10, 4, 1);
        final SlidingEventTimeWindows even = SlidingEventTimeWindows.of(12, 4);
        assertFalse(WindowOperators.sliceable(uneven, new CountAndSum()), "size not a multiple of the slide");
        assertFalse(WindowOperators.sliceable(even, new CountAndSumWithoutMerge()), "merge not supported");
        for (final SlidingEventTimeWindows windows : List.of(uneven, even))
        {
            final Script script = randomScript(random, windows.sizeMs(), 1_000);
            final Result expected = model(script, windows.sizeMs(), windows.slideMs(), windows.offsetMs(), new int[1]);
            final Result actual = run(script, windows, new CountAndSumWithoutMerge(), 2, -1);
            assertSameRows(expected.late(), actual.late(), windows + " late elements, seed " + seed);
            assertSameRows(expected.windows(), actual.windows(), windows + " windows, seed " + seed);
        }
    }

    /** A reduce keeps a slice's first element as its accumulator: here an event the input codec refills. */
    private static List<String> reduceOverRefilledEvents(final long[][] elements, final boolean slicing)
        throws InterruptedException
    {
        System.setProperty(WindowOperators.SLICING_PROPERTY, Boolean.toString(slicing));
        try
        {
            final SessionWindowJobTest.CollectingSink<SessionWindowJobTest.Event> out =
                new SessionWindowJobTest.CollectingSink<>(e -> e.key + ",sum=" + e.value);
            final Dataflow flow = Dataflow.named("reduce");
            flow.source("events", SessionWindowJobTest.EventCodec.INSTANCE)
                .timestamps(e -> e.timestamp, WatermarkStrategy.noWatermarks())
                .keyBy(e -> e.key)
                .window(SlidingEventTimeWindows.of(20, 10))
                .reduce((a, b) -> new SessionWindowJobTest.Event().set(a.key, Math.max(a.timestamp, b.timestamp),
                    a.value + b.value))
                .sinkTo(out);
            try (WeirJob<Object, Object> job = context(new HeapStateBackend(), 1).build(flow))
            {
                job.start();
                final Producer<SessionWindowJobTest.Event> producer = job.producer("events", 0);
                for (final long[] e : elements)
                {
                    assertTrue(producer.offer(new SessionWindowJobTest.Event().set(e[0], e[1], e[2]),
                        TimeUnit.SECONDS.toNanos(30)), "producer timed out");
                }
                producer.endOfInput();
                job.awaitTermination();
            }
            return out.sorted();
        }
        finally
        {
            System.clearProperty(WindowOperators.SLICING_PROPERTY);
        }
    }

    @Test
    void aSlicedReduceOverEventsTheInputCodecRefillsMatchesAReducePerWindow() throws Exception
    {
        // key, timestamp, value: values are distinct powers of two, so a lost or doubled element shows.
        final long[][] elements = {{1, 1, 1}, {2, 2, 2}, {1, 3, 4}, {2, 4, 8}, {1, 12, 16}, {2, 13, 32}, {1, 14, 64}};
        final List<String> perWindow = reduceOverRefilledEvents(elements, false);
        assertEquals(List.of("1,sum=5", "1,sum=80", "1,sum=85", "2,sum=10", "2,sum=32", "2,sum=42"), perWindow);
        assertEquals(perWindow, reduceOverRefilledEvents(elements, true));
    }

    @Test
    void anElementBehindTheFirstWindowsOfItsSliceCountsInTheLaterOnes() throws Exception
    {
        // size 6, slide 2: 3 belongs to [-2,4), [0,6), [2,8). Watermark 5 has fired the first two.
        final Script script = new Script()
            .element(1, 1, 1)       // [-4,2) [-2,4) [0,6)
            .watermark(5)
            .element(1, 3, 2)       // only [2,8) is live
            .element(1, 0, 4)       // [-4,2) [-2,4) [0,6): all fired, late
            .element(2, 2, 5);      // another key, only [2,8): its first timer is at 7
        final Result result = run(script, SlidingEventTimeWindows.of(6, 2), new CountAndSum(), 1, 3);
        assertEquals(List.of("1,-2,4,1,1", "1,-4,2,1,1", "1,0,6,1,1", "1,2,8,1,2", "2,2,8,1,5"), result.windows());
        assertEquals(List.of("1,0,4"), result.late());
    }

    @ParameterizedTest
    @ValueSource(ints = { 1, 3 })
    void slicesAndTheirTimersRestoreFromADeltaAtAnotherShardCount(final int restoredShards) throws Exception
    {
        restoresFromADeltaAtAnotherShardCount(restoredShards, new CountAndSum(), "restore");
    }

    /**
     * An aggregate that cannot merge runs a window per key ({@link WindowOperator}): a window fires by walking the
     * keys it lists, and a restore, here into another number of shards whose key groups mix those of the shards
     * that wrote the checkpoint, lists them again from the restored contents and gives each window its timer.
     */
    @ParameterizedTest
    @ValueSource(ints = { 1, 2, 3 })
    void windowsThatWalkTheirKeysRestoreFromADeltaAtAnotherShardCount(final int restoredShards) throws Exception
    {
        restoresFromADeltaAtAnotherShardCount(restoredShards, new CountAndSumWithoutMerge(), "per-window restore");
    }

    /**
     * The accumulators a window keeps in memory are written to the store at each snapshot point, so the checkpoints
     * hold them; with room for a few only, some windows' keys are in both places when the point comes.
     */
    @ParameterizedTest
    @ValueSource(ints = { 0, 2, 1 << 14 })
    void windowsWithAccumulatorsInMemoryRestoreFromADeltaAtAnotherShardCount(final int windowAccumulators)
        throws Exception
    {
        restoresFromADeltaAtAnotherShardCount(3, new CountAndSumWithoutMerge(),
            "in-memory restore " + windowAccumulators, windowAccumulators);
    }

    private void restoresFromADeltaAtAnotherShardCount(
        final int restoredShards, final CountAndSum aggregate, final String name) throws Exception
    {
        restoresFromADeltaAtAnotherShardCount(restoredShards, aggregate, name,
            Configuration.WINDOW_ACCUMULATORS_DEFAULT);
    }

    private void restoresFromADeltaAtAnotherShardCount(
        final int restoredShards, final CountAndSum aggregate, final String name, final int windowAccumulators)
        throws Exception
    {
        final long seed = TestSeeds.seed("SlidingWindowJobTest " + name + ", shards=" + restoredShards + ",");
        final Random random = new Random(seed);
        final SlidingEventTimeWindows windows = SlidingEventTimeWindows.of(20, 5);
        final Script script = randomScript(random, windows.sizeMs(), 4_000);
        final Result expected = model(script, 20, 5, 0, new int[1]);
        final int first = script.ops.size() / 3;
        final int second = 2 * script.ops.size() / 3;
        long lastWatermark = Long.MIN_VALUE;
        for (int i = 0; i < second; i++)
        {
            if (script.ops.get(i)[0] == 1)
            {
                lastWatermark = Math.max(lastWatermark, script.ops.get(i)[1]);
            }
        }

        final SessionWindowJobTest.CollectingSink<String> rows = new SessionWindowJobTest.CollectingSink<>(s -> s);
        final SessionWindowJobTest.CollectingSink<Long> late =
            new SessionWindowJobTest.CollectingSink<>(SlidingWindowJobTest::describe);
        final CheckpointSettings settings = CheckpointSettings.every(dir, 0);
        final WeirJob<Object, Object> before = context(new HeapStateBackend(), 2, windowAccumulators)
            .checkpoints(settings)
            .build(flow(windows, aggregate, rows, late));
        before.start();
        final Producer<Long> producer = before.producer("events", 0);
        play(producer, script.ops.subList(0, first));
        final CheckpointStats full = checkpoint(before, producer);
        play(producer, script.ops.subList(first, second));
        final CheckpointStats delta = checkpoint(before, producer);
        assertTrue(full.full() && !delta.full(), full + " then " + delta);
        before.close(WeirJob.CloseMode.DISCARD);

        try (WeirJob<Object, Object> after = context(new HeapStateBackend(), restoredShards, windowAccumulators)
            .checkpoints(settings)
            .build(flow(windows, aggregate, rows, late)))
        {
            assertEquals(delta.checkpointId(), after.restoredFrom().orElseThrow().checkpointId());
            after.start();
            final Producer<Long> resumed = after.producer("events", 0);
            resumed.emitWatermark(lastWatermark);
            play(resumed, script.ops.subList(second, script.ops.size()));
            resumed.endOfInput();
            after.awaitTermination();
        }
        assertSameRows(expected.late(), late.sorted(), "late elements, seed " + seed);
        assertSameRows(expected.windows(), rows.sorted(), "windows, seed " + seed);
    }

    /** Equal lists, or a message with the sizes and the first rows missing and extra (not 5 MB of both lists). */
    static void assertSameRows(final List<String> expected, final List<String> actual, final String what)
    {
        if (expected.equals(actual))
        {
            return;
        }
        final List<String> missing = new ArrayList<>(expected);
        missing.removeAll(actual);
        final List<String> extra = new ArrayList<>(actual);
        extra.removeAll(expected);
        throw new AssertionError(what + ": " + actual.size() + " rows, expected " + expected.size() + "; missing " +
            missing.subList(0, Math.min(10, missing.size())) + ", extra " + extra.subList(0, Math.min(10, extra.size())));
    }

    private static CheckpointStats checkpoint(final WeirJob<Object, Object> job, final Producer<Long> producer)
        throws Exception
    {
        final CompletableFuture<CheckpointStats> future = job.triggerCheckpoint();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!future.isDone() && System.nanoTime() < deadline)
        {
            producer.tryInjectRequestedBarrier();
            Thread.sleep(1);
        }
        return future.get(1, TimeUnit.SECONDS);
    }
}
