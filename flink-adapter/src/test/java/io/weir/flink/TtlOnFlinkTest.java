package io.weir.flink;

import io.weir.api.KeyedProcessFunction;
import io.weir.api.RuntimeContext;
import io.weir.api.codec.LongCodec;
import io.weir.api.codec.StringCodec;
import io.weir.api.connector.SinkFactory;
import io.weir.api.connector.SinkWriter;
import io.weir.api.connector.SourceReader;
import io.weir.api.dataflow.Dataflow;
import io.weir.api.dataflow.DataflowRunner;
import io.weir.api.dataflow.Job;
import io.weir.api.eventtime.WatermarkStrategy;
import io.weir.api.functions.Collector;
import io.weir.api.state.ListState;
import io.weir.api.state.ListStateDescriptor;
import io.weir.api.state.LongValueState;
import io.weir.api.state.LongValueStateDescriptor;
import io.weir.api.state.MapState;
import io.weir.api.state.MapStateDescriptor;
import io.weir.api.state.ReducingState;
import io.weir.api.state.ReducingStateDescriptor;
import io.weir.api.state.StateDescriptor;
import io.weir.api.state.StateTtlConfig;
import io.weir.api.state.ValueState;
import io.weir.api.state.ValueStateDescriptor;
import io.weir.engine.WeirContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * State TTL on Weir and on Flink (heap and RocksDB, parallelism 1 and 2): values, long values, map entries, list
 * elements and a reducing state written with a short TTL are gone when read after it, one with a long TTL is not,
 * and values written after the expiry are there; map entries and list elements expire one by one. Deterministic by
 * an explicit condition: the check runs in a processing-time timer that re-arms itself until the wall clock is at
 * least the time read just after the writes plus the TTL. Flink's TTL reads the wall clock at each access; Weir's
 * reads it once per duty cycle, the time its timer service reports too, which the wall clock read in a timer is at
 * least, so the condition is on the wall clock itself.
 * The mapping of each setting to Flink's {@code StateTtlConfig}, and the one refused, are checked without a cluster.
 */
@Timeout(180)
class TtlOnFlinkTest
{
    static final long SHORT_MS = 1_000;
    static final long KEYS = 3;

    private static final List<String> ROWS = Collections.synchronizedList(new ArrayList<>());
    private static final AtomicInteger CHECKED = new AtomicInteger();

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

    static List<String> expected()
    {
        final List<String> rows = new ArrayList<>();
        for (long key = 0; key < KEYS; key++)
        {
            rows.add("key " + key + " fresh: value=v" + key + " long=true kept=kept" + key + " map=[1] list=[" + key +
                "] reducing=5");
            rows.add("key " + key + " expired: value=null long=false kept=kept" + key + " map=[] list=[] " +
                "reducing=null");
            rows.add("key " + key + " rewritten: map=[2] list=[" + (key + 100) + "] reducing=7");
        }
        rows.sort(null);
        return rows;
    }

    @ParameterizedTest(name = "{0} parallelism={1}")
    @MethodSource("runs")
    void shouldExpireAlikeOnWeirAndFlink(final String engine, final int parallelism) throws Exception
    {
        final DataflowRunner runner = engine.equals("weir") ? new WeirContext().shards(parallelism) :
            new FlinkRunner().sharedMiniCluster().parallelism(parallelism).stateBackend(engine);
        ROWS.clear();
        CHECKED.set(0);
        final Dataflow flow = Dataflow.named("ttl");
        flow.source("keys", LongCodec.INSTANCE, new Keys())
            .timestamps(v -> v, WatermarkStrategy.forBoundedOutOfOrderness(0))
            .keyBy(v -> v).process(Probe::new).uid("probe")
            .sinkTo(new Rows());
        try (Job job = flow.build(runner))
        {
            job.start();
            job.awaitTermination(150, TimeUnit.SECONDS);
        }
        final List<String> rows = new ArrayList<>(ROWS);
        rows.sort(null);
        assertEquals(expected(), rows, engine + " at parallelism " + parallelism);
    }

    @Test
    void shouldMapEverySettingToFlinks()
    {
        final org.apache.flink.api.common.state.StateTtlConfig defaults = FlinkStates.ttl(ttl("defaults",
            StateTtlConfig.newBuilder(60_000).build()));
        assertEquals(Duration.ofMinutes(1), defaults.getTimeToLive());
        assertEquals(org.apache.flink.api.common.state.StateTtlConfig.UpdateType.OnCreateAndWrite,
            defaults.getUpdateType());
        assertEquals(org.apache.flink.api.common.state.StateTtlConfig.StateVisibility.NeverReturnExpired,
            defaults.getStateVisibility());
        assertEquals(org.apache.flink.api.common.state.StateTtlConfig.TtlTimeCharacteristic.ProcessingTime,
            defaults.getTtlTimeCharacteristic());
        assertFalse(defaults.getCleanupStrategies().isCleanupInBackground(), "Weir cleans only on access here");
        assertFalse(defaults.getCleanupStrategies().inFullSnapshot());

        final org.apache.flink.api.common.state.StateTtlConfig all = FlinkStates.ttl(ttl("all",
            StateTtlConfig.newBuilder(5_000)
                .updateType(StateTtlConfig.UpdateType.ON_READ_AND_WRITE)
                .stateVisibility(StateTtlConfig.StateVisibility.RETURN_EXPIRED_IF_NOT_CLEANED_UP)
                .cleanupIncrementally(7, true)
                .cleanupFullSnapshot()
                .build()));
        assertEquals(Duration.ofSeconds(5), all.getTimeToLive());
        assertEquals(org.apache.flink.api.common.state.StateTtlConfig.UpdateType.OnReadAndWrite,
            all.getUpdateType());
        assertEquals(org.apache.flink.api.common.state.StateTtlConfig.StateVisibility.ReturnExpiredIfNotCleanedUp,
            all.getStateVisibility());
        assertTrue(all.getCleanupStrategies().isCleanupInBackground());
        assertEquals(7, all.getCleanupStrategies().getIncrementalCleanupStrategy().getCleanupSize());
        assertTrue(all.getCleanupStrategies().getIncrementalCleanupStrategy().runCleanupForEveryRecord());
        assertTrue(all.getCleanupStrategies().inFullSnapshot());

        assertFalse(FlinkStates.ttl(new LongValueStateDescriptor("off")).isEnabled());
        // Never returned either way: cleanup on access off is not observable, and allowed.
        assertTrue(FlinkStates.ttl(ttl("no-cleanup-on-access",
            StateTtlConfig.newBuilder(5_000).disableCleanupOnAccess().build())).isEnabled());
    }

