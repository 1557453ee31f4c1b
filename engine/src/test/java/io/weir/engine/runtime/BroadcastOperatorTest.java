package io.weir.engine.runtime;

import io.weir.engine.WeirContext;
import io.weir.api.KeyedBroadcastProcessFunction;
import io.weir.api.RuntimeContext;
import io.weir.api.codec.LongCodec;
import io.weir.api.codec.StringCodec;
import io.weir.api.functions.Collector;
import io.weir.api.functions.OutputTag;
import io.weir.api.state.BroadcastState;
import io.weir.api.state.LongValueState;
import io.weir.api.state.LongValueStateDescriptor;
import io.weir.api.state.MapStateDescriptor;
import io.weir.api.state.ReadOnlyBroadcastState;
import io.weir.engine.runtime.snapshot.ShardSnapshotPoint;
import io.weir.engine.state.StateIds;
import io.weir.snapshot.BroadcastStateDescriptor;
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
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A keyed broadcast stage stepped by hand: channel 0 is the keyed input, channel 1 the broadcast input. Broadcast
 * state is read-write for broadcast elements and read-only for keyed ones, {@code applyToKeyedState} visits every
 * key, and instance 0's snapshot point carries the broadcast state.
 */
class BroadcastOperatorTest
{
    static final MapStateDescriptor<String, Long> RULES =
        new MapStateDescriptor<>("rules", StringCodec.INSTANCE, LongCodec.INSTANCE);
    static final LongValueStateDescriptor SUM = new LongValueStateDescriptor("sum");

    private final Stage stage = new Stage(0);
    private final List<String> log = stage.log;
    private final OperatorChain<Long, Long, String> chain = stage.chain;

    /**
     * Keyed elements: add to the key's sum, and emit it if it reaches the "limit" rule. Broadcast elements: a
     * negative value resets every key's sum to 0, any other sets the "limit" rule.
     */
    static final class LimitFunction extends KeyedBroadcastProcessFunction<Long, Long, Long, String>
    {
        private LongValueState sum;

        public void open(final RuntimeContext runtimeContext)
        {
            sum = runtimeContext.getLongState(SUM);
        }

        public void processElement(final Long value, final ReadOnlyContext ctx, final Collector<String> out)
        {
            final ReadOnlyBroadcastState<String, Long> rules = ctx.getBroadcastState(RULES);
            sum.update(sum.valueOr(0) + value);
            final Long limit = rules.get("limit");
            if (null == limit)
            {
                out.collect("key " + ctx.getCurrentKey() + " sum " + sum.valueOr(0) + " no limit");
            }
            else if (sum.valueOr(0) >= limit)
            {
                out.collect("key " + ctx.getCurrentKey() + " sum " + sum.valueOr(0) + " >= " + limit);
            }
            if (value == 666)
            {
                try
                {
                    ((BroadcastState<String, Long>)rules).put("limit", 0L);
                    out.collect("changed the rules from a keyed element");
                }
                catch (final ClassCastException ex)
                {
                    out.collect("read-only: no put");
                }
                try
                {
                    rules.clear();
                    out.collect("cleared the rules from a keyed element");
                }
                catch (final UnsupportedOperationException ex)
                {
                    out.collect("read-only: " + ex.getMessage());
                }
            }
        }

        public void processBroadcastElement(final Long value, final Context ctx, final Collector<String> out)
            throws Exception
        {
            if (value < 0)
            {
                ctx.applyToKeyedState(SUM, (Long key, LongValueState state) ->
                {
                    out.collect("reset key " + key + " from " + state.valueOr(0));
                    state.clear();
                });
            }
            else
            {
                ctx.getBroadcastState(RULES).put("limit", value);
                out.collect("limit " + value);
            }
        }
    }

    /** One stage instance with its two input rings. */
    static final class Stage
    {
        final List<String> log = new ArrayList<>();
        final ExpandableArrayBuffer scratch = new ExpandableArrayBuffer(64);
        final OneToOneRingBuffer keyed;
        final OneToOneRingBuffer broadcast;
        final OperatorChain<Long, Long, String> chain;

