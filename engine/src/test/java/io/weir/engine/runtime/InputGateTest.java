package io.weir.engine.runtime;

import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
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
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The input gate stepped by hand: watermark minimum, barrier alignment, ended channels, input numbering. */
class InputGateTest
{
    private final List<String> seen = new ArrayList<>();
    private final ExpandableArrayBuffer scratch = new ExpandableArrayBuffer(64);
    private InputGate gate;

    private final InputGate.Handler handler = new InputGate.Handler()
    {
        public void onEvent(final DirectBuffer buffer, final int index, final int length)
        {
            seen.add("event " + buffer.getLong(index + RecordDescriptor.TIMESTAMP_OFFSET) + " input " +
                gate.currentInput() + " channel " + gate.currentChannel());
        }

        public void onWatermark(final long watermark)
        {
            seen.add("watermark " + (watermark == Long.MAX_VALUE ? "max" : Long.toString(watermark)));
        }

        public void onBarrierAligned(final long checkpointId, final int flags)
        {
            seen.add("aligned " + checkpointId + " flags " + flags);
        }

        public void onIdle()
        {
            seen.add("idle");
        }
    };

    private OneToOneRingBuffer[] rings(final int channels, final int[] inputs)
    {
        final AtomicBuffer[] buffers = new AtomicBuffer[channels];
        final OneToOneRingBuffer[] writers = new OneToOneRingBuffer[channels];
        for (int c = 0; c < channels; c++)
        {
            buffers[c] = new UnsafeBuffer(ByteBuffer.allocateDirect(4096 + RingBufferDescriptor.TRAILER_LENGTH));
            writers[c] = new OneToOneRingBuffer(buffers[c]);
        }
        gate = new InputGate("test stage", buffers, inputs, 100, handler, null, 0);
        return writers;
    }

    private void event(final OneToOneRingBuffer ring, final long watermark, final long timestamp)
    {
        scratch.putLong(RecordDescriptor.WATERMARK_OFFSET, watermark);
        scratch.putLong(RecordDescriptor.TIMESTAMP_OFFSET, timestamp);
        scratch.putInt(RecordDescriptor.KEY_GROUP_OFFSET, 0);
        scratch.putInt(RecordDescriptor.KEY_LENGTH_OFFSET, 0);
        assertTrue(ring.write(RecordDescriptor.EVENT_MSG_TYPE, scratch, 0, RecordDescriptor.EVENT_HEADER_LENGTH));
    }

    private void watermark(final OneToOneRingBuffer ring, final long watermark)
    {
        scratch.putLong(RecordDescriptor.WATERMARK_OFFSET, watermark);
        assertTrue(ring.write(RecordDescriptor.WATERMARK_MSG_TYPE, scratch, 0, 8));
    }

    private void barrier(final OneToOneRingBuffer ring, final long checkpointId, final int flags)
    {
        scratch.putLong(RecordDescriptor.BARRIER_CHECKPOINT_ID_OFFSET, checkpointId);
        scratch.putInt(RecordDescriptor.BARRIER_FLAGS_OFFSET, flags);
        assertTrue(ring.write(RecordDescriptor.BARRIER_MSG_TYPE, scratch, 0, RecordDescriptor.BARRIER_LENGTH));
    }

    private static void end(final OneToOneRingBuffer ring)
    {
        assertTrue(ring.write(RecordDescriptor.END_OF_INPUT_MSG_TYPE, new UnsafeBuffer(new byte[0]), 0, 0));
    }

    @Test
    void watermarkIsTheMinimumOverChannelsAndAnEndedChannelCountsAsInfinite()
    {
        final OneToOneRingBuffer[] in = rings(3, null);
        watermark(in[0], 10);
        watermark(in[1], 5);
        gate.read();
        assertEquals(List.of(), seen, "channel 2 has no watermark yet");
        watermark(in[2], 7);
        gate.read();
        assertEquals(List.of("watermark 5"), seen);
        seen.clear();
        event(in[1], 20, 21);
        gate.read();
        assertEquals(List.of("watermark 7", "event 21 input 0 channel 1"), seen, "the event's watermark first");
        seen.clear();
        end(in[2]);
        gate.read();
        assertEquals(List.of("watermark 10"), seen);
        assertFalse(gate.isEnded());
        seen.clear();
        end(in[0]);
        end(in[1]);
        gate.read();
        assertEquals(List.of("watermark 20", "watermark max"), seen);
        assertTrue(gate.isEnded());
    }

