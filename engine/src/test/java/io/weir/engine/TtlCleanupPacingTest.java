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
import io.weir.engine.ProcessingTimeTimerTest.ManualClock;
import io.weir.engine.checkpoint.CheckpointSettings;
import io.weir.state.heap.HeapStateBackend;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Incremental TTL cleanup without per-record steps runs in the duty cycles in which the stage worked: expired state
 * is removed as events arrive, and an idle stage walks nothing, so the next event never waits behind a step of the
 * walk. Duty cycles are stepped by hand (INVOKER threading) against a manual clock.
 */
@Timeout(60)
class TtlCleanupPacingTest
{
    private static final long TTL_MS = 1_000;
    private static final int KEYS = 200;
    private static final int ENTRIES_PER_STEP = 10;

    /** Remembers the last delay field of each key, with TTL and duty-cycle cleanup only. */
    static final class Remember extends KeyedProcessFunction<Long, Command, String>
    {
        private LongValueState last;

        public void open(final RuntimeContext runtimeContext)
        {
            final LongValueStateDescriptor descriptor = new LongValueStateDescriptor("last");
            descriptor.enableTimeToLive(StateTtlConfig.newBuilder(TTL_MS)
                .disableCleanupOnAccess()
                .cleanupIncrementally(ENTRIES_PER_STEP, false)
                .build());
            last = runtimeContext.getLongState(descriptor);
        }

        public void processElement(final Command value, final Context ctx, final Collector<String> out)
        {
            last.update(value.delayMs);
        }
    }

    @Test
    void shouldRemoveExpiredStateAsEventsArriveAndWalkNothingWhileIdle()
    {
        final ManualClock clock = new ManualClock(1_000);
        final WeirContext context = new WeirContext()
            .threading(ThreadingMode.INVOKER)
            .shards(1)
            .externalProducers(1)
            .stateBackend(new HeapStateBackend())
            .hotKeyCache(false) // the store's size, read from the test thread, must hold every write
            .epochClock(clock)
            .checkpoints(CheckpointSettings.DISABLED)
            .countersEnabled(false)
            .log(line -> { })
            .shardIdleStrategy(() -> new SleepingMillisIdleStrategy(1))
            .sourceIdleStrategy(() -> new SleepingMillisIdleStrategy(1));
        try (WeirJob<Command, String> job = JobBuilder.named("ttl-pacing", CommandCodec.INSTANCE)
            .timestamps(c -> c.delayMs, WatermarkStrategy.noWatermarks())
            .keyBy(c -> c.key)
            .process(Remember::new)
            .sink(new HandlerSink<>((shard, value) -> { }))
            .build(context))
        {
            job.start();
            final Producer<Command> producer = job.producer(0);
            final Command command = new Command();
            for (long key = 0; key < KEYS; key++)
            {
                assertTrue(producer.tryOffer(command.set(key, key, 0)));
                job.invoker().invoke();
            }
            assertEquals(KEYS, job.eventsProcessed());
            final long allKeys = job.stateSizeBytes();
            final long oneKey = allKeys / KEYS;
            assertEquals(allKeys, oneKey * KEYS, "every key's entry has the same size");

            clock.timeMs += TTL_MS;
            for (int cycle = 0; cycle < 1_000; cycle++)
            {
                job.invoker().invoke();
            }
            assertEquals(allKeys, job.stateSizeBytes(), "idle duty cycles removed expired state");

            int events = 0;
            while (job.stateSizeBytes() > oneKey)
            {
                assertTrue(producer.tryOffer(command.set(KEYS, events, 0)));
                job.invoker().invoke();
                assertTrue(++events <= 2 * KEYS / ENTRIES_PER_STEP,
                    "expired entries left after " + events + " events: " + job.stateSizeBytes() + " bytes");
            }
            assertEquals(oneKey, job.stateSizeBytes(), "only the key written after the expiry is left");
            assertTrue(events >= KEYS / ENTRIES_PER_STEP,
                "at most " + ENTRIES_PER_STEP + " entries examined per duty cycle, yet " + KEYS + " went in " + events);
        }
    }
}
