package io.weir.api.codec;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/** Raw bytes; the length is the entry's length, so no prefix is stored. Decoding allocates a new array. */
public final class BytesCodec implements Codec<byte[]>
{
    /** The one instance; stateless. */
    public static final BytesCodec INSTANCE = new BytesCodec();

    public String id()
    {
        return "bytes";
    }

    public int fixedLength()
    {
        return VARIABLE_LENGTH;
    }

    public int encodedLength(final byte[] value)
    {
        return value.length;
    }

    public int encode(final byte[] value, final MutableDirectBuffer buffer, final int offset)
    {
        buffer.putBytes(offset, value);
        return value.length;
    }

    public byte[] decode(final DirectBuffer buffer, final int offset, final int length, final byte[] reuse)
    {
        final byte[] bytes = reuse != null && reuse.length == length ? reuse : new byte[length];
        buffer.getBytes(offset, bytes);
        return bytes;
    }

    public String format(final DirectBuffer buffer, final int offset, final int length)
    {
        return Hex.format(buffer, offset, length);
    }
}
