package io.weir.engine.runtime.window;

import io.weir.api.codec.LongCodec;
import org.agrona.ExpandableArrayBuffer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SessionStateCodecTest
{
    private final SessionStateCodec<Long> codec = new SessionStateCodec<>(LongCodec.INSTANCE);
    private final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(256);

    private static String describe(final SessionState<Long> state)
    {
        final StringBuilder text = new StringBuilder();
        for (int i = 0; i < state.windows.size(); i++)
        {
            text.append('[').append(state.windows.start(i)).append(',').append(state.windows.end(i)).append(")@")
                .append(state.windows.stateNamespace(i)).append('=')
                .append(state.accumulator(state.windows.stateNamespace(i))).append(' ');
        }
        return text.toString().trim();
    }

    @Test
    void roundTripsWindowsWithTheirAccumulatorsAndWithout()
    {
        final SessionState<Long> state = new SessionState<>(1);
        state.windows.append(-500, 100, -500);
        state.windows.append(200, 900, 250);
        state.windows.append(1000, 1200, 1000);
        state.accumulator(-500L, 7L);
        state.accumulator(250L, Long.MIN_VALUE);
        final int length = codec.encode(state, buffer, 5);
        assertEquals(codec.encodedLength(state), length);
        final SessionState<Long> decoded = codec.decode(buffer, 5, length, null);
        assertEquals("[-500,100)@-500=7 [200,900)@250=" + Long.MIN_VALUE + " [1000,1200)@1000=null", describe(decoded));
        assertEquals("[[-500, 100): 7, [200, 900): " + Long.MIN_VALUE + ", [1000, 1200): none]",
            codec.format(buffer, 5, length));
        assertTrue(codec.id().startsWith("weir-session-state-v1("), codec.id());
    }

    @Test
    void decodesIntoAReusedStateDroppingWhatItHeld()
    {
        final SessionState<Long> reused = new SessionState<>(4);
        reused.windows.append(1, 2, 1);
        reused.windows.append(3, 4, 3);
        reused.accumulator(1L, 10L);
        reused.accumulator(3L, 30L);

        final SessionState<Long> one = new SessionState<>(1);
        one.windows.append(50, 60, 55);
        one.accumulator(55L, 5L);
        final int length = codec.encode(one, buffer, 0);
        assertSame(reused, codec.decode(buffer, 0, length, reused));
        assertEquals("[50,60)@55=5", describe(reused));
        assertNull(reused.accumulator(1L), "the accumulators it held are gone");
        assertNull(reused.accumulator(3L));
    }

    @Test
    void keepsAccumulatorsByNamespaceThroughRemovals()
    {
        final SessionState<Long> state = new SessionState<>(1);
        for (long ns = 0; ns < 5; ns++)
        {
            state.accumulator(ns, ns * 10);
        }
        assertEquals(20L, state.removeAccumulator(2));
        assertNull(state.removeAccumulator(2));
        state.accumulator(4L, 44L);
        assertEquals(44L, state.accumulator(4));
        assertEquals(30L, state.accumulator(3));
        assertEquals(0L, state.accumulator(0));
    }

    @Test
    void refusesCorruptValuesNamingWhatIsWrong()
    {
        final SessionState<Long> state = new SessionState<>(1);
        state.windows.append(0, 10, 0);
        state.accumulator(0L, 1L);
        final int length = codec.encode(state, buffer, 0);
        final IllegalStateException cut =
            assertThrows(IllegalStateException.class, () -> codec.decode(buffer, 0, length - 1, null));
        assertTrue(cut.getMessage().contains("window 0 has an accumulator of 8 bytes"), cut.getMessage());
        final IllegalStateException trailing =
            assertThrows(IllegalStateException.class, () -> codec.decode(buffer, 0, length + 2, null));
        assertTrue(trailing.getMessage().contains("2 bytes after the last accumulator"), trailing.getMessage());
        buffer.putInt(0, 1000, java.nio.ByteOrder.BIG_ENDIAN);
        final IllegalStateException count =
            assertThrows(IllegalStateException.class, () -> codec.decode(buffer, 0, length, null));
        assertTrue(count.getMessage().contains("a window count of 1000"), count.getMessage());
    }
}
