package io.weir.state.spi;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Copies of a few bytes between buffers, for the keys a state operation moves. A buffer's {@code putBytes} calls the
 * JVM's memory-copy stub whatever the length, which costs more than the copy itself at these sizes: the stub took
 * 4-5% of a timer-heavy job's samples, most of it under the writing of composite keys. Any thread; the buffers
 * follow their own rules.
 */
public final class SmallCopy
{
    private SmallCopy()
    {
    }

    /**
     * Copies {@code src[srcIndex, srcIndex + length)} to {@code dst[dstIndex, ...)}: 8 bytes (a long key) as one
     * long, other lengths through {@code putBytes}. Small enough for C2 to inline into its callers under the
     * launcher's {@code FreqInlineSize}.
     */
    public static void copy(
        final MutableDirectBuffer dst, final int dstIndex, final DirectBuffer src, final int srcIndex, final int length)
    {
        if (length == Long.BYTES)
        {
            dst.putLong(dstIndex, src.getLong(srcIndex));
        }
        else
        {
            dst.putBytes(dstIndex, src, srcIndex, length);
        }
    }
}