        Stage(final int shardId)
        {
            final AtomicBuffer keyedRing = ring();
            final AtomicBuffer broadcastRing = ring();
            keyed = new OneToOneRingBuffer(keyedRing);
            broadcast = new OneToOneRingBuffer(broadcastRing);
            final Collector<String> out = log::add;
            final OutputGate<String> output = new OutputGate<>(out, new OutputTag<?>[0], new Collector<?>[0],
                new io.weir.api.connector.SinkWriter<?>[0], new ChannelOutput[0], false);
            final WeirContext ctx = new WeirContext().shards(2).prefetchEvents(0);
            final ShardCheckpointHandler handler = (instance, checkpointId, flags) -> log.add("snapshot " + checkpointId);
            @SuppressWarnings({"unchecked", "rawtypes"})
            final io.weir.api.KeyedProcessFunction<Long, Long, String> function =
                (io.weir.api.KeyedProcessFunction)new BroadcastProcessOperator<>(new LimitFunction(), List.of(RULES));
            chain = new OperatorChain<>("broadcast stage", shardId, shardId, 2,
                new AtomicBuffer[] {keyedRing, broadcastRing}, new int[] {0, 1}, ChainFixtures.settings(ctx), LongCodec.INSTANCE,
                LongCodec.INSTANCE, LongCodec.INSTANCE, function, new HeapStateBackend().createStore(shardId, 16), output,
                handler, new StateIds());
            chain.open();
        }

        static AtomicBuffer ring()
        {
            return new UnsafeBuffer(ByteBuffer.allocateDirect(64 * 1024 + RingBufferDescriptor.TRAILER_LENGTH));
        }

        void close()
        {
            final JobStatus status = new JobStatus("test");
            chain.close(status);
            chain.closeStore(status);
            ChainFixtures.checkNotFailed(status);
        }

        void keyed(final long key, final long value)
        {
            scratch.putLong(RecordDescriptor.WATERMARK_OFFSET, 0);
            scratch.putLong(RecordDescriptor.TIMESTAMP_OFFSET, 0);
            scratch.putInt(RecordDescriptor.KEY_GROUP_OFFSET, 0);
            scratch.putInt(RecordDescriptor.KEY_LENGTH_OFFSET, 8);
            LongCodec.INSTANCE.encode(key, scratch, RecordDescriptor.KEY_OFFSET);
            LongCodec.INSTANCE.encode(value, scratch, RecordDescriptor.KEY_OFFSET + 8);
            keyed.write(RecordDescriptor.EVENT_MSG_TYPE, scratch, 0, RecordDescriptor.KEY_OFFSET + 16);
        }

        void broadcast(final long value)
        {
            scratch.putLong(RecordDescriptor.WATERMARK_OFFSET, 0);
            scratch.putLong(RecordDescriptor.TIMESTAMP_OFFSET, 0);
            scratch.putInt(RecordDescriptor.KEY_GROUP_OFFSET, 0);
            scratch.putInt(RecordDescriptor.KEY_LENGTH_OFFSET, 0);
            LongCodec.INSTANCE.encode(value, scratch, RecordDescriptor.KEY_OFFSET);
            broadcast.write(RecordDescriptor.EVENT_MSG_TYPE, scratch, 0, RecordDescriptor.KEY_OFFSET + 8);
        }

    }

    @AfterEach
    void close()
    {
        stage.close();
    }

    private void keyed(final long key, final long value)
    {
        stage.keyed(key, value);
    }

    private void broadcast(final long value)
    {
        stage.broadcast(value);
    }

    @Test
    void keyedElementsSeeTheRulesOfTheBroadcastElementsBeforeThem()
    {
        keyed(1, 5);
        chain.doWork(0);
        broadcast(10);
        chain.doWork(0);
        keyed(1, 5);
        keyed(2, 4);
        chain.doWork(0);
        broadcast(4);
        chain.doWork(0);
        keyed(2, 1);
        chain.doWork(0);
        assertEquals(List.of("key 1 sum 5 no limit", "limit 10", "key 1 sum 10 >= 10", "limit 4",
            "key 2 sum 5 >= 4"), log);
    }

    @Test
    void applyToKeyedStateVisitsEveryKeyThatHasTheState()
    {
        keyed(1, 5);
        keyed(2, 7);
        keyed(3, 9);
        chain.doWork(0);
        log.clear();
        broadcast(-1);
        chain.doWork(0);
        assertEquals(List.of("reset key 1 from 5", "reset key 2 from 7", "reset key 3 from 9"),
            log.stream().sorted().toList());
        log.clear();
        broadcast(1);
        chain.doWork(0);
        keyed(2, 1);
        chain.doWork(0);
        assertEquals(List.of("limit 1", "key 2 sum 1 >= 1"), log, "the reset cleared the sums");
        log.clear();
        broadcast(-1);
        chain.doWork(0);
        assertEquals(List.of("reset key 2 from 1"), log, "a cleared key has no state any more");
    }

