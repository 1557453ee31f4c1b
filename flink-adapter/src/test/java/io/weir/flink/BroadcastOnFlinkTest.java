package io.weir.flink;

import io.weir.api.KeyedBroadcastProcessFunction;
import io.weir.api.RuntimeContext;
import io.weir.api.TimeDomain;
import io.weir.api.codec.LongCodec;
import io.weir.api.codec.StringCodec;
import io.weir.api.connector.SinkFactory;
import io.weir.api.connector.SinkWriter;
import io.weir.api.connector.SourceReader;
import io.weir.api.dataflow.BroadcastStream;
import io.weir.api.dataflow.DataStream;
import io.weir.api.dataflow.Dataflow;
import io.weir.api.dataflow.DataflowRunner;
import io.weir.api.dataflow.Job;
import io.weir.api.eventtime.WatermarkStrategy;
import io.weir.api.functions.Collector;
import io.weir.api.functions.OutputTag;
import io.weir.api.state.BroadcastState;
import io.weir.api.state.LongValueState;
import io.weir.api.state.LongValueStateDescriptor;
import io.weir.api.state.MapStateDescriptor;
import io.weir.engine.WeirContext;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A rules job on a broadcast stream, on Weir and on Flink (heap and RocksDB, parallelism 1 and 2): the same rows,
 * the ones a plain model of the job computes. Rules set a threshold per key class (two broadcast states, the
 * rules and their count); keyed elements pass or go to a side output by the rule of their class and add up per key
 * in keyed state; a later broadcast element adds a bonus to every key's sum ({@code applyToKeyedState}) and removes
 * a rule through the broadcast state's iterator; an end-of-input event-time timer reports each key.
 * <p>
 * Deterministic by explicit conditions, not timing: the elements' source starts only once every instance of the
 * operator has processed every first-phase rule, and the rules' source sends the bonus only once every element has
 * been processed; the end-of-input timers fire once both inputs have ended. So every element sees every rule, and
 * the bonus sees every key, whatever the arrival order across the two inputs would otherwise be.
 */
@Timeout(180)
class BroadcastOnFlinkTest
{
    static final MapStateDescriptor<Long, Long> RULES =
        new MapStateDescriptor<>("rules", LongCodec.INSTANCE, LongCodec.INSTANCE);
    static final MapStateDescriptor<String, Long> COUNT =
        new MapStateDescriptor<>("rule-count", StringCodec.INSTANCE, LongCodec.INSTANCE);
    static final LongValueStateDescriptor SUM = new LongValueStateDescriptor("sum");
    static final OutputTag<String> DROPPED = new OutputTag<>("dropped");

    /** First-phase rules: class * 1000 + threshold; class 2 is set twice, the later one holds. */
    static final long[] RULE_VALUES = {0, 1007, 2014, 3021, 4028, 2030};
    static final long BONUS = 3;
    static final int ELEMENTS = 40;
    static final int CLASSES = 5;

    private static final List<String> ROWS = Collections.synchronizedList(new ArrayList<>());
    private static final AtomicInteger RULES_APPLIED = new AtomicInteger();
    private static final AtomicInteger ELEMENTS_PROCESSED = new AtomicInteger();
    private static volatile int instances;
    static final long TOTALS_RULES = 300;
    static final long TOTALS_ELEMENTS = 2_000;
    private static final AtomicBoolean CHECKPOINT_SEEN =
        new AtomicBoolean();
    private static volatile Path checkpoints;

    @TempDir
    Path dir;

    static Stream<Arguments> runs()
    {
        final List<Arguments> runs = new ArrayList<>();
        for (final int parallelism : new int[]{1, 2})
        {
            runs.add(Arguments.of("weir", parallelism));
            for (final String backend : FlinkRunner.BACKENDS)
            {
                runs.add(Arguments.of(backend, parallelism));
            }
        }
        return runs.stream();
    }

    @ParameterizedTest(name = "{0} parallelism={1}")
    @MethodSource("runs")
    void shouldGiveTheModelsRows(final String engine, final int parallelism) throws Exception
    {
        final DataflowRunner runner = engine.equals("weir") ? new WeirContext().shards(parallelism) :
            new FlinkRunner().sharedMiniCluster().parallelism(parallelism).stateBackend(engine);
        assertEquals(expected(), run(runner, parallelism), engine + " at parallelism " + parallelism);
    }

    /** The rows the job must give, computed without any runtime. */
    static List<String> expected()
    {
        final Map<Long, Long> rules = new TreeMap<>();
        for (final long rule : RULE_VALUES)
        {
            rules.put(rule / 1000, rule % 1000);
        }
        final List<String> rows = new ArrayList<>();
        final long[] sums = new long[CLASSES];
        for (long v = 1; v <= ELEMENTS; v++)
        {
            final long key = v % CLASSES;
            rows.add((v >= rules.get(key) ? "pass " : "drop ") + key + " " + v);
            sums[(int)key] += v;
        }
        rules.remove(0L);
        for (int key = 0; key < CLASSES; key++)
        {
            rows.add("key " + key + " sum " + (sums[key] + BONUS * 1000) + " rules " + rules + " count " +
                RULE_VALUES.length + " timer EVENT_TIME stamped");
        }
        rows.sort(null);
        return rows;
    }

