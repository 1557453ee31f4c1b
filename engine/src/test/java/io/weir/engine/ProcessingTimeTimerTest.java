package io.weir.engine;

import io.weir.engine.runtime.ShardAgent;
import io.weir.api.KeyedProcessFunction;
import io.weir.api.RuntimeContext;
import io.weir.api.TimeDomain;
import io.weir.api.codec.FixedLayoutCodec;
import io.weir.api.eventtime.WatermarkStrategy;
import io.weir.api.functions.Collector;
import io.weir.api.state.LongValueState;
import io.weir.api.state.LongValueStateDescriptor;
import io.weir.engine.checkpoint.CheckpointSettings;
import io.weir.engine.checkpoint.CheckpointStats;
import io.weir.snapshot.CheckpointDirectory;
import io.weir.state.heap.HeapStateBackend;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.EpochClock;
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
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Processing-time timers, on a clock the test sets: they fire once, in order, when the clock reaches them and not
 * before; they are deduplicated and deleted per (key, time); they are checkpointed and restored into any shard
 * count, and those whose time passed while the job was down fire as soon as it is back. The shards are stepped by
 * hand on the test thread (without {@link WeirJob#start()}), so "not fired yet" is a fact, not a race.
 */
@Timeout(60)
class ProcessingTimeTimerTest
{
    @TempDir
    Path dir;

    /** A clock the test sets; read by the shard (and the checkpoint coordinator of a started job). */
    static final class ManualClock implements EpochClock
    {
        volatile long timeMs;

        ManualClock(final long timeMs)
        {
            this.timeMs = timeMs;
        }

        public long time()
        {
            return timeMs;
        }
    }

    /** (key, delay, flags): register a processing-time timer at now + delay; flags say what else to do. */
    static final class Command
    {
        static final long DELETE = 1;
        static final long ALSO_EVENT_TIME = 2;
        static final long REARM = 4;

        long key;
        long delayMs;
        long flags;

        Command set(final long key, final long delayMs, final long flags)
        {
            this.key = key;
            this.delayMs = delayMs;
            this.flags = flags;
            return this;
        }
    }

    static final class CommandCodec extends FixedLayoutCodec<Command>
    {
        static final CommandCodec INSTANCE = new CommandCodec();

        CommandCodec()
        {
            super("test-timer-command", 24);
        }

        protected void write(final Command value, final MutableDirectBuffer buffer, final int offset)
        {
            buffer.putLong(offset, value.key);
            buffer.putLong(offset + 8, value.delayMs);
            buffer.putLong(offset + 16, value.flags);
        }

        protected Command read(final DirectBuffer buffer, final int offset, final Command reuse)
        {
            final Command command = reuse != null ? reuse : new Command();
            return command.set(buffer.getLong(offset), buffer.getLong(offset + 8), buffer.getLong(offset + 16));
        }
    }

    /**
     * Counts elements per key; emits "element:key:now" and "timer:key:ts:domain:now:count". A {@code REARM}
     * command's timer registers another one 1,000 ms later when it fires.
     */
    static final class TimerFunction extends KeyedProcessFunction<Long, Command, String>
    {
        private LongValueState count;
        private LongValueState rearm;

        public void open(final RuntimeContext runtimeContext)
        {
            count = runtimeContext.getLongState(new LongValueStateDescriptor("count"));
            rearm = runtimeContext.getLongState(new LongValueStateDescriptor("rearm"));
        }

        public void processElement(final Command value, final Context ctx, final Collector<String> out)
        {
            count.update(count.valueOr(0) + 1);
            final long now = ctx.timerService().currentProcessingTime();
            final long at = now + value.delayMs;
            ctx.timerService().registerProcessingTimeTimer(at);
            if ((value.flags & Command.DELETE) != 0)
            {
                ctx.timerService().deleteProcessingTimeTimer(at);
            }
            if ((value.flags & Command.ALSO_EVENT_TIME) != 0)
            {
                ctx.timerService().registerEventTimeTimer(at);
            }
            if ((value.flags & Command.REARM) != 0)
            {
                rearm.update(1);
            }
            out.collect("element:" + value.key + ":" + now);
        }

        public void onTimer(final long timestampMs, final OnTimerContext ctx, final Collector<String> out)
        {
            final long now = ctx.timerService().currentProcessingTime();
            out.collect("timer:" + ctx.getCurrentKey() + ":" + timestampMs + ":" + ctx.timeDomain() + ":" + now + ":" +
                count.valueOr(0));
            if (ctx.timeDomain() == TimeDomain.PROCESSING_TIME && rearm.valueOr(0) == 1)
            {
                rearm.update(0);
                ctx.timerService().registerProcessingTimeTimer(timestampMs + 1_000);
            }
        }
    }

    private final ConcurrentLinkedQueue<String> rows = new ConcurrentLinkedQueue<>();

    private WeirJob<Command, String> job(
        final int shards, final ManualClock clock, final CheckpointSettings checkpoints)
    {
        return JobBuilder.named("processing-time", CommandCodec.INSTANCE)
            .timestamps(c -> 0L, WatermarkStrategy.noWatermarks())
            .keyBy(c -> c.key)
            .process(TimerFunction::new)
            .sink(new HandlerSink<>((shard, value) -> rows.add(value)))
            .build(new WeirContext()
                .shards(shards)
                .externalProducers(1)
                .stateBackend(new HeapStateBackend())
                .epochClock(clock)
                .checkpoints(checkpoints)
                .log(line -> { })
                .shardIdleStrategy(() -> new SleepingMillisIdleStrategy(1))
                .sourceIdleStrategy(() -> new SleepingMillisIdleStrategy(1)));
    }

    /** Open every shard (and load a restore) on this thread, as a runner would on start. */
    private static void open(final WeirJob<Command, String> job)
    {
        for (final ShardAgent shard : job.shards())
        {
            shard.open();
        }
    }

    /** One duty cycle of every shard, on this thread: read the input, then fire what the clock has made due. */
    private static void step(final WeirJob<Command, String> job)
    {
        for (final ShardAgent shard : job.shards())
        {
            shard.doWork();
        }
    }

    /** The rows emitted since the last call. */
    private List<String> drain()
    {
        final List<String> drained = new ArrayList<>();
        for (String row = rows.poll(); row != null; row = rows.poll())
        {
            drained.add(row);
        }
        return drained;
    }

    private static long pendingProcessingTimers(final WeirJob<Command, String> job)
    {
        long pending = 0;
        for (final ShardAgent shard : job.shards())
        {
            pending += shard.processingTimers().size();
        }
        return pending;
    }

    @Test
    void shouldFireEachTimerOnceWhenTheClockReachesItAndNotBefore()
    {
        final ManualClock clock = new ManualClock(1_000);
        final WeirJob<Command, String> job = job(2, clock, CheckpointSettings.DISABLED);
        try
        {
            open(job);
            final Producer<Command> producer = job.producer(0);
            final Command command = new Command();
            assertTrue(producer.tryOffer(command.set(1, 100, Command.ALSO_EVENT_TIME)));
            assertTrue(producer.tryOffer(command.set(2, 100, 0)));
            assertTrue(producer.tryOffer(command.set(1, 100, 0))); // the same (key, time): one timer
            assertTrue(producer.tryOffer(command.set(3, 300, Command.REARM)));
            assertTrue(producer.tryOffer(command.set(4, 200, Command.DELETE)));
            assertTrue(producer.tryOffer(command.set(5, 0, 0))); // due at once

            step(job);
            assertEquals(List.of("element:1:1000", "element:1:1000", "element:2:1000", "element:3:1000",
                "element:4:1000", "element:5:1000", "timer:5:1000:PROCESSING_TIME:1000:1"), sorted(drain()));
            assertEquals(3, pendingProcessingTimers(job), "1 and 2 at 1,100, 3 at 1,300; 4's was deleted");

            clock.timeMs = 1_099;
            step(job);
            assertEquals(List.of(), drain(), "nothing is due at 1,099");

            clock.timeMs = 1_100;
            step(job);
            // Key 1's event-time timer at 1,100 does not fire: there is no watermark.
            assertEquals(List.of("timer:1:1100:PROCESSING_TIME:1100:2", "timer:2:1100:PROCESSING_TIME:1100:1"),
                sorted(drain()));
            step(job);
            assertEquals(List.of(), drain(), "fired once");

            clock.timeMs = 1_299;
            step(job);
            assertEquals(List.of(), drain(), "4's timer at 1,200 was deleted; 3's is at 1,300");

            clock.timeMs = 5_000;
            // An overdue timer fires with the clock's time; the one it registers (at 2,300) is due too, and fires
            // in this cycle or the next.
            step(job);
            step(job);
            assertEquals(List.of("timer:3:1300:PROCESSING_TIME:5000:1", "timer:3:2300:PROCESSING_TIME:5000:1"),
                sorted(drain()));
            assertEquals(0, pendingProcessingTimers(job));
            assertEquals(1, job.shards().stream().mapToLong(s -> s.eventTimers().size()).sum(),
                "key 1's event-time timer is still waiting for a watermark");
        }
        finally
        {
            job.close(WeirJob.CloseMode.DISCARD);
        }
    }

    @Test
    void shouldRestoreProcessingTimersIntoAnyShardCountAndFireThoseThatPassedWhileDown() throws Exception
    {
        final int keys = 30;
        final CheckpointSettings settings = CheckpointSettings.every(dir, 0);
        final ManualClock clock = new ManualClock(1_000);
        final CheckpointStats checkpoint;
        try (WeirJob<Command, String> first = job(2, clock, settings))
        {
            first.start();
            final Command command = new Command();
            for (int key = 0; key < keys; key++)
            {
                // Timer of key k at 1,100 + k; key 7 registers twice (count 2), key 9's is deleted.
                assertTrue(first.producer(0).offer(command.set(key, 100 + key, key == 9 ? Command.DELETE : 0),
                    TimeUnit.SECONDS.toNanos(10)));
            }
            assertTrue(first.producer(0).offer(command.set(7, 107, 0), TimeUnit.SECONDS.toNanos(10)));
            checkpoint = checkpoint(first);
            first.close(WeirJob.CloseMode.DISCARD);
        }
        assertEquals(keys + 1, drain().size(), "only the elements: the clock never reached a timer");
        final Path restorePoint = dir.resolve(CheckpointDirectory.checkpointDirectoryName(checkpoint.checkpointId()));

        // Three shards, the clock a little on: a timer fires when the clock reaches it, once, with its key's state.
        clock.timeMs = 1_050;
        final WeirJob<Command, String> rescaled = job(3, clock, settings.restoreFrom(restorePoint));
        try
        {
            open(rescaled);
            assertEquals(keys - 1, pendingProcessingTimers(rescaled), "every timer restored once, into one shard");
            step(rescaled);
            assertEquals(List.of(), drain());
            clock.timeMs = 1_115;
            step(rescaled);
            step(rescaled);
            assertEquals(expected(0, 15, 1_115), multiset(drain()));
            clock.timeMs = 1_200;
            step(rescaled);
            assertEquals(expected(16, keys - 1, 1_200), multiset(drain()));
            assertEquals(0, pendingProcessingTimers(rescaled));
        }
        finally
        {
            rescaled.close(WeirJob.CloseMode.DISCARD);
        }

        // One shard, after a long pause: every timer is overdue and fires in the first cycle.
        clock.timeMs = 60_000;
        final WeirJob<Command, String> late = job(1, clock, settings.restoreFrom(restorePoint));
        try
        {
            open(late);
            step(late);
            assertEquals(expected(0, keys - 1, 60_000), multiset(drain()));
        }
        finally
        {
            late.close(WeirJob.CloseMode.DISCARD);
        }
    }

    /** Timer rows of keys {@code [from, to]} (9's was deleted; 7 has two elements), each once, fired at {@code now}. */
    private static Map<String, Long> expected(final int from, final int to, final long now)
    {
        final Map<String, Long> expected = new TreeMap<>();
        for (int key = from; key <= to; key++)
        {
            if (key != 9)
            {
                expected.put("timer:" + key + ":" + (1_100 + key) + ":PROCESSING_TIME:" + now + ":" + (key == 7 ? 2 : 1),
                    1L);
            }
        }
        return expected;
    }

    private static Map<String, Long> multiset(final List<String> rows)
    {
        final Map<String, Long> counts = new TreeMap<>();
        rows.forEach(row -> counts.merge(row, 1L, Long::sum));
        return counts;
    }

    private static List<String> sorted(final List<String> rows)
    {
        final List<String> copy = new ArrayList<>(rows);
        copy.sort(null);
        return copy;
    }

    /** An idle application producer injects a requested barrier when it next offers or is asked to. */
    private static CheckpointStats checkpoint(final WeirJob<Command, String> job) throws Exception
    {
        final CompletableFuture<CheckpointStats> future = job.triggerCheckpoint();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!future.isDone() && System.nanoTime() < deadline)
        {
            job.producer(0).tryInjectRequestedBarrier();
            Thread.sleep(1);
        }
        return future.get(1, TimeUnit.SECONDS);
    }
}
