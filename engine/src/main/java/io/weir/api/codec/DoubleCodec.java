package io.weir.api.codec;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/** 8 bytes: the IEEE 754 bit pattern, big-endian. */
public final class DoubleCodec implements Codec<Double>
{
    /** The one instance; stateless. */
    public static final DoubleCodec INSTANCE = new DoubleCodec();

    public String id()
    {
        return "double";
    }

    public int fixedLength()
    {
        return Double.BYTES;
    }

    public int encodedLength(final Double value)
    {
        return Double.BYTES;
    }

    public int encode(final Double value, final MutableDirectBuffer buffer, final int offset)
    {
        buffer.putDouble(offset, value, ByteOrder.BIG_ENDIAN);
        return Double.BYTES;
    }

    public Double decode(final DirectBuffer buffer, final int offset, final int length, final Double reuse)
    {
        return buffer.getDouble(offset, ByteOrder.BIG_ENDIAN);
    }
}
