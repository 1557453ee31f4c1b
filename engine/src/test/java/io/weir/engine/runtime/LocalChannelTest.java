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
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two keyed stages on shard 0 of 2, stepped by hand: stage A re-keys into stage B, whose channels are A's instance
 * on this thread (handed over by a method call, its ring skipped) and A's instance on shard 1 (a ring the test
 * writes). The channel that skips its ring still counts in B's watermark and in B's barrier alignment.
 */
@Timeout(30)
class LocalChannelTest
{
    private static final int SHARDS = 2;

    private final List<String> log = new ArrayList<>();
    private final ExpandableArrayBuffer scratch = new ExpandableArrayBuffer(64);
    private final WeirContext ctx = new WeirContext().shards(SHARDS).prefetchEvents(0);
    private final OneToOneRingBuffer intoA = ring();
    private final OneToOneRingBuffer selfRing = ring();
    private final OneToOneRingBuffer toOtherShard = ring();
    private final OneToOneRingBuffer fromOtherShard = ring();
    private final KeyEncoder<Long, Long> keys = KeyEncoder.ofLong(v -> v);
    private final OperatorChain<Long, Long, Long> a;
    private final OperatorChain<Long, Long, Long> b;
    /** B's channel further down: its backlog stands for a full ring there. */
    private final Downstream downstream = new Downstream();

    static final class Downstream implements ChannelOutput
    {
        boolean backlog;

        public void emitWatermark(final long watermark)
        {
        }

        public void flush()
        {
        }

        public void emitBarrier(final long checkpointId, final int flags)
        {
        }

        public void endOfInput()
        {
        }

        public void markIdle()
        {
        }

        public boolean hasBacklog()
        {
            return backlog;
        }

        public int drain()
        {
            return 0;
        }
    }

    /** Passes every element on. */
    static final class Forward extends KeyedProcessFunction<Long, Long, Long>
    {
        public void processElement(final Long value, final Context ctx, final Collector<Long> out)
        {
            out.collect(value);
        }
    }

    /** Logs every element and fires a timer at each element's timestamp plus one. */
    final class Logging extends KeyedProcessFunction<Long, Long, Long>
    {
        public void processElement(final Long value, final Context ctx, final Collector<Long> out)
        {
            log.add("element " + value);
            ctx.timerService().registerEventTimeTimer(ctx.timestamp() + 1);
        }

        public void onTimer(final long timestampMs, final OnTimerContext ctx, final Collector<Long> out)
        {
            log.add("timer " + timestampMs);
        }
    }

    LocalChannelTest()
    {
        final ShardCheckpointHandler handler = (stage, checkpointId, flags) ->
            log.add("snapshot " + checkpointId + " " + stage.name());
        final RingChannelOutput<Long> edge = new RingChannelOutput<>("a", new AtomicBuffer[] {
            (AtomicBuffer)selfRing.buffer(), (AtomicBuffer)toOtherShard.buffer()}, LongCodec.INSTANCE, keys,
            ctx.maxParallelism(), ctx.maxKeyLength());
        a = new OperatorChain<>("a", 0, 0, SHARDS, new AtomicBuffer[] {(AtomicBuffer)intoA.buffer()}, null,
            ChainFixtures.settings(ctx),
            LongCodec.INSTANCE, null, LongCodec.INSTANCE, new Forward(), new HeapStateBackend().createStore(0, 16),
            new OutputGate<>(edge, new OutputTag<?>[0], new Collector<?>[0],
                new io.weir.api.connector.SinkWriter<?>[0], new ChannelOutput[] {edge}, true), handler, new StateIds());
        edge.timestamps(a);
        final Collector<Long> discard = value -> { };
        b = new OperatorChain<>("b", SHARDS, 0, SHARDS, new AtomicBuffer[] {
            (AtomicBuffer)selfRing.buffer(), (AtomicBuffer)fromOtherShard.buffer()}, null,
            ChainFixtures.settings(ctx), LongCodec.INSTANCE,
            null, LongCodec.INSTANCE, new Logging(), new HeapStateBackend().createStore(1, 16),
            new OutputGate<>(discard, new OutputTag<?>[0], new Collector<?>[0],
                new io.weir.api.connector.SinkWriter<?>[0], new ChannelOutput[] {downstream}, true), handler,
            new StateIds());
        edge.local(0, b, b.input().channelOf((AtomicBuffer)selfRing.buffer()));
        a.open();
        b.open();
    }