    @Test
    void shouldRefuseAnExpiredValueReturnedUntilBackgroundCleanup()
    {
        final UnsupportedOperationException refused = assertThrows(UnsupportedOperationException.class, () ->
            FlinkStates.ttl(ttl("sticky", StateTtlConfig.newBuilder(5_000)
                .stateVisibility(StateTtlConfig.StateVisibility.RETURN_EXPIRED_IF_NOT_CLEANED_UP)
                .disableCleanupOnAccess()
                .build())));
        assertTrue(refused.getMessage().startsWith("state 'sticky': "), refused.getMessage());
    }

    private static StateDescriptor ttl(final String name, final StateTtlConfig config)
    {
        final LongValueStateDescriptor descriptor = new LongValueStateDescriptor(name);
        descriptor.enableTimeToLive(config);
        return descriptor;
    }

    private static <D extends StateDescriptor> D expiring(final D descriptor, final long ttlMs)
    {
        descriptor.enableTimeToLive(StateTtlConfig.newBuilder(ttlMs).build());
        return descriptor;
    }

    /** Writes every kind of state with TTL, then checks them after the TTL, in a processing-time timer. */
    static final class Probe extends KeyedProcessFunction<Long, Long, String>
    {
        private ValueState<String> value;
        private LongValueState longValue;
        private ValueState<String> kept;
        private MapState<Long, Long> map;
        private ListState<Long> list;
        private ReducingState<Long> reducing;
        private LongValueState written;

        public void open(final RuntimeContext context)
        {
            value = context.getState(expiring(new ValueStateDescriptor<>("value", StringCodec.INSTANCE), SHORT_MS));
            longValue = context.getLongState(expiring(new LongValueStateDescriptor("long-value"), SHORT_MS));
            kept = context.getState(expiring(new ValueStateDescriptor<>("kept", StringCodec.INSTANCE),
                TimeUnit.HOURS.toMillis(1)));
            map = context.getMapState(expiring(new MapStateDescriptor<>("map", LongCodec.INSTANCE,
                LongCodec.INSTANCE), SHORT_MS));
            list = context.getListState(expiring(new ListStateDescriptor<>("list", LongCodec.INSTANCE), SHORT_MS));
            reducing = context.getReducingState(expiring(new ReducingStateDescriptor<>("reducing", Long::sum,
                LongCodec.INSTANCE), SHORT_MS));
            written = context.getLongState(new LongValueStateDescriptor("written"));
        }

        public void processElement(final Long key, final Context ctx, final Collector<String> out)
        {
            value.update("v" + key);
            longValue.update(key);
            kept.update("kept" + key);
            map.put(1L, key);
            list.add(key);
            reducing.add(5L);
            out.collect("key " + key + " fresh: value=" + value.value() + " long=" + longValue.exists() + " kept=" +
                kept.value() + " map=" + map.keys() + " list=" + list.get() + " reducing=" + reducing.get());
            // The wall clock after the writes: TTL stamped them at or before this time, on both runtimes.
            written.update(System.currentTimeMillis());
            ctx.timerService().registerProcessingTimeTimer(written.valueOr(0) + SHORT_MS);
        }

        public void onTimer(final long timestampMs, final OnTimerContext ctx, final Collector<String> out)
        {
            final long key = ctx.getCurrentKey();
            final long due = written.valueOr(0) + SHORT_MS;
            if (System.currentTimeMillis() < due)
            {
                ctx.timerService().registerProcessingTimeTimer(Math.max(due, timestampMs + 1));
                return;
            }
            out.collect("key " + key + " expired: value=" + value.value() + " long=" + longValue.exists() +
                " kept=" + kept.value() + " map=" + map.keys() + " list=" + list.get() + " reducing=" +
                reducing.get());
            map.put(2L, key);
            list.add(key + 100);
            reducing.add(7L);
            out.collect("key " + key + " rewritten: map=" + map.keys() + " list=" + list.get() + " reducing=" +
                reducing.get());
            CHECKED.incrementAndGet();
        }
    }

    /** Keys 0..KEYS-1, then waits (at most 60 s) until every key was checked, so the timers fire while it runs. */
    static final class Keys implements SourceReader<Long>
    {
        private long next = -1;

        public String name()
        {
            return "keys";
        }

        public boolean next()
        {
            if (next + 1 < KEYS)
            {
                next++;
                return true;
            }
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (CHECKED.get() < KEYS)
            {
                if (System.nanoTime() > deadline)
                {
                    throw new IllegalStateException("timed out waiting for the TTL checks: " + CHECKED.get() +
                        " of " + KEYS + " keys checked");
                }
                LockSupport.parkNanos(1_000_000);
            }
            return false;
        }

        public Long current()
        {
            return next;
        }

        public long position()
        {
            return next + 1;
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
