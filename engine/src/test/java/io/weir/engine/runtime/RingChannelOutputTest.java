package io.weir.engine.runtime;

import io.weir.api.codec.LongCodec;
import io.weir.engine.MisdeclaringCodec;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RingChannelOutputTest
{
    private static final long REFUSED = 99;

    @Test
    void aRecordRefusedWhileTheRingIsFullLeavesNothingInTheBacklog()
    {
        final OneToOneRingBuffer ring = new OneToOneRingBuffer(new UnsafeBuffer(
            ByteBuffer.allocateDirect(1024 + RingBufferDescriptor.TRAILER_LENGTH)));
        final MisdeclaringCodec<Long> codec =
            new MisdeclaringCodec<>("short-for-99", LongCodec.INSTANCE, v -> v == REFUSED, -4);
        final RingChannelOutput<Long> output = new RingChannelOutput<>("out", new AtomicBuffer[] {ring.buffer()},
            codec, KeyEncoder.ofLong(v -> 1L), 128, 64);
        output.timestamps(() -> 0L);
        long sent = 0;
        while (!output.hasBacklog())
        {
            output.collect(sent++);
        }
        output.collect(sent++); // a second record behind the full ring
        final IllegalStateException refused = assertThrows(IllegalStateException.class, () -> output.collect(REFUSED));
        assertEquals(EncodedLengths.mismatch(codec, 8, 4).getMessage(), refused.getMessage());

        final List<Long> received = new ArrayList<>();
        while (output.hasBacklog() || ring.size() > 0)
        {
            ring.read((msgTypeId, buffer, index, length) ->
            {
                if (msgTypeId == RecordDescriptor.EVENT_MSG_TYPE)
                {
                    final int keyLength = buffer.getInt(index + RecordDescriptor.KEY_LENGTH_OFFSET);
                    final int value = index + RecordDescriptor.KEY_OFFSET + keyLength;
                    received.add(LongCodec.INSTANCE.decode(buffer, value, index + length - value, null));
                }
            });
            output.drain();
        }
        assertEquals(sent, received.size(), "every record sent and none refused: " + received);
        assertFalse(received.contains(REFUSED));
        for (int i = 0; i < sent; i++)
        {
            assertEquals(i, received.get(i));
        }
    }
}
