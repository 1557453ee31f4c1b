package io.weir.engine.runtime;

import io.weir.state.spi.StateKeyDescriptor;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

@Timeout(60)
class EventLookaheadTest
{
    private static final int CAPACITY = 4096;

    private final OneToOneRingBuffer ring = new OneToOneRingBuffer(
        new UnsafeBuffer(ByteBuffer.allocateDirect(CAPACITY + RingBufferDescriptor.TRAILER_LENGTH)));
    private final UnsafeBuffer message = new UnsafeBuffer(new byte[256]);
    private final EventLookahead lookahead = new EventLookahead(64);

    @Test
    void shouldCollectTheStoreKeyOfEachEventForEachStateInRingOrderWithoutConsumingIt()
    {
        event(5, 1001);
        event(9, 1002);
        event(700, 1003);
        final int[] states = { 1, 4 };

        assertEquals(6, lookahead.collect(ring, 16, states, 2));

        assertEquals(List.of("5/1/1001", "5/4/1001", "9/1/1002", "9/4/1002", "700/1/1003", "700/4/1003"),
            collected(6));
        final List<Long> read = new ArrayList<>();
        ring.read((type, buffer, index, length) ->
            read.add(buffer.getLong(index + RecordDescriptor.KEY_OFFSET, ByteOrder.BIG_ENDIAN)));
        assertEquals(List.of(1001L, 1002L, 1003L), read, "the shard still reads every event");
    }

    @Test
    void shouldPassWatermarksAndStopAtABarrier()
    {
        event(1, 1);
        watermark(10);
        event(2, 2);
        barrier(7);
        event(3, 3);

        assertEquals(2, lookahead.collect(ring, 16, new int[]{ 1 }, 1));

        assertEquals(List.of("1/1/1", "2/1/2"), collected(2));
        assertEquals(3, lookahead.messages(), "a read of 3 messages reads the two events and the watermark");
        assertEquals(1, lookahead.collect(ring, 1, new int[]{ 1 }, 1));
        assertEquals(1, lookahead.collect(ring, 2, new int[]{ 1 }, 1), "the watermark counts as a message");
        assertEquals(2, lookahead.messages());
    }

    @Test
    void shouldStopAtTheMessageLimitAndWhenTheNextEventsKeysDoNotFit()
    {
        for (int i = 0; i < 40; i++)
        {
            event(i, i);
        }
        assertEquals(5, lookahead.collect(ring, 5, new int[]{ 1 }, 1));
        assertEquals(List.of("0/1/0", "1/1/1", "2/1/2", "3/1/3", "4/1/4"), collected(5));
        // 64 keys at most: 21 events of three states fill 63, and a 22nd does not fit.
        assertEquals(63, lookahead.collect(ring, 40, new int[]{ 1, 2, 3 }, 3));
        assertEquals("20/3/20", collected(63).get(62));
    }

    @Test
    void shouldFollowTheRingAcrossItsEnd()
    {
        // Move the ring's positions near its end, so that the next events wrap (a padding record fills the end).
        final int eventRecordBytes = 48;
        final int fillers = (CAPACITY - 2 * eventRecordBytes) / eventRecordBytes;
        for (int i = 0; i < fillers; i++)
        {
            event(0, -1);
        }
        assertEquals(fillers, ring.read((type, buffer, index, length) -> {}, fillers));
        for (int i = 0; i < 6; i++)
        {
            event(i, 100 + i);
        }
        assertTrue(ring.producerPosition() / CAPACITY > ring.consumerPosition() / CAPACITY, "the events wrap");

        assertEquals(6, lookahead.collect(ring, 16, new int[]{ 2 }, 1));

        assertEquals(List.of("0/2/100", "1/2/101", "2/2/102", "3/2/103", "4/2/104", "5/2/105"), collected(6));
    }

    @Test
    void shouldPassAnEventWithAKeyTooLongToCollectWithoutItsKey()
    {
        event(1, 1);
        final byte[] longKey = new byte[EventLookahead.MAX_KEY_LENGTH + 1];
        write(RecordDescriptor.EVENT_MSG_TYPE, 2, longKey);
        event(3, 3);

        assertEquals(2, lookahead.collect(ring, 16, new int[]{ 1 }, 1));

        assertEquals(List.of("1/1/1", "3/1/3"), collected(2));
        assertEquals(3, lookahead.messages(), "the shard reads all three");
    }

