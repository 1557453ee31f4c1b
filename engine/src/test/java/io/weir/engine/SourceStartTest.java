package io.weir.engine;

import io.weir.api.codec.LongCodec;
import io.weir.api.connector.SourceReader;
import io.weir.api.dataflow.Dataflow;
import io.weir.api.eventtime.WatermarkStrategy;
import io.weir.engine.runtime.ShardAgent;
import io.weir.state.heap.HeapStateBackend;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A source reads nothing until every shard has opened (restored its state, warmed up its checkpoint path): no
 * element waits in a ring while a shard cannot take it, so its latency starts when it can be processed.
 */
@Timeout(60)
class SourceStartTest
{
    @Test
    void aSourceReadsNothingUntilEveryShardHasOpened()
    {
        final CountingReader reader = new CountingReader();
        final Dataflow flow = Dataflow.named("source-start");
        final DataflowJobTest.ListSink<Long> counts = new DataflowJobTest.ListSink<>();
        flow.source("numbers", LongCodec.INSTANCE, reader)
            .timestamps(n -> n, WatermarkStrategy.forMonotonousTimestamps())
            .keyBy(n -> n % 10)
            .process(DataflowJobTest.RunningCount::new).uid("count")
            .sinkTo(counts);
        final WeirJob<Object, Object> job = new WeirContext()
            .shards(2)
            .stateBackend(new HeapStateBackend())
            .shardIdleStrategy(() -> new SleepingMillisIdleStrategy(1))
            .sourceIdleStrategy(() -> new SleepingMillisIdleStrategy(1))
            .build(flow);
        try
        {
            final SourceAgent<?> source = job.sources().get(0);
            final List<ShardAgent> shards = job.shards();
            assertEquals(0, source.doWork(), "no work before any shard opened");
            shards.get(0).open();
            assertEquals(0, source.doWork(), "no work with one of two shards open");
            assertEquals(0, reader.reads, "elements read before every shard opened");
            shards.get(1).open();
            shards.get(1).open();   // idempotent: a shard counts once
            assertTrue(source.doWork() > 0, "the source reads once every shard has opened");
            assertTrue(reader.reads > 0, "elements read: " + reader.reads);
        }
        finally
        {
            job.close(WeirJob.CloseMode.DISCARD);
        }
    }

    /** 0, 1, 2, ... up to 1,000; counts its reads. */
    private static final class CountingReader implements SourceReader<Long>
    {
        int reads;

        public String name()
        {
            return "numbers";
        }

        public boolean next()
        {
            if (reads == 1_000)
            {
                return false;
            }
            reads++;
            return true;
        }

        public Long current()
        {
            return (long)reads;
        }

        public long position()
        {
            return reads;
        }

        public void close()
        {
        }
    }
}