    private static List<String> run(final DataflowRunner runner, final int parallelism) throws Exception
    {
        ROWS.clear();
        RULES_APPLIED.set(0);
        ELEMENTS_PROCESSED.set(0);
        instances = parallelism;
        final Dataflow flow = Dataflow.named("broadcast-rules");
        final BroadcastStream<Long> rules = flow.source("rules", LongCodec.INSTANCE, new Rules())
            .timestamps(v -> 0, WatermarkStrategy.forBoundedOutOfOrderness(0))
            .broadcast(RULES, COUNT);
        final DataStream<String> passed = flow.source("elements", LongCodec.INSTANCE, new Elements())
            .timestamps(v -> v, WatermarkStrategy.forBoundedOutOfOrderness(0))
            .keyBy(v -> v % CLASSES)
            .connect(rules)
            .process(Thresholds::new).uid("thresholds");
        passed.sinkTo(new Rows());
        passed.getSideOutput(DROPPED).sinkTo(new Rows());
        try (Job job = flow.build(runner))
        {
            job.start();
            job.awaitTermination(150, TimeUnit.SECONDS);
        }
        final List<String> rows = new ArrayList<>(ROWS);
        rows.sort(null);
        return rows;
    }

    static final class Thresholds extends KeyedBroadcastProcessFunction<Long, Long, Long, String>
    {
        private LongValueState sum;

        public void open(final RuntimeContext runtimeContext)
        {
            sum = runtimeContext.getLongState(SUM);
        }

        public void processElement(final Long value, final ReadOnlyContext ctx, final Collector<String> out)
        {
            final long key = ctx.getCurrentKey();
            final Long threshold = ctx.getBroadcastState(RULES).get(key);
            if (threshold != null && value >= threshold)
            {
                out.collect("pass " + key + " " + value);
            }
            else
            {
                ctx.output(DROPPED, "drop " + key + " " + value);
            }
            sum.update(sum.valueOr(0) + value);
            ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE - 1);
            ELEMENTS_PROCESSED.incrementAndGet();
        }

        public void processBroadcastElement(final Long value, final Context ctx, final Collector<String> out)
            throws Exception
        {
            if (value >= 0)
            {
                ctx.getBroadcastState(RULES).put(value / 1000, value % 1000);
                final BroadcastState<String, Long> count = ctx.getBroadcastState(COUNT);
                final Long before = count.get("rules");
                count.put("rules", before == null ? 1 : before + 1);
            }
            else
            {
                ctx.<LongValueState>applyToKeyedState(SUM, (key, state) ->
                    state.update(state.valueOr(0) - value * 1000));
                for (final Iterator<Map.Entry<Long, Long>> it = ctx.getBroadcastState(RULES).iterator(); it.hasNext(); )
                {
                    if (it.next().getKey() == 0)
                    {
                        it.remove();
                    }
                }
            }
            RULES_APPLIED.incrementAndGet();
        }

