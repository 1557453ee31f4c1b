package io.weir.engine;

import io.weir.api.eventtime.WatermarkStrategy;
import io.weir.api.KeyedProcessFunction;
import io.weir.api.RuntimeContext;
import io.weir.api.ThreadingMode;
import io.weir.api.functions.Collector;
import io.weir.api.state.LongValueState;
import io.weir.api.state.LongValueStateDescriptor;
import io.weir.engine.ProcessingTimeTimerTest.Command;
import io.weir.engine.ProcessingTimeTimerTest.CommandCodec;
import io.weir.engine.ProcessingTimeTimerTest.ManualClock;
import io.weir.engine.ProcessingTimeTimerTest.TimerFunction;
import io.weir.engine.checkpoint.CheckpointSettings;
import io.weir.engine.checkpoint.CheckpointStats;
import io.weir.state.heap.HeapStateBackend;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The threading modes: in INVOKER mode the application thread runs every duty cycle (no shard thread exists, an
 * offered element is processed on the offering thread, timers fire and a checkpoint's snapshot point is taken when
 * it invokes, while the checkpoint thread writes the files); a savepoint taken in one mode restores into another
 * with another shard count, exactly once.
 */
@Timeout(60)
class InvokerThreadingTest
{
    @TempDir
    Path dir;

    private final ConcurrentLinkedQueue<String> rows = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Thread> emittingThreads = new ConcurrentLinkedQueue<>();

    private WeirContext context(final ThreadingMode mode, final int shards, final ManualClock clock,
        final CheckpointSettings checkpoints)
    {
        return new WeirContext()
            .threading(mode)
            .shards(shards)
            .externalProducers(1)
            .stateBackend(new HeapStateBackend())
            .epochClock(clock)
            .checkpoints(checkpoints)
            .countersEnabled(false)
            .log(line -> { })
            .shardIdleStrategy(() -> new SleepingMillisIdleStrategy(1))
            .sourceIdleStrategy(() -> new SleepingMillisIdleStrategy(1));
    }

    private WeirJob<Command, String> timerJob(final ThreadingMode mode, final int shards, final ManualClock clock,
        final CheckpointSettings checkpoints)
    {
        return JobBuilder.named("invoker-timers", CommandCodec.INSTANCE)
            .timestamps(c -> c.delayMs, WatermarkStrategy.noWatermarks())
            .keyBy(c -> c.key)
            .process(TimerFunction::new)
            .sink(new HandlerSink<>((shard, value) ->
            {
                emittingThreads.add(Thread.currentThread());
                rows.add(value);
            }))
            .build(context(mode, shards, clock, checkpoints));
    }

