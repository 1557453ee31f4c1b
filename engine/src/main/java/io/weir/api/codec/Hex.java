package io.weir.api.codec;

import org.agrona.DirectBuffer;

/** Hex rendering of bytes for tools and error messages. */
public final class Hex
{
    private static final char[] DIGITS = "0123456789abcdef".toCharArray();

    private Hex()
    {
    }

    /** The {@code length} bytes at {@code offset} as lower-case hexadecimal. */
    public static String format(final DirectBuffer buffer, final int offset, final int length)
    {
        final StringBuilder sb = new StringBuilder(length * 2);
        for (int i = 0; i < length; i++)
        {
            final int b = buffer.getByte(offset + i) & 0xFF;
            sb.append(DIGITS[b >>> 4]).append(DIGITS[b & 0xF]);
        }
        return sb.toString();
    }
}
