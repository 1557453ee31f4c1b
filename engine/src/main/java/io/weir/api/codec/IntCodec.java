package io.weir.api.codec;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/** 4 bytes, big-endian. */
public final class IntCodec implements Codec<Integer>
{
    /** The one instance; stateless. */
    public static final IntCodec INSTANCE = new IntCodec();

    public String id()
    {
        return "int";
    }

    public int fixedLength()
    {
        return Integer.BYTES;
    }

    public int encodedLength(final Integer value)
    {
        return Integer.BYTES;
    }

    public int encode(final Integer value, final MutableDirectBuffer buffer, final int offset)
    {
        buffer.putInt(offset, value, ByteOrder.BIG_ENDIAN);
        return Integer.BYTES;
    }

    public Integer decode(final DirectBuffer buffer, final int offset, final int length, final Integer reuse)
    {
        return buffer.getInt(offset, ByteOrder.BIG_ENDIAN);
    }
}