    @Test
    void shouldStopAtARecordTheProducerHasClaimedButNotCommitted()
    {
        event(1, 1);
        final int claimed = ring.tryClaim(RecordDescriptor.EVENT_MSG_TYPE, 40);
        assertTrue(claimed > 0);
        event(3, 3);

        assertEquals(1, lookahead.collect(ring, 16, new int[]{ 1 }, 1));
        assertEquals(1, lookahead.messages());

        writeEventAt(claimed, 2, 2);
        ring.commit(claimed);
        assertEquals(3, lookahead.collect(ring, 16, new int[]{ 1 }, 1));
        assertEquals(List.of("1/1/1", "2/1/2", "3/1/3"), collected(3));
    }

    @Test
    void shouldPassAClaimTheProducerAborted()
    {
        event(1, 1);
        final int claimed = ring.tryClaim(RecordDescriptor.EVENT_MSG_TYPE, 40);
        ring.abort(claimed);
        event(3, 3);

        assertEquals(2, lookahead.collect(ring, 16, new int[]{ 1 }, 1));
        assertEquals(List.of("1/1/1", "3/1/3"), collected(2));
        assertEquals(2, lookahead.messages(), "an aborted claim is padding, which a read does not count");
    }

    @Test
    void shouldCollectNothingFromAnEmptyRing()
    {
        assertEquals(0, lookahead.collect(ring, 16, new int[]{ 1 }, 1));
    }

    private void event(final int keyGroup, final long key)
    {
        final byte[] keyBytes = new byte[Long.BYTES];
        new UnsafeBuffer(keyBytes).putLong(0, key, ByteOrder.BIG_ENDIAN);
        write(RecordDescriptor.EVENT_MSG_TYPE, keyGroup, keyBytes);
    }

    private void write(final int type, final int keyGroup, final byte[] key)
    {
        message.putLong(RecordDescriptor.WATERMARK_OFFSET, Long.MIN_VALUE);
        message.putLong(RecordDescriptor.TIMESTAMP_OFFSET, 0);
        message.putInt(RecordDescriptor.KEY_GROUP_OFFSET, keyGroup);
        message.putInt(RecordDescriptor.KEY_LENGTH_OFFSET, key.length);
        message.putBytes(RecordDescriptor.KEY_OFFSET, key);
        // A one-byte value, so that an event with an 8-byte key makes a 48-byte record with the ring's header.
        message.putByte(RecordDescriptor.KEY_OFFSET + key.length, (byte)1);
        assertTrue(ring.write(type, message, 0, RecordDescriptor.KEY_OFFSET + key.length + 1), "ring full");
    }

    private void writeEventAt(final int index, final int keyGroup, final long key)
    {
        final org.agrona.concurrent.AtomicBuffer buffer = ring.buffer();
        buffer.putLong(index + RecordDescriptor.WATERMARK_OFFSET, Long.MIN_VALUE);
        buffer.putLong(index + RecordDescriptor.TIMESTAMP_OFFSET, 0);
        buffer.putInt(index + RecordDescriptor.KEY_GROUP_OFFSET, keyGroup);
        buffer.putInt(index + RecordDescriptor.KEY_LENGTH_OFFSET, Long.BYTES);
        buffer.putLong(index + RecordDescriptor.KEY_OFFSET, key, ByteOrder.BIG_ENDIAN);
    }

    private void watermark(final long watermark)
    {
        message.putLong(0, watermark);
        assertTrue(ring.write(RecordDescriptor.WATERMARK_MSG_TYPE, message, 0, Long.BYTES));
    }

    private void barrier(final long checkpointId)
    {
        message.putLong(RecordDescriptor.BARRIER_CHECKPOINT_ID_OFFSET, checkpointId);
        message.putInt(RecordDescriptor.BARRIER_FLAGS_OFFSET, 0);
        assertTrue(ring.write(RecordDescriptor.BARRIER_MSG_TYPE, message, 0, RecordDescriptor.BARRIER_LENGTH));
    }

    /** The collected keys as "keyGroup/stateId/key", checking each key's length. */
    private List<String> collected(final int count)
    {
        final List<String> keys = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            final int at = i * EventLookahead.KEY_STRIDE_BYTES;
            final UnsafeBuffer k = new UnsafeBuffer(lookahead.keys(), at, EventLookahead.KEY_STRIDE_BYTES);
            final int keyLength = k.getShort(StateKeyDescriptor.KEY_LENGTH_OFFSET, ByteOrder.BIG_ENDIAN);
            assertEquals(StateKeyDescriptor.KEY_OFFSET + keyLength, lookahead.lengths()[i], "length of key " + i);
            keys.add(StateKeyDescriptor.keyGroup(k) + "/" + StateKeyDescriptor.stateId(k) + "/" +
                k.getLong(StateKeyDescriptor.KEY_OFFSET, ByteOrder.BIG_ENDIAN));
        }
        return keys;
    }
}