    @Test
    void keyedElementsCannotChangeTheBroadcastState()
    {
        broadcast(3);
        chain.doWork(0);
        keyed(1, 666);
        chain.doWork(0);
        assertEquals(List.of("limit 3", "key 1 sum 666 >= 3", "read-only: no put",
            "read-only: broadcast state 'rules' is read-only in processElement and onTimer; change it in " +
            "processBroadcastElement"), log);
        keyed(1, 1);
        chain.doWork(0);
        assertEquals("key 1 sum 667 >= 3", log.get(log.size() - 1), "the rules are unchanged");
    }

    @Test
    void instanceZerosSnapshotPointCarriesTheBroadcastStateAndOthersDoNot()
    {
        broadcast(42);
        chain.doWork(0);
        final ShardSnapshotPoint point = chain.takeSnapshotPoint(1, RecordDescriptor.BARRIER_FLAG_FULL, 0);
        assertNotNull(point.broadcastState());
        final int keyLength = point.broadcastState().getInt(0);
        assertEquals("rules", BroadcastStateDescriptor.name(point.broadcastState(), Integer.BYTES, keyLength));
        final int userKey = BroadcastStateDescriptor.userKeyOffset(point.broadcastState(), Integer.BYTES, keyLength);
        assertEquals("limit", StringCodec.INSTANCE.decode(point.broadcastState(), userKey,
            keyLength - (userKey - Integer.BYTES), null));
        final int valueAt = Integer.BYTES + keyLength;
        assertEquals(42L, LongCodec.INSTANCE.decode(point.broadcastState(), valueAt + Integer.BYTES,
            point.broadcastState().getInt(valueAt), null));
        assertEquals(valueAt + Integer.BYTES + 8, point.broadcastStateLength());
        point.storeSnapshot().release();

        final Stage other = new Stage(1);
        try
        {
            other.broadcast(42);
            other.chain.doWork(0);
            final ShardSnapshotPoint otherPoint = other.chain.takeSnapshotPoint(1, RecordDescriptor.BARRIER_FLAG_FULL, 0);
            assertNull(otherPoint.broadcastState(), "instance 1 holds the same copy: it is not written twice");
            otherPoint.storeSnapshot().release();
        }
        finally
        {
            other.close();
        }
    }

    @Test
    void theBroadcastStateIsAMapWithoutAllocationOnRead()
    {
        final HeapBroadcastState<String, Long> state = new HeapBroadcastState<>(RULES);
        state.put("a", 1L);
        state.put("b", 2L);
        assertEquals(2L, state.readOnly().get("b"));
        int entries = 0;
        for (final Map.Entry<String, Long> ignored : state.readOnly().immutableEntries())
        {
            entries++;
        }
        assertEquals(2, entries);
        state.remove("a");
        assertEquals(false, state.contains("a"));
    }

    @Test
    void aBroadcastValueWhoseCodecWritesLessThanItDeclaredFailsItsSnapshotNamingTheCodec()
    {
        final io.weir.engine.MisdeclaringCodec<Long> codec =
            new io.weir.engine.MisdeclaringCodec<>("short-for-2", LongCodec.INSTANCE, v -> v == 2, -4);
        final HeapBroadcastState<String, Long> state =
            new HeapBroadcastState<>(new MapStateDescriptor<>("rules", StringCodec.INSTANCE, codec));
        state.put("a", 1L);
        final org.agrona.ExpandableArrayBuffer out = new org.agrona.ExpandableArrayBuffer(64);
        final int oneEntry = state.encode(out, 0);
        assertEquals(2 * Integer.BYTES + BroadcastStateDescriptor.NAME_OFFSET + "rules".length() + 1 + Long.BYTES,
            oneEntry, "[keyLength][name, key 'a'][valueLength][value]");
        state.put("b", 2L);
        final IllegalStateException refused = assertThrows(IllegalStateException.class, () -> state.encode(out, 0));
        assertEquals(EncodedLengths.mismatch(codec, 8, 4).getMessage(), refused.getMessage());
    }
}
