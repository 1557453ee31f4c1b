package io.weir.engine.runtime;

import io.weir.engine.WeirContext;
import io.weir.api.KeyedProcessFunction;
import io.weir.api.codec.LongCodec;
import io.weir.api.functions.Collector;
import io.weir.api.functions.OutputTag;
import io.weir.engine.state.StateIds;
import io.weir.state.heap.HeapStateBackend;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A stage instance stepped by hand, between a ring it reads and an output it writes: the output's backlog stops
 * input, watermarks go on after the timers they fire, barriers after the snapshot point.
 */
class OperatorChainTest
{
    private final List<String> log = new ArrayList<>();
    private final ExpandableArrayBuffer scratch = new ExpandableArrayBuffer(64);
    private final OneToOneRingBuffer in;
    private final OperatorChain<Long, Long, String> chain;
    private final FakeChannel channel = new FakeChannel();

    /** Logs every element and fires a timer one ms after each element's timestamp. */
    static final class TimerFunction extends KeyedProcessFunction<Long, Long, String>
    {
        public void processElement(final Long value, final Context ctx, final Collector<String> out)
        {
            out.collect("element " + value);
            ctx.timerService().registerEventTimeTimer(ctx.timestamp() + 1);
        }

        public void onTimer(final long timestampMs, final OnTimerContext ctx, final Collector<String> out)
        {
            out.collect("timer " + timestampMs);
        }
    }

    final class FakeChannel implements ChannelOutput
    {
        int backlog;

        public void emitWatermark(final long watermark)
        {
            log.add("forward watermark " + (watermark == Long.MAX_VALUE ? "max" : Long.toString(watermark)));
        }

        public void flush()
        {
        }

        public void emitBarrier(final long checkpointId, final int flags)
        {
            log.add("forward barrier " + checkpointId);
        }

        public void endOfInput()
        {
            log.add("forward end");
        }

        public void markIdle()
        {
            log.add("forward idle");
        }

        public boolean hasBacklog()
        {
            return backlog > 0;
        }

        public int drain()
        {
            log.add("drain");
            return 0;
        }
    }

    OperatorChainTest()
    {
        final AtomicBuffer ring = new UnsafeBuffer(
            ByteBuffer.allocateDirect(64 * 1024 + RingBufferDescriptor.TRAILER_LENGTH));
        in = new OneToOneRingBuffer(ring);
        final Collector<String> out = value -> log.add(value);
        final OutputGate<String> output = new OutputGate<>(
            out, new OutputTag<?>[0], new Collector<?>[0], new io.weir.api.connector.SinkWriter<?>[0], new ChannelOutput[] {channel}, false);
        final WeirContext ctx = new WeirContext().shards(1).prefetchEvents(0);
        final ShardCheckpointHandler handler = (stage, checkpointId, flags) -> log.add("snapshot " + checkpointId);
        chain = new OperatorChain<>("test stage", 0, 0, 1, new AtomicBuffer[] {ring}, null, ChainFixtures.settings(ctx), LongCodec.INSTANCE,
            null, LongCodec.INSTANCE, new TimerFunction(), new HeapStateBackend().createStore(0, 16), output, handler,
            new StateIds());
        chain.open();
    }

    @AfterEach
    void close()
    {
        final JobStatus status = new JobStatus("test");
        chain.close(status);
        chain.closeStore(status);
        ChainFixtures.checkNotFailed(status);
    }

    private void event(final long key, final long watermark, final long timestamp, final long value)
    {
        scratch.putLong(RecordDescriptor.WATERMARK_OFFSET, watermark);
        scratch.putLong(RecordDescriptor.TIMESTAMP_OFFSET, timestamp);
        scratch.putInt(RecordDescriptor.KEY_GROUP_OFFSET, 0);
        scratch.putInt(RecordDescriptor.KEY_LENGTH_OFFSET, 8);
        LongCodec.INSTANCE.encode(key, scratch, RecordDescriptor.KEY_OFFSET);
        LongCodec.INSTANCE.encode(value, scratch, RecordDescriptor.KEY_OFFSET + 8);
        assertTrue(in.write(RecordDescriptor.EVENT_MSG_TYPE, scratch, 0, RecordDescriptor.KEY_OFFSET + 16));
    }

    @Test
    void aBacklogStopsReadingInputUntilItDrains()
    {
        event(1, 0, 10, 100);
        channel.backlog = 1;
        assertEquals(0, chain.doWork(0));
        assertEquals(List.of("drain"), log, "no input read while the output has a backlog");
        assertEquals(0, chain.eventsProcessed());
        log.clear();
        channel.backlog = 0;
        chain.doWork(0);
        assertEquals(List.of("forward watermark 0", "element 100"), log);
        assertEquals(1, chain.eventsProcessed());
    }

    @Test
    void watermarksGoOnAfterTheTimersTheyFireAndBarriersAfterTheSnapshotPoint()
    {
        event(1, 0, 10, 100);
        event(2, 20, 30, 200);
        scratch.putLong(RecordDescriptor.BARRIER_CHECKPOINT_ID_OFFSET, 7);
        scratch.putInt(RecordDescriptor.BARRIER_FLAGS_OFFSET, 0);
        assertTrue(in.write(RecordDescriptor.BARRIER_MSG_TYPE, scratch, 0, RecordDescriptor.BARRIER_LENGTH));
        assertTrue(in.write(RecordDescriptor.END_OF_INPUT_MSG_TYPE, scratch, 0, 0));
        chain.doWork(0);
        assertEquals(List.of("forward watermark 0", "element 100", "timer 11", "forward watermark 20", "element 200",
            "snapshot 7", "forward barrier 7"), log);
        assertFalse(chain.isDone());
        log.clear();
        chain.doWork(0);
        assertEquals(List.of("timer 31", "forward watermark max", "forward end"), log);
        assertTrue(chain.isDone());
    }
}