    @Test
    void shouldRunEveryDutyCycleOnTheInvokingThreadWithTimersAndACheckpoint() throws Exception
    {
        final ManualClock clock = new ManualClock(1_000);
        try (WeirJob<Command, String> job = timerJob(ThreadingMode.INVOKER, 2, clock, CheckpointSettings.every(dir, 0)))
        {
            job.start();
            assertTrue(job.isReady(), "start() opened the shards on this thread");
            for (final Thread thread : Thread.getAllStackTraces().keySet())
            {
                assertFalse(thread.getName().startsWith("weir-shard"), "a shard thread runs: " + thread.getName());
            }
            final Producer<Command> producer = job.producer(0);
            final Command command = new Command();
            assertTrue(producer.tryOffer(command.set(1, 100, ProcessingTimeTimerTest.Command.ALSO_EVENT_TIME)));
            assertTrue(producer.tryOffer(command.set(2, 200, 0)));
            assertEquals(List.of(), drain(), "nothing is processed until the application invokes");

            job.invoker().invoke();
            assertEquals(List.of("element:1:1000", "element:2:1000"), drain());
            emittingThreads.forEach(t -> assertSame(Thread.currentThread(), t, "emitted on " + t.getName()));

            clock.timeMs = 1_100;
            job.invoker().invoke();
            assertEquals(List.of("timer:1:1100:PROCESSING_TIME:1100:1"), drain(), "processing time");

            producer.emitWatermark(1_100);
            assertTrue(producer.tryFlushWatermarks());
            job.invoker().invoke();
            assertEquals(List.of("timer:1:1100:EVENT_TIME:1100:1"), drain(), "event time");

            // The snapshot point is taken on this thread when it invokes; the checkpoint thread writes the files.
            final CompletableFuture<CheckpointStats> checkpoint = job.triggerCheckpoint();
            final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!checkpoint.isDone() && System.nanoTime() < deadlineNs)
            {
                producer.tryInjectRequestedBarrier();
                job.invoker().invoke();
            }
            final CheckpointStats stats = checkpoint.get(1, TimeUnit.SECONDS);
            assertEquals(2, stats.pausesNs().length, "a snapshot point per shard");

            clock.timeMs = 1_200;
            job.invoker().invoke();
            assertEquals(List.of("timer:2:1200:PROCESSING_TIME:1200:1"), drain());
            emittingThreads.forEach(t -> assertSame(Thread.currentThread(), t, "emitted on " + t.getName()));
        }
        assertEquals(5, emittingThreads.size());
    }

    @Test
    void shouldRefuseAnInvokerForAJobWithThreads()
    {
        try (WeirJob<Command, String> job =
            timerJob(ThreadingMode.SHARED, 2, new ManualClock(0), CheckpointSettings.DISABLED))
        {
            assertThrows(IllegalStateException.class, job::invoker);
        }
    }

    @Test
    void shouldDrainAFullRingFromTheOfferingThread()
    {
        try (WeirJob<Command, String> job = JobBuilder.named("invoker-full", CommandCodec.INSTANCE)
            .timestamps(c -> 0L, WatermarkStrategy.noWatermarks())
            .keyBy(c -> c.key)
            .process(CountFunction::new)
            .sink(new HandlerSink<>((shard, value) -> rows.add(value)))
            .build(context(ThreadingMode.INVOKER, 1, new ManualClock(0), CheckpointSettings.DISABLED)
                .ringCapacityBytes(4096)))
        {
            job.start();
            final Command command = new Command();
            // Far more than one 4 KiB ring holds: a full ring runs the duty cycle on this thread, never a spin.
            for (int i = 0; i < 10_000; i++)
            {
                assertTrue(job.producer(0).tryOffer(command.set(i % 7, 0, 0)), "offer " + i);
            }
            job.close();
        }
        assertEquals(10_000, rows.size());
    }

    /** Emits "key:count" for each element. */
    static final class CountFunction extends KeyedProcessFunction<Long, Command, String>
    {
        private LongValueState count;

        public void open(final RuntimeContext runtimeContext)
        {
            count = runtimeContext.getLongState(new LongValueStateDescriptor("count"));
        }

        public void processElement(final Command value, final Context ctx, final Collector<String> out)
        {
            final long updated = count.valueOr(0) + 1;
            count.update(updated);
            out.collect(value.key + ":" + updated);
        }
    }

    private WeirJob<Command, String> countJob(final ThreadingMode mode, final int shards,
        final CheckpointSettings checkpoints)
    {
        return JobBuilder.named("threading-count", CommandCodec.INSTANCE)
            .timestamps(c -> 0L, WatermarkStrategy.noWatermarks())
            .keyBy(c -> c.key)
            .process(CountFunction::new)
            .sink(new HandlerSink<>((shard, value) -> rows.add(value)))
            .build(context(mode, shards, new ManualClock(0), checkpoints));
    }

    @Test
    void shouldRestoreASavepointOfDedicatedIntoInvokerWithAnotherShardCount() throws Exception
    {
        restoreAcrossModes(ThreadingMode.DEDICATED, 2, ThreadingMode.INVOKER, 3);
    }

    @Test
    void shouldRestoreASavepointOfInvokerIntoDedicatedWithAnotherShardCount() throws Exception
    {
        restoreAcrossModes(ThreadingMode.INVOKER, 3, ThreadingMode.DEDICATED, 1);
    }

    @Test
    void shouldRestoreASavepointOfSharedIntoInvoker() throws Exception
    {
        restoreAcrossModes(ThreadingMode.SHARED, 3, ThreadingMode.INVOKER, 2);
    }

    /**
     * Every key counted twice before a stopping savepoint in {@code first} mode, once more after its restore in
     * {@code second} mode: each key's count goes on from 2 to 3, and no element is counted twice.
     */
    private void restoreAcrossModes(final ThreadingMode first, final int firstShards, final ThreadingMode second,
        final int secondShards) throws Exception
    {
        final int keys = 40;
        final CheckpointSettings settings = CheckpointSettings.every(dir, 0);
        final Command command = new Command();
        final CheckpointStats savepoint;
        try (WeirJob<Command, String> job = countJob(first, firstShards, settings))
        {
            job.start();
            for (int round = 0; round < 2; round++)
            {
                for (int key = 0; key < keys; key++)
                {
                    assertTrue(job.producer(0).offer(command.set(key, 0, 0), TimeUnit.SECONDS.toNanos(10)));
                }
            }
            final CompletableFuture<CheckpointStats> future = job.coordinator().triggerSavepoint(true);
            final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!future.isDone() && System.nanoTime() < deadlineNs)
            {
                job.producer(0).tryInjectRequestedBarrier();
                if (first == ThreadingMode.INVOKER)
                {
                    job.invoker().invoke();
                }
                else
                {
                    Thread.sleep(1);
                }
            }
            savepoint = future.get(1, TimeUnit.SECONDS);
            job.close(WeirJob.CloseMode.DISCARD);
        }
        final Map<String, Long> before = counts(drain());
        assertEquals(keys, before.size(), "every key counted before the savepoint: " + before);
        before.values().forEach(count -> assertEquals(2L, count));

        final Path restorePoint = new io.weir.snapshot.CheckpointDirectory(dir).savepointDirectory(savepoint.checkpointId());
        try (WeirJob<Command, String> job = countJob(second, secondShards, settings.restoreFrom(restorePoint)))
        {
            job.start();
            for (int key = 0; key < keys; key++)
            {
                assertTrue(job.producer(0).offer(command.set(key, 0, 0), TimeUnit.SECONDS.toNanos(10)));
            }
            job.close();
        }
        final Map<String, Long> after = counts(drain());
        assertEquals(keys, after.size(), "every key counted once after the restore: " + after);
        after.forEach((key, count) -> assertEquals(3L, count, "key " + key + " in " + second + " with " +
            secondShards + " shards after " + first + " with " + firstShards));
    }

    /** Registers an event-time timer at the command's {@code delayMs}, or deletes it with DELETE; reports firings. */
    static final class EventTimerFunction extends KeyedProcessFunction<Long, Command, String>
    {
        public void processElement(final Command value, final Context ctx, final Collector<String> out)
        {
            if ((value.flags & Command.DELETE) != 0)
            {
                ctx.timerService().deleteEventTimeTimer(value.delayMs);
            }
            else
            {
                ctx.timerService().registerEventTimeTimer(value.delayMs);
            }
        }

        public void onTimer(final long timestampMs, final OnTimerContext ctx, final Collector<String> out)
        {
            out.collect("timer:" + ctx.getCurrentKey() + ":" + timestampMs);
        }
    }

    private WeirJob<Command, String> eventTimerJob(final CheckpointSettings checkpoints)
    {
        return JobBuilder.named("invoker-timer-copy", CommandCodec.INSTANCE)
            .timestamps(c -> 0L, WatermarkStrategy.noWatermarks())
            .keyBy(c -> c.key)
            .process(EventTimerFunction::new)
            .sink(new HandlerSink<>((shard, value) -> rows.add(value)))
            .build(context(ThreadingMode.INVOKER, 1, new ManualClock(0), checkpoints));
    }

    @Test
    void shouldCopyTheTimersOfASnapshotPointOverLaterDutyCyclesAndRestoreExactlyThem() throws Exception
    {
        final int timers = 20 * 1024;
        final CheckpointSettings settings = CheckpointSettings.every(dir, 0);
        final Command command = new Command();
        final List<String> atPoint = new ArrayList<>();
        try (WeirJob<Command, String> job = eventTimerJob(settings))
        {
            job.start();
            final Producer<Command> producer = job.producer(0);
            final io.weir.engine.runtime.OperatorChain<?, ?, ?> chain = JobInternals.shards(job).get(0).stages()[0];
            // Registered in key order into slots in key order; the later a key, the earlier its timer.
            for (int key = 0; key < timers; key++)
            {
                while (!producer.tryOffer(command.set(key, 1_000_000 - key, 0)))
                {
                    job.invoker().invoke();
                }
                atPoint.add("timer:" + key + ":" + (1_000_000 - key));
            }
            while (chain.eventTimers().size() < timers)
            {
                job.invoker().invoke();
            }

            final CompletableFuture<CheckpointStats> checkpoint = job.triggerCheckpoint();
            final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!chain.isCopyingTimers() && System.nanoTime() < deadlineNs)
            {
                producer.tryInjectRequestedBarrier();
                job.invoker().invoke();
            }
            assertTrue(chain.isCopyingTimers(), "the point was taken and its copy goes on in later duty cycles");
            assertTrue(chain.eventTimers().timersCopied() <= 1024,
                "the point copied none, its duty cycle a step at most: " + chain.eventTimers().timersCopied());
            assertFalse(checkpoint.isDone(), "the checkpoint waits for the copy");

            // While the copy runs: delete timers it has not reached, register new ones, fire the latest-registered.
            for (int key = 15_000; key < 15_020; key++)
            {
                assertTrue(producer.tryOffer(command.set(key, 1_000_000 - key, Command.DELETE)));
            }
            for (int key = 100_000; key < 100_020; key++)
            {
                assertTrue(producer.tryOffer(command.set(key, 500_000, 0)));
            }
            producer.emitWatermark(1_000_000 - timers + 20);
            assertTrue(producer.tryFlushWatermarks());
            job.invoker().invoke();
            final List<String> fired = drain();
            assertEquals(40, fired.size(), "20 timers of the point and the 20 new ones fired: " + fired);
            assertTrue(chain.isCopyingTimers(), "all of it happened before the copy reached those slots");
            assertTrue(chain.eventTimers().timersCopied() < timers, "" + chain.eventTimers().timersCopied());

            while (!checkpoint.isDone() && System.nanoTime() < deadlineNs)
            {
                job.invoker().invoke();
            }
            final CheckpointStats stats = checkpoint.get(1, TimeUnit.SECONDS);
            assertFalse(chain.isCopyingTimers());
            assertEquals(timers, chain.eventTimers().timersCopied(), "each timer of the point copied once");
            assertEquals(1, stats.pausesNs().length);
            job.close(WeirJob.CloseMode.DISCARD);
        }
        drain();

        try (WeirJob<Command, String> restored = eventTimerJob(settings))
        {
            assertTrue(restored.restoredFrom().isPresent());
            restored.start();
            restored.producer(0).emitWatermark(Long.MAX_VALUE - 1);
            assertTrue(restored.producer(0).tryFlushWatermarks());
            final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            final List<String> fired = new ArrayList<>();
            while (fired.size() < timers && System.nanoTime() < deadlineNs)
            {
                restored.invoker().invoke();
                fired.addAll(drain());
            }
            restored.invoker().invoke();
            fired.addAll(drain());
            fired.sort(null);
            atPoint.sort(null);
            assertEquals(atPoint, fired, "exactly the timers of the point fire after the restore");
            restored.close(WeirJob.CloseMode.DISCARD);
        }
    }

    /** The highest count emitted per key. */
    private static Map<String, Long> counts(final List<String> emitted)
    {
        final Map<String, Long> counts = new TreeMap<>();
        for (final String row : emitted)
        {
            final String[] parts = row.split(":");
            counts.merge(parts[0], Long.parseLong(parts[1]), Math::max);
        }
        return counts;
    }

    private List<String> drain()
    {
        final List<String> drained = new ArrayList<>();
        for (String row = rows.poll(); row != null; row = rows.poll())
        {
            drained.add(row);
        }
        drained.sort(null);
        return drained;
    }
}