    @Test
    void aChannelAtABarrierIsNotReadUntilEveryOpenChannelHasIt()
    {
        final OneToOneRingBuffer[] in = rings(2, null);
        barrier(in[0], 1, 0);
        event(in[0], 0, 100); // after the barrier: held back
        event(in[1], 0, 200); // before the barrier: read
        gate.read();
        assertEquals(List.of("event 200 input 0 channel 1"), seen, "channel 0's watermark is behind its barrier");
        seen.clear();
        gate.read();
        gate.read();
        assertEquals(List.of(), seen, "channel 0 stays blocked");
        assertFalse(gate.inputPending(), "a blocked channel's records are not pending input");
        barrier(in[1], 1, RecordDescriptor.BARRIER_FLAG_FULL);
        gate.read();
        assertEquals(List.of("aligned 1 flags 0"), seen);
        seen.clear();
        gate.read();
        assertEquals(List.of("watermark 0", "event 100 input 0 channel 0"), seen);
    }

    @Test
    void anEndedChannelCountsAsAligned()
    {
        final OneToOneRingBuffer[] in = rings(3, null);
        barrier(in[0], 4, 0);
        end(in[1]);
        gate.read();
        assertEquals(List.of(), seen, "channel 2 is open and has not sent the barrier");
        end(in[2]);
        gate.read();
        assertEquals(List.of("aligned 4 flags 0"), seen);
        seen.clear();
        // a channel that ends while at the barrier of the next checkpoint: the others align it alone
        barrier(in[0], 5, 0);
        gate.read();
        assertEquals(List.of("aligned 5 flags 0"), seen, "the only open channel aligns alone");
    }

    @Test
    void aChannelThatEndsWhileOthersWaitAtABarrierCompletesTheAlignment()
    {
        final OneToOneRingBuffer[] in = rings(2, null);
        barrier(in[0], 9, 0);
        gate.read();
        assertEquals(List.of(), seen);
        end(in[1]);
        gate.read();
        assertEquals(List.of("aligned 9 flags 0"), seen);
        assertFalse(gate.isEnded());
    }

    @Test
    void channelsReportTheirInput()
    {
        final OneToOneRingBuffer[] in = rings(3, new int[] {0, 1, 1});
        event(in[2], 0, 1);
        event(in[0], 0, 2);
        gate.read();
        assertEquals(List.of("event 2 input 0 channel 0", "event 1 input 1 channel 2"), seen,
            "no watermark while channel 1 has none");
    }

    /** A producer's element count, stepped by the test. */
    private static final class Offered implements InputGate.SourceActivity
    {
        long count;

        public long elementsOffered()
        {
            return count;
        }
    }

    @Test
    void anIdleChannelIsLeftOutOfTheMinimumUntilItProducesAndCatchesUp()
    {
        final OneToOneRingBuffer[] in = rings(3, null);
        final Offered stalled = new Offered();
        final Offered busy = new Offered();
        gate.idleTimeout(0, stalled, 100);
        gate.idleTimeout(1, busy, 100);
        // channel 2 (an upstream stage instance) never goes idle
        event(in[0], 10, 4_000);
        stalled.count++;
        watermark(in[1], 20);
        busy.count++;
        watermark(in[2], 30);
        gate.read();
        assertEquals(0, gate.checkIdleness(1_000));
        assertEquals(List.of("event 4000 input 0 channel 0", "watermark 10"), seen);
        seen.clear();

        busy.count++;
        watermark(in[1], 40);
        gate.read();
        assertEquals(0, gate.checkIdleness(1_099), "99 ms without an element: not idle yet");
        assertEquals(List.of(), seen, "the stalled channel holds the watermark at 10");
        assertEquals(1, gate.checkIdleness(1_100), "100 ms without an element: idle");
        assertTrue(gate.isIdle(0));
        assertFalse(gate.isIdle(1), "channel 1's producer offered at 1_099");
        assertEquals(List.of("watermark 30"), seen, "the minimum over channels 1 and 2");
        seen.clear();

        busy.count++;
        watermark(in[1], 60);
        watermark(in[2], 50);
        gate.read();
        gate.checkIdleness(1_150);
        assertEquals(List.of("watermark 50"), seen);
        seen.clear();

        // the stalled producer offers again: active, but its watermark 15 is behind the gate's 50
        stalled.count++;
        event(in[0], 15, 4_001);
        assertEquals(0, gate.checkIdleness(1_160));
        assertFalse(gate.isIdle(0), "an element offered: active again");
        gate.read();
        assertEquals(List.of("event 4001 input 0 channel 0"), seen, "a lagging channel does not move it back");
        seen.clear();
        watermark(in[2], 70);
        gate.read();
        assertEquals(List.of("watermark 60"), seen, "channel 0 still lags (15 < 50): channels 1 and 2 decide");
        seen.clear();
        watermark(in[0], 65);
        gate.read();
        assertEquals(List.of(), seen, "channel 0 caught up (65 >= 60) and counts again: the minimum stays 60");
        busy.count++;
        watermark(in[1], 80);
        gate.read();
        assertEquals(List.of("watermark 65"), seen, "channel 0 holds it back again, as an active channel does");
    }