    @AfterEach
    void close()
    {
        final JobStatus status = new JobStatus("test");
        for (final OperatorChain<?, ?, ?> chain : List.of(a, b))
        {
            chain.close(status);
            chain.closeStore(status);
        }
        ChainFixtures.checkNotFailed(status);
    }

    private static OneToOneRingBuffer ring()
    {
        return new OneToOneRingBuffer(new UnsafeBuffer(
            ByteBuffer.allocateDirect(64 * 1024 + RingBufferDescriptor.TRAILER_LENGTH)));
    }

    /** The first {@code count} keys from {@code from} that shard {@code shard} owns. */
    private long[] keysOf(final int shard, final long from, final int count)
    {
        final ExpandableArrayBuffer key = new ExpandableArrayBuffer(16);
        final long[] found = new long[count];
        int n = 0;
        for (long v = from; n < count; v++)
        {
            final int keyGroup = KeyGroups.keyGroup(key, 0, keys.encodeKey(v, key), ctx.maxParallelism());
            if (KeyGroups.shardForKeyGroup(keyGroup, ctx.maxParallelism(), SHARDS) == shard)
            {
                found[n++] = v;
            }
        }
        return found;
    }

    /** An event {@code value}, keyed by itself, with timestamp {@code value}. */
    private void event(final OneToOneRingBuffer ring, final long watermark, final long value)
    {
        final ExpandableArrayBuffer key = new ExpandableArrayBuffer(16);
        final int keyLength = keys.encodeKey(value, key);
        scratch.putLong(RecordDescriptor.WATERMARK_OFFSET, watermark);
        scratch.putLong(RecordDescriptor.TIMESTAMP_OFFSET, value);
        scratch.putInt(RecordDescriptor.KEY_GROUP_OFFSET,
            KeyGroups.keyGroup(key, 0, keyLength, ctx.maxParallelism()));
        scratch.putInt(RecordDescriptor.KEY_LENGTH_OFFSET, keyLength);
        scratch.putBytes(RecordDescriptor.KEY_OFFSET, key, 0, keyLength);
        LongCodec.INSTANCE.encode(value, scratch, RecordDescriptor.KEY_OFFSET + keyLength);
        assertTrue(ring.write(RecordDescriptor.EVENT_MSG_TYPE, scratch, 0, RecordDescriptor.KEY_OFFSET + keyLength +
            Long.BYTES));
    }

    private void barrier(final OneToOneRingBuffer ring, final long checkpointId)
    {
        scratch.putLong(RecordDescriptor.BARRIER_CHECKPOINT_ID_OFFSET, checkpointId);
        scratch.putInt(RecordDescriptor.BARRIER_FLAGS_OFFSET, 0);
        assertTrue(ring.write(RecordDescriptor.BARRIER_MSG_TYPE, scratch, 0, RecordDescriptor.BARRIER_LENGTH));
    }

    private void watermark(final OneToOneRingBuffer ring, final long watermark)
    {
        scratch.putLong(RecordDescriptor.WATERMARK_OFFSET, watermark);
        assertTrue(ring.write(RecordDescriptor.WATERMARK_MSG_TYPE, scratch, 0, Long.BYTES));
    }

    @Test
    void recordsForThisThreadSkipTheRingAndOthersGoThroughTheirs()
    {
        final long[] local = keysOf(0, 0, 50);
        final long[] remote = keysOf(1, 0, 50);
        for (int i = 0; i < local.length; i++)
        {
            event(intoA, Long.MIN_VALUE, local[i]);
            event(intoA, Long.MIN_VALUE, remote[i]);
        }
        a.doWork(0);
        assertEquals(local.length, b.eventsProcessed(), "handed over within A's step, before B ran");
        assertEquals(0, selfRing.producerPosition(), "the ring to this thread's instance is not used");
        assertTrue(toOtherShard.producerPosition() > 0, "records for shard 1 go through its ring");
        final List<String> expected = new ArrayList<>();
        for (final long v : local)
        {
            expected.add("element " + v);
        }
        assertEquals(expected, log);
    }

