package io.weir.tools.nexmark.queries;

import io.weir.api.codec.Codec;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/** A {@code long[]} of any length: its longs, little-endian; the length follows from the encoded length. */
public final class LongsCodec implements Codec<long[]>
{
    public static final LongsCodec INSTANCE = new LongsCodec();

    private LongsCodec()
    {
    }

    public String id()
    {
        return "longs";
    }

    public int fixedLength()
    {
        return VARIABLE_LENGTH;
    }

    public int encodedLength(final long[] value)
    {
        return value.length * Long.BYTES;
    }

    public int encode(final long[] value, final MutableDirectBuffer buffer, final int offset)
    {
        for (int i = 0; i < value.length; i++)
        {
            buffer.putLong(offset + i * Long.BYTES, value[i]);
        }
        return value.length * Long.BYTES;
    }

    public long[] decode(final DirectBuffer buffer, final int offset, final int length, final long[] reuse)
    {
        final long[] value = new long[length / Long.BYTES];
        for (int i = 0; i < value.length; i++)
        {
            value[i] = buffer.getLong(offset + i * Long.BYTES);
        }
        return value;
    }
}