        public void onTimer(final long timestampMs, final OnTimerContext ctx, final Collector<String> out)
        {
            final Map<Long, Long> rules = new TreeMap<>();
            for (final Map.Entry<Long, Long> rule : ctx.getBroadcastState(RULES).immutableEntries())
            {
                rules.put(rule.getKey(), rule.getValue());
            }
            out.collect("key " + ctx.getCurrentKey() + " sum " + sum.valueOr(0) + " rules " + rules + " count " +
                ctx.getBroadcastState(COUNT).get("rules") + " timer " + ctx.timeDomain() +
                (ctx.timestamp() == timestampMs && ctx.timeDomain() == TimeDomain.EVENT_TIME ? " stamped" : ""));
        }
    }

    /**
     * Flink checkpoints every 50 ms while a broadcast job runs (the broadcast states in Flink's operator state, with
     * the codecs' serializers and their snapshots), on both backends: at least one completes while the paced sources
     * read, and the job ends with the model's rows (its rows come from end-of-input timers, so arrival order does not
     * matter).
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"hashmap", "rocksdb"})
    void shouldCheckpointBroadcastStateWhileRunning(final String backend) throws Exception
    {
        ROWS.clear();
        CHECKPOINT_SEEN.set(false);
        checkpoints = dir.resolve("checkpoints");
        final Dataflow flow = Dataflow.named("broadcast-totals");
        final BroadcastStream<Long> rules = flow.source("rules", LongCodec.INSTANCE, new Paced("rules", TOTALS_RULES))
            .timestamps(v -> 0, WatermarkStrategy.forBoundedOutOfOrderness(0))
            .broadcast(RULES);
        flow.source("elements", LongCodec.INSTANCE, new Paced("elements", TOTALS_ELEMENTS))
            .timestamps(v -> v, WatermarkStrategy.forBoundedOutOfOrderness(0))
            .keyBy(v -> v % CLASSES)
            .connect(rules)
            .process(Totals::new).uid("totals")
            .sinkTo(new Rows());
        try (Job job = flow.build(new FlinkRunner().parallelism(2).stateBackend(backend).checkpoints(checkpoints, 50)))
        {
            job.start();
            job.awaitTermination(150, TimeUnit.SECONDS);
        }
        final List<String> expected = new ArrayList<>();
        for (long key = 0; key < CLASSES; key++)
        {
            long sum = 0;
            for (long v = 1; v <= TOTALS_ELEMENTS; v++)
            {
                sum += v % CLASSES == key ? v : 0;
            }
            expected.add("key " + key + " sum " + sum + " rules " + TOTALS_RULES + " total " +
                TOTALS_RULES * (TOTALS_RULES + 1) / 2);
        }
        final List<String> rows = new ArrayList<>(ROWS);
        rows.sort(null);
        assertEquals(expected, rows, "broadcast job with checkpoints on " + backend);
        assertTrue(CHECKPOINT_SEEN.get(),
            "no checkpoint completed while the sources read");
    }

    /** Per key, the sum of its elements; at the end of input, with the number and total of the rules. */
    static final class Totals extends KeyedBroadcastProcessFunction<Long, Long, Long, String>
    {
        private LongValueState sum;

        public void open(final RuntimeContext runtimeContext)
        {
            sum = runtimeContext.getLongState(SUM);
        }

        public void processElement(final Long value, final ReadOnlyContext ctx, final Collector<String> out)
        {
            sum.update(sum.valueOr(0) + value);
            ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE - 1);
        }

        public void processBroadcastElement(final Long value, final Context ctx, final Collector<String> out)
        {
            ctx.getBroadcastState(RULES).put(value, value);
        }

        public void onTimer(final long timestampMs, final OnTimerContext ctx, final Collector<String> out)
        {
            long rules = 0;
            long total = 0;
            for (final Map.Entry<Long, Long> rule : ctx.getBroadcastState(RULES).immutableEntries())
            {
                rules++;
                total += rule.getValue();
            }
            out.collect("key " + ctx.getCurrentKey() + " sum " + sum.valueOr(0) + " rules " + rules + " total " + total);
        }
    }

    /** 1..count, about 1 ms apart; every 50 elements it looks for a completed checkpoint ({@code _metadata}). */
    static final class Paced implements SourceReader<Long>
    {
        private final String name;
        private final long count;
        private long next;

        Paced(final String name, final long count)
        {
            this.name = name;
            this.count = count;
        }

        public String name()
        {
            return name;
        }

        public boolean next() throws IOException
        {
            if (next == count)
            {
                return false;
            }
            next++;
            LockSupport.parkNanos(1_000_000);
            if (next % 50 == 0 && !CHECKPOINT_SEEN.get() && Files.isDirectory(checkpoints))
            {
                try (Stream<Path> files = Files.walk(checkpoints))
                {
                    if (files.anyMatch(f -> f.getFileName().toString().equals("_metadata")))
                    {
                        CHECKPOINT_SEEN.set(true);
                    }
                }
                catch (final UncheckedIOException ex)
                {
                    // a checkpoint directory removed while walking: look again later
                }
            }
            return true;
        }

        public Long current()
        {
            return next;
        }

        public long position()
        {
            return next;
        }

        public void close()
        {
        }
    }

    private static void await(final String what, final BooleanSupplier condition)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                throw new IllegalStateException("timed out waiting for " + what);
            }
            LockSupport.parkNanos(1_000_000);
        }
    }

    /** The first-phase rules; then, once every element was processed, the bonus. */
    static final class Rules implements SourceReader<Long>
    {
        private int next;
        private long current;

        public String name()
        {
            return "rules";
        }

        public boolean next()
        {
            if (next < RULE_VALUES.length)
            {
                current = RULE_VALUES[next++];
                return true;
            }
            if (next == RULE_VALUES.length)
            {
                await("every element processed", () -> ELEMENTS_PROCESSED.get() == ELEMENTS);
                next++;
                current = -BONUS;
                return true;
            }
            return false;
        }

        public Long current()
        {
            return current;
        }

        public long position()
        {
            return next;
        }

        public void close()
        {
        }
    }

    /** 1..ELEMENTS, once every instance has processed every first-phase rule. */
    static final class Elements implements SourceReader<Long>
    {
        private long next;

        public String name()
        {
            return "elements";
        }

        public boolean next()
        {
            if (next == 0)
            {
                await("every rule at every instance", () -> RULES_APPLIED.get() == RULE_VALUES.length * instances);
            }
            if (next < ELEMENTS)
            {
                next++;
                return true;
            }
            return false;
        }

        public Long current()
        {
            return next;
        }

        public long position()
        {
            return next;
        }

        public void close()
        {
        }
    }

    static final class Rows implements SinkFactory<String>
    {
        public SinkWriter<String> createWriter(final int shardId, final int shards)
        {
            return new SinkWriter<>()
            {
                public void collect(final String value)
                {
                    ROWS.add(value);
                }

                public void close()
                {
                }
            };
        }
    }
}