    @Test
    void whileAnotherChannelHasInputWaitingThisThreadsRecordsTakeTheRingAndTheGatesFairOrder()
    {
        final long[] local = keysOf(0, 0, 2);
        event(fromOtherShard, Long.MIN_VALUE, 1_000_001);
        event(intoA, Long.MIN_VALUE, local[0]);
        a.doWork(0);
        assertEquals(List.of(), log, "B has input waiting: this thread's record does not jump the queue");
        assertTrue(selfRing.producerPosition() > 0);
        b.doWork(0);
        assertEquals(List.of("element " + local[0], "element 1000001"), log, "channel by channel, in order");

        log.clear();
        final long before = selfRing.producerPosition();
        event(intoA, Long.MIN_VALUE, local[1]);
        a.doWork(0);
        assertEquals(List.of("element " + local[1]), log, "nothing waiting: handed over again");
        assertEquals(before, selfRing.producerPosition());
    }

    @Test
    void aBarrierOnTheSkippedChannelHoldsBackItsRecordsUntilTheOtherChannelsAlign()
    {
        final long[] local = keysOf(0, 0, 3);
        event(intoA, Long.MIN_VALUE, local[0]);
        barrier(intoA, 1);
        event(intoA, Long.MIN_VALUE, local[1]);
        a.doWork(0);
        a.doWork(0);
        b.doWork(0);
        assertEquals(List.of("element " + local[0], "snapshot 1 a"), log,
            "B aligns barrier 1: the record after it on A's channel waits");
        assertEquals(2, a.eventsProcessed(), "A read on past its barrier");
        assertTrue(selfRing.producerPosition() > 0, "held back in the ring while B aligns");

        barrier(fromOtherShard, 1);
        b.doWork(0);
        b.doWork(0);
        assertEquals(List.of("element " + local[0], "snapshot 1 a", "snapshot 1 b", "element " + local[1]), log);

        log.clear();
        final long before = selfRing.producerPosition();
        event(intoA, Long.MIN_VALUE, local[2]);
        a.doWork(0);
        assertEquals(List.of("element " + local[2]), log, "aligned and the ring read: handed over again");
        assertEquals(before, selfRing.producerPosition());
    }

    @Test
    void aBacklogFurtherDownSendsThisThreadsRecordsThroughTheRingSoThatItFillsAndStopsTheUpstream()
    {
        final long[] local = keysOf(0, 0, 3);
        downstream.backlog = true;
        event(intoA, Long.MIN_VALUE, local[0]);
        a.doWork(0);
        b.doWork(0);
        b.doWork(0);
        assertEquals(List.of(), log, "B reads no input while its output has a backlog");
        assertEquals(1, b.backPressure(), "one stop, however many steps it lasts");
        assertTrue(selfRing.producerPosition() > 0, "so the record waits in the ring");

        downstream.backlog = false;
        b.doWork(0);
        assertEquals(List.of("element " + local[0]), log);
        final long before = selfRing.producerPosition();
        event(intoA, Long.MIN_VALUE, local[1]);
        a.doWork(0);
        assertEquals(List.of("element " + local[0], "element " + local[1]), log);
        assertEquals(before, selfRing.producerPosition(), "the ring read, records are handed over again");
    }

    @Test
    void theSkippedChannelCountsInTheMinimumWatermark()
    {
        final long local = keysOf(0, 10_000, 1)[0];
        event(intoA, Long.MIN_VALUE, local);
        a.doWork(0);
        assertEquals(List.of("element " + local), log);

        event(intoA, 5_000, keysOf(1, 0, 1)[0]);  // only the watermark reaches B, from A's step
        a.doWork(0);
        assertEquals(5_000, a.currentWatermark());
        assertEquals(Long.MIN_VALUE, b.currentWatermark(), "the other channel holds it back");

        watermark(fromOtherShard, 50_000);
        b.doWork(0);
        assertEquals(5_000, b.currentWatermark(), "now this thread's channel holds it back");
        assertEquals(List.of("element " + local), log, "timer " + (local + 1) + " not due yet");

        watermark(intoA, 20_000);
        a.doWork(0);
        assertEquals(20_000, b.currentWatermark(), "advanced within A's step");
        assertEquals(List.of("element " + local, "timer " + (local + 1)), log);
        assertEquals(0, selfRing.producerPosition(), "the ring to this thread's instance is not used");
    }
}
