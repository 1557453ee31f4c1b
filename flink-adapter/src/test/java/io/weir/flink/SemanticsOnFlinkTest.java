package io.weir.flink;

import io.weir.api.KeyedProcessFunction;
import io.weir.api.RuntimeContext;
import io.weir.api.TimeDomain;
import io.weir.api.codec.Codec;
import io.weir.api.codec.LongCodec;
import io.weir.api.codec.StringCodec;
import io.weir.api.connector.SinkFactory;
import io.weir.api.connector.SinkWriter;
import io.weir.api.connector.SourceReader;
import io.weir.api.dataflow.Dataflow;
import io.weir.api.dataflow.Job;
import io.weir.api.eventtime.WatermarkStrategy;
import io.weir.api.functions.Collector;
import io.weir.api.state.MapState;
import io.weir.api.state.MapStateDescriptor;
import io.weir.api.state.ValueState;
import io.weir.api.state.ValueStateDescriptor;
import io.weir.engine.WeirContext;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Where Weir and Flink could differ, one job checks Weir's documented semantics and runs on Weir and on Flink
 * (heap and RocksDB): a state value mutated without {@code update} is not stored, and one mutated after
 * {@code update} stays as stored (Flink's heap backend keeps objects); {@code MapState.forEach} visits the same
 * entries as {@code MapState.entries()}, which is a list that stays valid while the map changes (Flink's heap
 * iterators would fail); a processing-time timer fires with its
 * time as {@code ctx.timestamp()} and the records it emits carry that time (Flink erases it); the records an
 * event-time timer emits carry the timer's time. The outputs must be the expected ones, alike on every runtime.
 */
@Timeout(120)
class SemanticsOnFlinkTest
{
    private static final List<String> ROWS = Collections.synchronizedList(new ArrayList<>());
    private static final AtomicBoolean PROCESSING_TIMER_FIRED = new AtomicBoolean();
    /** The class of the Flink state behind the handles, when on Flink. */
    private static final java.util.Set<String> FLINK_STATE_CLASSES = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private static final List<String> EXPECTED = List.of(
        "etimer 1500 stamped=true", "etimer 2500 stamped=true", "etimer 3500 stamped=true",
        "etimer 4500 stamped=true", "etimer 5500 stamped=true", "etimer 6500 stamped=true",
        "key 0: entries 2,4,6 (forEach: 3 summing 12) then empty=true", "key 0: stored 2 reread 2",
        "key 0: stored 2 reread 2", "key 1: entries 1,3,5 (forEach: 3 summing 9) then empty=true",
        "key 1: stored 1 reread 1",
        "key 1: stored 1 reread 1", "ptimer domain=PROCESSING_TIME timestamp=timer stamped=true");

    @Test
    void shouldHoldOnWeir() throws Exception
    {
        assertEquals(EXPECTED, run(new WeirContext().shards(2)));
    }

    @Test
    void shouldHoldOnFlinkHeap() throws Exception
    {
        assertEquals(EXPECTED, run(new FlinkRunner().parallelism(2).stateBackend("hashmap")));
        assertEquals(java.util.Set.of("HeapValueState"), FLINK_STATE_CLASSES);
    }

    @Test
    void shouldHoldOnFlinkRocksDb() throws Exception
    {
        assertEquals(EXPECTED, run(new FlinkRunner().parallelism(2).stateBackend("rocksdb")));
        assertEquals(java.util.Set.of("RocksDBValueState"), FLINK_STATE_CLASSES);
    }

    /** The shared mini-cluster of the golden tests runs each job on the backend the job asks for. */
    @Test
    void shouldHoldOnTheSharedMiniClusterWithEachJobsBackend() throws Exception
    {
        assertEquals(EXPECTED, run(new FlinkRunner().sharedMiniCluster().parallelism(2).stateBackend("rocksdb")));
        assertEquals(java.util.Set.of("RocksDBValueState"), FLINK_STATE_CLASSES);
        assertEquals(EXPECTED, run(new FlinkRunner().sharedMiniCluster().parallelism(1).stateBackend("hashmap")));
        assertEquals(java.util.Set.of("HeapValueState"), FLINK_STATE_CLASSES);
    }

    private static List<String> run(final io.weir.api.dataflow.DataflowRunner runner) throws Exception
    {
        ROWS.clear();
        PROCESSING_TIMER_FIRED.set(false);
        FLINK_STATE_CLASSES.clear();
        final Dataflow flow = Dataflow.named("semantics");
        flow.source("numbers", LongCodec.INSTANCE, new Numbers(6))
            .timestamps(v -> v * 1000, WatermarkStrategy.forBoundedOutOfOrderness(0))
            .keyBy(v -> v % 2).process(Probe::new).uid("probe").returns(StringCodec.INSTANCE)
            .keyBy(s -> 0L).process(Stamp::new).uid("stamp")
            .sinkTo(new Rows());
        try (Job job = flow.build(runner))
        {
            job.start();
            job.awaitTermination(100, TimeUnit.SECONDS);
        }
        final List<String> rows = new ArrayList<>(ROWS);
        rows.sort(null);
        return rows;
    }

    /** Checks state semantics and sets timers; keyed by parity. */
    static final class Probe extends KeyedProcessFunction<Long, Long, String>
    {
        private ValueState<long[]> box;
        private MapState<Long, long[]> map;

        public void open(final RuntimeContext context)
        {
            box = context.getState(new ValueStateDescriptor<>("box", LongArrayCodec.INSTANCE));
            map = context.getMapState(new MapStateDescriptor<>("map", LongCodec.INSTANCE, LongArrayCodec.INSTANCE));
            if (context instanceof FlinkStates flink)
            {
                FLINK_STATE_CLASSES.add(flink.flink().getState(new org.apache.flink.api.common.state
                    .ValueStateDescriptor<>("backend-probe", Long.class)).getClass().getSimpleName());
            }
        }

        public void processElement(final Long value, final Context ctx, final Collector<String> out)
        {
            final long key = ctx.getCurrentKey();
            final long[] stored = box.value();
            if (stored == null)
            {
                final long[] fresh = {value};
                box.update(fresh);
                fresh[0] = -1;
            }
            else
            {
                final long before = stored[0];
                stored[0] = 999;
                out.collect("key " + key + ": stored " + before + " reread " + box.value()[0]);
            }
            map.put(value, new long[]{value});
            if (value >= 5)
            {
                final long[] visited = new long[2];
                map.forEach((entryKey, entryValue) ->
                {
                    visited[0]++;
                    visited[1] += entryValue[0];
                });
                final List<String> keys = new ArrayList<>();
                for (final Map.Entry<Long, long[]> entry : map.entries())
                {
                    map.remove(entry.getKey());
                    entry.getValue()[0] = 0;
                    keys.add(Long.toString(entry.getKey()));
                }
                keys.sort(null);
                out.collect("key " + key + ": entries " + String.join(",", keys) + " (forEach: " + visited[0] +
                    " summing " + visited[1] + ") then empty=" + map.isEmpty());
            }
            ctx.timerService().registerEventTimeTimer(ctx.timestamp() + 500);
            if (value == 1)
            {
                ctx.timerService().registerProcessingTimeTimer(ctx.timerService().currentProcessingTime());
            }
        }

        public void onTimer(final long timestampMs, final OnTimerContext ctx, final Collector<String> out)
        {
            if (ctx.timeDomain() == TimeDomain.PROCESSING_TIME)
            {
                out.collect("ptimer," + timestampMs + "," + (ctx.timestamp() == timestampMs));
                PROCESSING_TIMER_FIRED.set(true);
            }
            else
            {
                out.collect("etimer," + timestampMs);
            }
        }
    }

    /** Checks the timestamps of what timers emitted. */
    static final class Stamp extends KeyedProcessFunction<Long, String, String>
    {
        public void processElement(final String value, final Context ctx, final Collector<String> out)
        {
            final String[] fields = value.split(",");
            if (fields[0].equals("ptimer"))
            {
                out.collect("ptimer domain=PROCESSING_TIME timestamp=" + (fields[2].equals("true") ? "timer" : "other") +
                    " stamped=" + (ctx.timestamp() == Long.parseLong(fields[1])));
            }
            else if (fields[0].equals("etimer"))
            {
                out.collect("etimer " + fields[1] + " stamped=" + (ctx.timestamp() == Long.parseLong(fields[1])));
            }
            else
            {
                out.collect(value);
            }
        }
    }

    /** 1..n, then waits (at most 30 s) for the processing-time timer, so that it fires while the job runs. */
    static final class Numbers implements SourceReader<Long>
    {
        private final long count;
        private long next;

        Numbers(final long count)
        {
            this.count = count;
        }

        public String name()
        {
            return "numbers";
        }

        public boolean next()
        {
            if (next < count)
            {
                next++;
                return true;
            }
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!PROCESSING_TIMER_FIRED.get() && System.nanoTime() < deadline)
            {
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

    /** A mutable value: {@code long[]}, each element 8 bytes. */
    static final class LongArrayCodec implements Codec<long[]>
    {
        static final LongArrayCodec INSTANCE = new LongArrayCodec();

        public String id()
        {
            return "test-long-array";
        }

        public int fixedLength()
        {
            return VARIABLE_LENGTH;
        }

        public int encodedLength(final long[] value)
        {
            return value.length * 8;
        }

        public int encode(final long[] value, final MutableDirectBuffer buffer, final int offset)
        {
            for (int i = 0; i < value.length; i++)
            {
                buffer.putLong(offset + i * 8, value[i]);
            }
            return value.length * 8;
        }

        public long[] decode(final DirectBuffer buffer, final int offset, final int length, final long[] reuse)
        {
            final long[] value = new long[length / 8];
            for (int i = 0; i < value.length; i++)
            {
                value[i] = buffer.getLong(offset + i * 8);
            }
            return value;
        }
    }
}
