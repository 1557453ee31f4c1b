package io.weir.engine.checkpoint;

import io.weir.api.KeyedProcessFunction;
import io.weir.api.eventtime.WatermarkStrategy;
import io.weir.api.functions.Collector;
import io.weir.engine.HandlerSink;
import io.weir.engine.JobBuilder;
import io.weir.engine.Producer;
import io.weir.engine.ThreadAllocation;
import io.weir.engine.WeirContext;
import io.weir.engine.WeirJob;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** An application producer of a checkpointed job offers without allocating: it polls for barriers on each offer. */
@Timeout(120)
class ProducerAllocationTest
{
    @TempDir
    Path dir;

    static final class Discard extends KeyedProcessFunction<Long, CheckpointRestoreTest.Item, String>
    {
        public void processElement(
            final CheckpointRestoreTest.Item value, final Context ctx, final Collector<String> out)
        {
        }
    }

    @Test
    void shouldNotAllocatePerOfferWhenCheckpointsAreConfigured() throws Exception
    {
        try (WeirJob<CheckpointRestoreTest.Item, String> job = JobBuilder
            .named("discard", CheckpointRestoreTest.ItemCodec.INSTANCE)
            .timestamps(i -> i.timestamp, WatermarkStrategy.noWatermarks())
            .keyBy(i -> i.key)
            .process(Discard::new)
            .sink(new HandlerSink<>((shard, value) -> { }))
            .build(new WeirContext()
                .shards(1)
                .externalProducers(1)
                // Checkpoints are configured, so every offer polls for a barrier request; none comes in the test.
                .checkpoints(CheckpointSettings.every(dir, 3_600_000))
                .shardIdleStrategy(() -> new BackoffIdleStrategy(10, 10, 1_000, 100_000))
                .sourceIdleStrategy(() -> new BackoffIdleStrategy(10, 10, 1_000, 100_000))))
        {
            job.start();
            final Producer<CheckpointRestoreTest.Item> producer = job.producer(0);
            final CheckpointRestoreTest.Item item = new CheckpointRestoreTest.Item();
            long allocated = 0;
            for (int round = 0; round < 20; round++)
            {
                final long before = ThreadAllocation.bytesSoFar();
                for (long i = 0; i < 10_000; i++)
                {
                    item.key = i;
                    item.amount = i;
                    item.timestamp = i;
                    while (!producer.tryOffer(item))
                    {
                        Thread.onSpinWait();
                    }
                }
                allocated = ThreadAllocation.bytesSoFar() - before;
            }
            System.out.println("bytes allocated by 10,000 offers after warm-up: " + allocated);
            assertTrue(allocated < 1024, "10,000 offers allocated " + allocated + " bytes");
        }
    }
}
