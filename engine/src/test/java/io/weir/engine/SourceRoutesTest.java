package io.weir.engine;

import io.weir.api.connector.SourceReader;
import io.weir.api.dataflow.DataStream;
import io.weir.api.dataflow.Dataflow;
import io.weir.api.eventtime.WatermarkStrategy;
import io.weir.api.functions.Collector;
import io.weir.engine.DataflowJobTest.Payment;
import io.weir.engine.DataflowJobTest.PaymentCodec;
import io.weir.engine.checkpoint.CheckpointSettings;
import io.weir.engine.checkpoint.CheckpointStats;
import io.weir.snapshot.CheckpointManifest;
import io.weir.state.heap.HeapStateBackend;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A source whose branches go through map and filter into keyed inputs: its producers route each branch's records
 * straight to the keyed input, with no forward stage; back-pressure on one route loses and repeats nothing, and a
 * checkpoint cuts every route at one reader position.
 */
@Timeout(120)
class SourceRoutesTest
{
    private static final int ROWS = 20_000;
    private static final int KEYS = 50;

    @TempDir
    Path dir;

    private final DataflowJobTest.ListSink<String> sums = new DataflowJobTest.ListSink<>();
    private final List<String> log = new CopyOnWriteArrayList<>();
    /** The reader of the last job built. */
    private PaymentsReader reader;

    /** Payments (key {@code i % 50}, amount {@code i % 200}): the large ones doubled, the small ones plus 1,000. */
    private Dataflow flow()
    {
        final Dataflow flow = Dataflow.named("routes");
        reader = new PaymentsReader();
        final DataStream<Payment> payments = flow.source("payments", PaymentCodec.INSTANCE, reader)
            .timestamps(p -> 0L, WatermarkStrategy.noWatermarks());
        final DataStream<Payment> large = payments.filter(p -> p.amount >= 100)
            .map(p -> payment(p.key, 2 * p.amount)).returns(PaymentCodec.INSTANCE);
        final DataStream<Payment> small = payments.filter(p -> p.amount < 100)
            .map(p -> payment(p.key, p.amount + 1_000)).returns(PaymentCodec.INSTANCE);
        large.connect(small)
            .keyBy(p -> p.key, p -> p.key)
            .process(DataflowJobTest.SumsOfBoth::new).uid("sums-of-both")
            .sinkTo(sums);
        return flow;
    }

    private static Payment payment(final long key, final long amount)
    {
        final Payment payment = new Payment();
        payment.key = key;
        payment.amount = amount;
        return payment;
    }

    /** Without checkpoints when {@code settings} is null. */
    private WeirJob<Object, Object> job(final int shards, final CheckpointSettings settings)
    {
        return job(shards, settings, 100);
    }

    private WeirJob<Object, Object> job(final int shards, final CheckpointSettings settings, final int readBatch)
    {
        final WeirContext context = new WeirContext()
            .shards(shards)
            .stateBackend(new HeapStateBackend())
            .ringCapacityBytes(4096)
            .readBatchLimit(readBatch)
            .log(log::add)
            .shardIdleStrategy(() -> new SleepingMillisIdleStrategy(1))
            .sourceIdleStrategy(() -> new SleepingMillisIdleStrategy(1));
        return (null == settings ? context : context.checkpoints(settings)).build(flow());
    }

