package io.weir.engine;

import io.weir.api.KeyedProcessFunction;
import io.weir.api.RuntimeContext;
import io.weir.api.ThreadingMode;
import io.weir.api.eventtime.WatermarkStrategy;
import io.weir.api.functions.Collector;
import io.weir.api.state.LongValueState;
import io.weir.api.state.LongValueStateDescriptor;
import io.weir.api.state.StateTtlConfig;
import io.weir.engine.ProcessingTimeTimerTest.Command;
import io.weir.engine.ProcessingTimeTimerTest.CommandCodec;
import io.weir.engine.checkpoint.CheckpointSettings;
import io.weir.state.heap.HeapStateBackend;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * State TTL runs on the processing time of the shard's work cycle, as timers and {@code currentProcessingTime()} do:
 * read once per cycle, not at each state access. The job's clock here moves a millisecond at every read, and the
 * TTL is a millisecond, so a value read back in the cycle that wrote it is visible only if both saw one time. Duty
 * cycles are stepped by hand (INVOKER threading).
 */
@Timeout(60)
class TtlProcessingTimeTest
{
    /** A clock one millisecond later at every read. */
    static final class TickingClock implements EpochClock
    {
        private long timeMs = 1_000_000;

        public synchronized long time()
        {
            return timeMs++;
        }
    }

    /** Per element (key, value): writes the value with a 1 ms TTL, reads it back, and says what it found. */
    static final class WriteThenRead extends KeyedProcessFunction<Long, Command, String>
    {
        private LongValueState value;

        public void open(final RuntimeContext runtimeContext)
        {
            final LongValueStateDescriptor descriptor = new LongValueStateDescriptor("value");
            descriptor.enableTimeToLive(StateTtlConfig.newBuilder(1)
                .updateType(StateTtlConfig.UpdateType.ON_CREATE_AND_WRITE)
                .stateVisibility(StateTtlConfig.StateVisibility.NEVER_RETURN_EXPIRED)
                .build());
            value = runtimeContext.getLongState(descriptor);
        }

        public void processElement(final Command command, final Context ctx, final Collector<String> out)
        {
            if (command.flags == 0)
            {
                value.update(command.delayMs);
            }
            out.collect(command.key + ":" + value.valueOr(-1) + "@" + ctx.timerService().currentProcessingTime());
        }
    }

    @Test
    void shouldStampAndCheckTtlWithTheWorkCycleTime()
    {
        final List<String> seen = new CopyOnWriteArrayList<>();
        final WeirContext context = new WeirContext()
            .threading(ThreadingMode.INVOKER)
            .shards(1)
            .externalProducers(1)
            .stateBackend(new HeapStateBackend())
            .epochClock(new TickingClock())
            .checkpoints(CheckpointSettings.DISABLED)
            .countersEnabled(false)
            .log(line -> { })
            .shardIdleStrategy(() -> new SleepingMillisIdleStrategy(1))
            .sourceIdleStrategy(() -> new SleepingMillisIdleStrategy(1));
        try (WeirJob<Command, String> job = JobBuilder.named("ttl-clock", CommandCodec.INSTANCE)
            .timestamps(c -> c.delayMs, WatermarkStrategy.noWatermarks())
            .keyBy(c -> c.key)
            .process(WriteThenRead::new)
            .sink(new HandlerSink<>((shard, value) -> seen.add(value)))
            .build(context))
        {
            job.start();
            final Producer<Command> producer = job.producer(0);
            final Command command = new Command();
            // Two keys written and read back in one cycle: both visible, at the cycle's one time.
            assertTrue(producer.tryOffer(command.set(1, 11, 0)));
            assertTrue(producer.tryOffer(command.set(2, 22, 0)));
            invokeUntil(job, 2);
            final String first = seen.get(0);
            final String cycleTime = first.substring(first.indexOf('@'));
            assertEquals(List.of("1:11" + cycleTime, "2:22" + cycleTime), seen,
                "each value is read back in the cycle that wrote it, and both saw the cycle's time");

            // A later cycle, a millisecond or more on: key 1, only read, has expired.
            assertTrue(producer.tryOffer(command.set(1, 0, 1)));
            invokeUntil(job, 3);
            assertTrue(seen.get(2).startsWith("1:-1@"), "expired in a later cycle: " + seen.get(2));
        }
    }

    private static void invokeUntil(final WeirJob<Command, String> job, final long events)
    {
        for (int cycle = 0; job.eventsProcessed() < events; cycle++)
        {
            assertTrue(cycle < 10_000, "events processed: " + job.eventsProcessed());
            job.invoker().invoke();
        }
    }
}