    @Test
    void whileEveryChannelIsIdleTheWatermarkStays()
    {
        final OneToOneRingBuffer[] in = rings(2, null);
        final Offered first = new Offered();
        final Offered second = new Offered();
        gate.idleTimeout(0, first, 50);
        gate.idleTimeout(1, second, 50);
        watermark(in[0], 5);
        watermark(in[1], 7);
        first.count++;
        second.count++;
        gate.read();
        gate.checkIdleness(0);
        assertEquals(List.of("watermark 5"), seen);
        seen.clear();
        watermark(in[1], 9);
        assertEquals(1, gate.checkIdleness(60), "channel 0 idle: 60 ms without an element");
        assertFalse(gate.isIdle(1), "unread input is never idleness, even past the timeout");
        assertEquals(List.of("watermark 7"), seen, "channel 1 alone counts");
        seen.clear();
        gate.read();
        assertEquals(List.of("watermark 9"), seen);
        seen.clear();
        assertEquals(0, gate.checkIdleness(109));
        assertEquals(1, gate.checkIdleness(110), "channel 1 idle: 50 ms since its input was seen");
        assertEquals(List.of("idle"), seen, "no channel counts: the watermark stays at 9, the stage goes idle");
        assertFalse(gate.isEnded());
    }

    private static void idle(final OneToOneRingBuffer ring)
    {
        assertTrue(ring.write(RecordDescriptor.IDLE_MSG_TYPE, new UnsafeBuffer(new byte[0]), 0, 0));
    }

    @Test
    void anUpstreamInstanceThatSaysIdleIsLeftOutUntilItsNextWatermarkAndTheStageGoesIdleWithItsLastChannel()
    {
        final OneToOneRingBuffer[] in = rings(3, null);
        watermark(in[0], 10);
        watermark(in[1], 20);
        watermark(in[2], 30);
        gate.read();
        assertEquals(List.of("watermark 10"), seen);
        seen.clear();

        idle(in[0]);
        gate.read();
        assertEquals(List.of("watermark 20"), seen, "channel 0 left out of the minimum");
        seen.clear();
        idle(in[1]);
        gate.read();
        assertEquals(List.of("watermark 30"), seen);
        seen.clear();
        idle(in[2]);
        idle(in[2]);
        gate.read();
        assertEquals(List.of("idle"), seen, "every channel idle: the watermark stays, the stage is told once");
        seen.clear();

        watermark(in[2], 50);
        gate.read();
        assertEquals(List.of("watermark 50"), seen, "a watermark: channel 2 active again");
        seen.clear();
        idle(in[2]);
        gate.read();
        assertEquals(List.of("idle"), seen, "idle again after being active: told again");
        seen.clear();

        event(in[0], 40, 4_000);
        gate.read();
        assertEquals(List.of("event 4000 input 0 channel 0"), seen, "active, but behind the gate's 50: left out");
        seen.clear();
        watermark(in[0], 60);
        gate.read();
        assertEquals(List.of("watermark 60"), seen, "caught up: channel 0 counts again, alone");
    }
}