    private static List<String> expectedSums()
    {
        final long[] large = new long[KEYS];
        final long[] small = new long[KEYS];
        for (int i = 0; i < ROWS; i++)
        {
            final long amount = i % 200;
            if (amount >= 100)
            {
                large[i % KEYS] += 2 * amount;
            }
            else
            {
                small[i % KEYS] += amount + 1_000;
            }
        }
        final List<String> rows = new ArrayList<>();
        for (int key = 0; key < KEYS; key++)
        {
            rows.add(key + ":" + large[key] + ":" + small[key]);
        }
        Collections.sort(rows);
        return rows;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3})
    void eachBranchGoesFromTheSourcesProducerStraightIntoItsKeyedInput(final int shards) throws Exception
    {
        final JobPlan plan = DataflowTranslator.translate(flow());
        assertEquals(1, plan.stages.size(), "no forward stage");
        assertEquals("sums-of-both", plan.stages.get(0).uid);
        assertEquals(2, plan.sources.size(), "one route per branch");
        assertNull(plan.sources.get(0).readersOf);
        assertSame(plan.sources.get(0), plan.sources.get(1).readersOf, "the second route reads the first's reader");
        assertEquals(List.of(0, 1), List.of(plan.sources.get(0).input, plan.sources.get(1).input));

        // Rings of 4 KiB: the routes meet back-pressure all the time.
        final WeirJob<Object, Object> job = job(shards, null);
        job.start();
        job.awaitTermination();
        job.close();
        assertEquals(expectedSums(), sums.sorted(), "every element reaches the routes its filters take, once");
    }

    @Test
    void aCheckpointCutsEveryRouteAtOneReaderPositionAndTheRestoreLosesAndRepeatsNothing() throws Exception
    {
        final CheckpointSettings settings = CheckpointSettings.every(dir, 0);
        // One element per duty cycle, so that a cycle can end with a record held for a full ring and none pending.
        final WeirJob<Object, Object> first = job(2, settings, 1);
        final JobStepper stepper = new JobStepper(first, log);
        assertEquals(1, first.sources().size(), "one source agent drives both routes");
        final SourceAgent<Object> source = first.sources().get(0);
        // The shards are not stepped: the rings fill until a route holds a record its full ring refused.
        for (int i = 0; i < ROWS && !source.producer(0).holdsRecord() && !source.producer(1).holdsRecord(); i++)
        {
            source.doWork();
        }
        assertTrue(source.producer(0).holdsRecord() != source.producer(1).holdsRecord(), "one route holds a record");
        final CompletableFuture<CheckpointStats> checkpoint = first.triggerCheckpoint();
        while (first.coordinator().barrierRequest() == 0)
        {
            first.coordinator().doWork();
        }
        final long before = reader.position();
        source.doWork();
        assertEquals(before, reader.position(),
            "no element is read while the route that holds a record still owes the barrier");
        stepper.stepUntil(() ->
        {
            source.doWork();
            return checkpoint.isDone();
        }, "the checkpoint is done");
        final long checkpointId = checkpoint.join().checkpointId();
        for (int i = 0; i < 200; i++)
        {
            source.doWork();
            stepper.step();
        }
        first.close(WeirJob.CloseMode.DISCARD);
        assertEquals(List.of(), sums.sorted(), "the sums are emitted at the end of input only");

        final WeirJob<Object, Object> second = job(2, settings);
        final CheckpointManifest manifest = second.restoredFrom().orElseThrow();
        assertEquals(checkpointId, manifest.checkpointId());
        assertEquals(2, manifest.sources().size(), "a position per route");
        assertEquals(before, manifest.sources().get(0).position(), "cut where the barrier was requested");
        assertEquals(before, manifest.sources().get(1).position(), "both routes cut at one reader position");
        second.start();
        second.awaitTermination();
        second.close();
        assertEquals(expectedSums(), sums.sorted(), "the elements before the cut are in the state, once");
    }

    @Test
    void aMapTheBranchesShareRunsOnceAnElementOnTheForwardStage() throws Exception
    {
        // The map changes its element: were it run once per branch, an amount of 99 would be raised to 100 for the
        // second branch and taken by neither.
        final Dataflow flow = sharedMapFlow();
        assertEquals(2, DataflowTranslator.translate(flow).stages.size(), "the shared map runs on a forward stage");
        final WeirJob<Object, Object> job = new WeirContext().shards(2).stateBackend(new HeapStateBackend())
            .ringCapacityBytes(4096).build(flow);
        job.start();
        job.awaitTermination();
        job.close();
        final long[] large = new long[KEYS];
        final long[] small = new long[KEYS];
        for (int i = 0; i < ROWS; i++)
        {
            final long amount = i % 200 + 1;
            if (amount >= 100)
            {
                large[i % KEYS] += amount;
            }
            else
            {
                small[i % KEYS] += amount;
            }
        }
        final List<String> expected = new ArrayList<>();
        for (int key = 0; key < KEYS; key++)
        {
            expected.add(key + ":" + large[key] + ":" + small[key]);
        }
        Collections.sort(expected);
        assertEquals(expected, sums.sorted());
    }

    /** {@link #flow()} with the amounts raised by one map both branches read, before they split. */
    private Dataflow sharedMapFlow()
    {
        final Dataflow flow = Dataflow.named("routes");
        final DataStream<Payment> raised = flow.source("payments", PaymentCodec.INSTANCE, new PaymentsReader())
            .timestamps(p -> 0L, WatermarkStrategy.noWatermarks())
            .map(p ->
            {
                p.amount += 1;
                return p;
            }).returns(PaymentCodec.INSTANCE);
        raised.filter(p -> p.amount >= 100).connect(raised.filter(p -> p.amount < 100))
            .keyBy(p -> p.key, p -> p.key)
            .process(DataflowJobTest.SumsOfBoth::new).uid("sums-of-both")
            .sinkTo(sums);
        return flow;
    }

    @Test
    void aRestoreRefusesACheckpointOfAnotherNumberOfRoutes() throws Exception
    {
        final CheckpointSettings settings = CheckpointSettings.every(dir, 0);
        final WeirJob<Object, Object> first = job(2, settings);
        final JobStepper stepper = new JobStepper(first, log);
        final SourceAgent<Object> source = first.sources().get(0);
        source.doWork();
        final CompletableFuture<CheckpointStats> checkpoint = first.triggerCheckpoint();
        stepper.stepUntil(() ->
        {
            source.doWork();
            return checkpoint.isDone();
        }, "the checkpoint is done");
        first.close(WeirJob.CloseMode.DISCARD);

        final IllegalArgumentException refused = org.junit.jupiter.api.Assertions.assertThrows(
            IllegalArgumentException.class, () -> new WeirContext().shards(2).stateBackend(new HeapStateBackend())
                .checkpoints(settings).build(sharedMapFlow()));
        assertTrue(refused.getMessage().contains("records 2 source producers but the job has 1"),
            refused.getMessage());
    }

    @Test
    void aRouteWhoseFilterPassesNothingHoldsBackNoTimers() throws Exception
    {
        final DataflowJobTest.ListSink<Long> fired = new DataflowJobTest.ListSink<>();
        final Dataflow flow = Dataflow.named("empty-route");
        final DataStream<Long> numbers = flow.source("numbers", io.weir.api.codec.LongCodec.INSTANCE,
            new NumbersReader(1_000_000)).timestamps(v -> v, WatermarkStrategy.forMonotonousTimestamps());
        numbers.filter(v -> v >= 0).connect(numbers.filter(v -> v < 0))
            .keyBy(v -> v % 10, v -> v % 10)
            .process(TimerAfterEachElement::new).uid("timers")
            .sinkTo(fired);
        final WeirJob<Object, Object> job = new WeirContext().shards(2).stateBackend(new HeapStateBackend())
            .readBatchLimit(100)
            .shardIdleStrategy(() -> new SleepingMillisIdleStrategy(1))
            .sourceIdleStrategy(() -> new SleepingMillisIdleStrategy(1))
            .build(flow);
        final JobStepper stepper = new JobStepper(job, log);
        final SourceAgent<Object> source = job.sources().get(0);
        for (int i = 0; i < 100; i++)
        {
            source.doWork();
            stepper.step();
        }
        job.close(WeirJob.CloseMode.DISCARD);
        assertTrue(fired.sorted().size() > 5_000, "timers fired while the input went on: " + fired.sorted().size());
    }

    /** Registers an event-time timer 10 ms after each first-input element; a firing emits its time. */
    static final class TimerAfterEachElement extends io.weir.api.KeyedCoProcessFunction<Long, Long, Long, Long>
    {
        public void processElement1(final Long value, final Context ctx, final Collector<Long> out)
        {
            ctx.timerService().registerEventTimeTimer(value + 10);
        }

        public void processElement2(final Long value, final Context ctx, final Collector<Long> out)
        {
        }

        public void onTimer(final long timestampMs, final OnTimerContext ctx, final Collector<Long> out)
        {
            out.collect(timestampMs);
        }
    }

    /** Payments {@code i}: key {@code i % 50}, amount {@code i % 200}; its position is the number read. */
    private static final class PaymentsReader implements SourceReader<Payment>
    {
        private final Payment current = new Payment();
        private int index;

        public String name()
        {
            return "payments";
        }

        public boolean next()
        {
            if (index == ROWS)
            {
                return false;
            }
            current.key = index % KEYS;
            current.amount = index % 200;
            index++;
            return true;
        }

        public Payment current()
        {
            return current;
        }

        public long position()
        {
            return index;
        }

        public void seek(final long position, final long line)
        {
            index = (int)position;
        }

        public void close()
        {
        }
    }
}
