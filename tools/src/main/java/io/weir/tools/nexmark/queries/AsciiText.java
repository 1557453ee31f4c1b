package io.weir.tools.nexmark.queries;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * A reusable text of one byte per character, refilled in place: the strings of a {@link NexmarkEvent}. The
 * generator builds it with appends, and the codec moves it in and out of a buffer as one block copy (a
 * {@code StringBuilder} goes a character at a time, which was a quarter of q7's shard time).
 * <p>
 * Nexmark's strings are ASCII; a byte from 128 to 255 reads back as the ISO-8859-1 character of that value, and a
 * character above 255 is stored as its low byte (as the encoding of these events always did). Owned by one thread.
 */
public final class AsciiText implements CharSequence
{
    private byte[] bytes;
    private int length;

    public AsciiText(final int initialCapacity)
    {
        bytes = new byte[Math.max(1, initialCapacity)];
    }

    public int length()
    {
        return length;
    }

    public char charAt(final int index)
    {
        if (index < 0 || index >= length)
        {
            throw new IndexOutOfBoundsException("index " + index + " of a text of " + length + " characters");
        }
        return (char)(bytes[index] & 0xFF);
    }

    public CharSequence subSequence(final int start, final int end)
    {
        return toString().substring(start, end);
    }

    /** Shortens the text to {@code newLength} characters; it cannot lengthen it. */
    public AsciiText setLength(final int newLength)
    {
        if (newLength < 0 || newLength > length)
        {
            throw new IndexOutOfBoundsException("cannot set a text of " + length + " characters to " + newLength);
        }
        length = newLength;
        return this;
    }

    /** Removes the characters {@code [start, end)}. */
    public AsciiText delete(final int start, final int end)
    {
        if (start < 0 || start > end || end > length)
        {
            throw new IndexOutOfBoundsException("cannot delete [" + start + ", " + end + ") of a text of " + length +
                " characters");
        }
        System.arraycopy(bytes, end, bytes, start, length - end);
        length -= end - start;
        return this;
    }

    public AsciiText append(final char c)
    {
        ensureCapacity(length + 1);
        bytes[length++] = (byte)c;
        return this;
    }

    public AsciiText append(final CharSequence text)
    {
        final int n = text.length();
        ensureCapacity(length + n);
        for (int i = 0; i < n; i++)
        {
            bytes[length + i] = (byte)text.charAt(i);
        }
        length += n;
        return this;
    }

    /** Appends {@code ascii}, one character per byte. */
    public AsciiText append(final byte[] ascii)
    {
        ensureCapacity(length + ascii.length);
        System.arraycopy(ascii, 0, bytes, length, ascii.length);
        length += ascii.length;
        return this;
    }

    /** Appends the decimal digits of {@code value}, with a minus sign when it is negative. */
    public AsciiText append(final long value)
    {
        if (value == Long.MIN_VALUE)
        {
            return append("-9223372036854775808");
        }
        long rest = Math.abs(value);
        int digits = 1;
        for (long v = rest; v >= 10; v /= 10)
        {
            digits++;
        }
        final int sign = value < 0 ? 1 : 0;
        ensureCapacity(length + sign + digits);
        if (sign == 1)
        {
            bytes[length] = '-';
        }
        for (int i = length + sign + digits - 1; i >= length + sign; i--)
        {
            bytes[i] = (byte)('0' + rest % 10);
            rest /= 10;
        }
        length += sign + digits;
        return this;
    }

    /** Writes the characters at {@code index}, one byte each; returns how many. */
    public int putInto(final MutableDirectBuffer buffer, final int index)
    {
        buffer.putBytes(index, bytes, 0, length);
        return length;
    }

    /** Replaces the text with the {@code count} bytes at {@code index}. */
    public AsciiText readFrom(final DirectBuffer buffer, final int index, final int count)
    {
        ensureCapacity(count);
        buffer.getBytes(index, bytes, 0, count);
        length = count;
        return this;
    }

    public String toString()
    {
        return new String(bytes, 0, length, StandardCharsets.ISO_8859_1);
    }

    private void ensureCapacity(final int capacity)
    {
        if (capacity > bytes.length)
        {
            bytes = Arrays.copyOf(bytes, Math.max(capacity, 2 * bytes.length));
        }
    }
}
