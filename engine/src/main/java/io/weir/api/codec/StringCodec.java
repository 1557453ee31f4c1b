package io.weir.api.codec;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.charset.StandardCharsets;

/** UTF-8 bytes; the length is the entry's length. */
public final class StringCodec implements Codec<String>
{
    /** The one instance; stateless. */
    public static final StringCodec INSTANCE = new StringCodec();

    public String id()
    {
        return "string-utf8";
    }

    public int fixedLength()
    {
        return VARIABLE_LENGTH;
    }

    public int encodedLength(final String value)
    {
        return value.getBytes(StandardCharsets.UTF_8).length;
    }

    public int encode(final String value, final MutableDirectBuffer buffer, final int offset)
    {
        final byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        buffer.putBytes(offset, bytes);
        return bytes.length;
    }

    public String decode(final DirectBuffer buffer, final int offset, final int length, final String reuse)
    {
        return buffer.getStringWithoutLengthUtf8(offset, length);
    }
}
