package io.weir.state.spi;

import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SmallCopyTest
{
    private static final int SIZE = 64;

    @Test
    void shouldCopyExactlyTheRangeForEveryLengthAndOffsetBetweenHeapAndDirectBuffers()
    {
        final UnsafeBuffer[] buffers = {
            new UnsafeBuffer(new byte[SIZE]),
            new UnsafeBuffer(BufferUtil.allocateDirectAligned(SIZE, 8)) };
        for (final UnsafeBuffer src : buffers)
        {
            for (final UnsafeBuffer dst : buffers)
            {
                if (src == dst)
                {
                    continue;
                }
                for (int length = 0; length <= 24; length++)
                {
                    for (int srcIndex = 0; srcIndex <= 7; srcIndex++)
                    {
                        for (int dstIndex = 0; dstIndex <= 7; dstIndex++)
                        {
                            fill(src, 1);
                            fill(dst, 101);
                            SmallCopy.copy(dst, dstIndex, src, srcIndex, length);
                            for (int i = 0; i < SIZE; i++)
                            {
                                final boolean copied = i >= dstIndex && i < dstIndex + length;
                                final int expected = copied ? 1 + srcIndex + i - dstIndex : 101 + i;
                                assertEquals((byte)expected, dst.getByte(i), "byte " + i + " after copying " +
                                    length + " bytes from " + srcIndex + " to " + dstIndex);
                            }
                        }
                    }
                }
            }
        }
    }

    private static void fill(final UnsafeBuffer buffer, final int first)
    {
        for (int i = 0; i < SIZE; i++)
        {
            buffer.putByte(i, (byte)(first + i));
        }
    }
}
