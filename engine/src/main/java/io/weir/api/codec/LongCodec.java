package io.weir.api.codec;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/** 8 bytes, big-endian so that byte order is numeric order for non-negative values. */
public final class LongCodec implements Codec<Long>
{
    /** The one instance; stateless. */
    public static final LongCodec INSTANCE = new LongCodec();

    public String id()
    {
        return "long";
    }

    public int fixedLength()
    {
        return Long.BYTES;
    }

    public int encodedLength(final Long value)
    {
        return Long.BYTES;
    }

    public int encode(final Long value, final MutableDirectBuffer buffer, final int offset)
    {
        buffer.putLong(offset, value, ByteOrder.BIG_ENDIAN);
        return Long.BYTES;
    }

    public Long decode(final DirectBuffer buffer, final int offset, final int length, final Long reuse)
    {
        return buffer.getLong(offset, ByteOrder.BIG_ENDIAN);
    }
}
