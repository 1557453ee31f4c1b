package io.weir.engine;

import io.weir.api.KeyedProcessFunction;
import io.weir.api.RuntimeContext;
import io.weir.api.ThreadingMode;
import io.weir.api.codec.LongCodec;
import io.weir.api.dataflow.Dataflow;
import io.weir.api.eventtime.WatermarkStrategy;
import io.weir.api.functions.Collector;
import io.weir.engine.runtime.ShardAgent;
import io.weir.state.heap.HeapStateBackend;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A job processes nothing until every shard has opened (restored its state, warmed up its checkpoint path): its
 * sources read nothing and its shards step nothing meanwhile, so no element a source reads waits in a ring while a
 * shard cannot take it; a shard that cannot open fails the job in every threading mode.
 */
@Timeout(60)
class SourceStartTest
{
    private static final int ELEMENTS = 1_000;

    private final NumbersReader reader = new NumbersReader(ELEMENTS);
    private final DataflowJobTest.ListSink<Long> out = new DataflowJobTest.ListSink<>();

    private WeirJob<Object, Object> job(final ThreadingMode threading, final Consumer<Integer> onOpen)
    {
        final Dataflow flow = Dataflow.named("source-start");
        flow.source("numbers", LongCodec.INSTANCE, reader)
            .timestamps(n -> n, WatermarkStrategy.forMonotonousTimestamps())
            .keyBy(n -> n % 10)
            .process(() -> new PassOn(onOpen)).uid("pass-on")
            .sinkTo(out);
        return new WeirContext()
            .shards(2)
            .threading(threading)
            .stateBackend(new HeapStateBackend())
            .shardIdleStrategy(() -> new SleepingMillisIdleStrategy(1))
            .sourceIdleStrategy(() -> new SleepingMillisIdleStrategy(1))
            .build(flow);
    }

    @Test
    void aSourceReadsNothingUntilEveryShardHasOpened()
    {
        final WeirJob<Object, Object> job = job(ThreadingMode.DEDICATED, shard -> {});
        try
        {
            final SourceAgent<?> source = job.sources().get(0);
            final List<ShardAgent> shards = job.shards();
            assertEquals(0, source.doWork(), "no work before any shard opened");
            shards.get(0).open();
            shards.get(0).open();   // idempotent: a shard counts once
            assertEquals(0, source.doWork(), "no work with one of two shards open");
            assertEquals(0, reader.position(), "elements read before every shard opened");
            shards.get(1).open();
            assertTrue(source.doWork() > 0, "the source reads once every shard has opened");
            assertTrue(reader.position() > 0, "elements read: " + reader.position());
        }
        finally
        {
            job.close(WeirJob.CloseMode.DISCARD);
        }
    }

    @ParameterizedTest
    @EnumSource(value = ThreadingMode.class, names = {"DEDICATED", "SHARED"})
    void aStartedJobReadsOnceItsSlowestShardHasOpened(final ThreadingMode threading) throws Exception
    {
        final CountDownLatch opening = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        try (WeirJob<Object, Object> job = job(threading, shard ->
        {
            opening.countDown();
            await(release);
        }))
        {
            job.start();
            assertTrue(opening.await(10, TimeUnit.SECONDS), "a shard began to open");
            Thread.sleep(100);
            assertEquals(0, reader.position(), "elements read while a shard was opening");
            release.countDown();
            job.awaitTermination();
            assertEquals(ELEMENTS, out.elements.size(), "every element once every shard opened");
        }
    }

    @ParameterizedTest
    @EnumSource(ThreadingMode.class)
    void aShardThatCannotOpenFailsTheJobAndReadsNothing(final ThreadingMode threading)
    {
        final WeirJob<Object, Object> job = job(threading, shard ->
        {
            throw new IllegalStateException("cannot open");
        });
        try
        {
            if (threading == ThreadingMode.INVOKER)
            {
                final IllegalStateException thrown = assertThrows(IllegalStateException.class, job::start);
                assertEquals("cannot open", thrown.getMessage());
            }
            else
            {
                job.start();
                final JobFailedException failed = assertThrows(JobFailedException.class, job::awaitTermination);
                assertTrue(String.valueOf(failed.getCause()).contains("cannot open"), String.valueOf(failed));
            }
            assertEquals(0, reader.position(), "elements read from a failed job");
        }
        finally
        {
            // Returns, reporting the failure: a failed job does not wait for a drain that cannot come.
            final JobFailedException onClose = assertThrows(JobFailedException.class, job::close);
            assertTrue(onClose.getMessage().contains("cannot open"), onClose.getMessage());
        }
    }

    private static void await(final CountDownLatch latch)
    {
        try
        {
            if (!latch.await(30, TimeUnit.SECONDS))
            {
                throw new IllegalStateException("the test never released the shard");
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    /** Emits each element; its open runs {@code onOpen} with the shard's index. */
    private static final class PassOn extends KeyedProcessFunction<Long, Long, Long>
    {
        private final Consumer<Integer> onOpen;

        PassOn(final Consumer<Integer> onOpen)
        {
            this.onOpen = onOpen;
        }

        public void open(final RuntimeContext runtimeContext)
        {
            onOpen.accept(runtimeContext.shardId());
        }

        public void processElement(final Long value, final Context ctx, final Collector<Long> out)
        {
            out.collect(value);
        }
    }
}
