package io.weir.tools.snapshot;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;

class CodecFormatsTest
{
    private static final ByteOrder BIG = ByteOrder.BIG_ENDIAN;
    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[128]);

    private static UnsafeBuffer bytes(final UnsafeBuffer buffer, final int... accumulator)
    {
        for (int i = 0; i < accumulator.length; i++)
        {
            buffer.putByte(16 + i, (byte)accumulator[i]);
        }
        return buffer;
    }

    @Test
    void rendersASlidingWindowsSlicesWithTheirAccumulatorCodec()
    {
        buffer.putInt(0, 2, BIG);
        buffer.putLong(4, 0, BIG);
        buffer.putInt(12, 8, BIG);
        buffer.putLong(16, 5, BIG);
        buffer.putLong(24, 2000, BIG);
        buffer.putInt(32, 8, BIG);
        buffer.putLong(36, 7, BIG);
        assertEquals("[slice 0: 5, slice 2000: 7]", CodecFormats.format("weir-slice-set-v1(long)", buffer, 0, 44));
    }

    @Test
    void rendersSessionsWithAnAccumulatorItDoesNotKnowInHex()
    {
        buffer.putInt(0, 1, BIG);
        buffer.putLong(4, 0, BIG);
        buffer.putLong(12, 10, BIG);
        buffer.putLong(20, 0, BIG);
        buffer.putInt(28, 2, BIG);
        buffer.putByte(32, (byte)0xab);
        buffer.putByte(33, (byte)0xcd);
        assertEquals("[[0, 10): abcd]", CodecFormats.format("weir-session-state-v1(my-accumulator)", buffer, 0, 34));
    }

    @Test
    void rendersAWindowStateThatDoesNotFitItsLayoutInHex()
    {
        buffer.putInt(0, 3, BIG);
        assertEquals("00000003", CodecFormats.format("weir-slice-set-v1(long)", buffer, 0, 4));
        assertEquals("0000", CodecFormats.format("weir-slice-set-v1()", buffer, 0, 2), "not a window state id");
        // One slice whose long accumulator was stored with 3 bytes, in a buffer with more after it.
        buffer.putInt(0, 1, BIG);
        buffer.putLong(4, 0, BIG);
        buffer.putInt(12, 3, BIG);
        buffer.putLong(16, -1L, BIG);
        assertEquals("000000010000000000000000000000030102ff",
            CodecFormats.format("weir-slice-set-v1(long)", bytes(buffer, 0x01, 0x02, 0xff), 0, 19));
    }
}
