package io.weir.tools.io;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Writes rows of decimal longs into a byte buffer and flushes it to a stream in large writes. Formats digits by
 * hand so that a row costs no allocation. Single thread.
 */
public final class CsvLineWriter implements AutoCloseable
{
    private static final int MAX_LINE_BYTES = 5 * 21;
    private static final byte[] LONG_MIN = Long.toString(Long.MIN_VALUE).getBytes(StandardCharsets.US_ASCII);
    private static final long EIGHT_DIGITS = 100_000_000L;
    private static final long SIXTEEN_DIGITS = EIGHT_DIGITS * EIGHT_DIGITS;
    /** '0' in every byte. */
    private static final long ASCII_ZEROS = 0x3030_3030_3030_3030L;
    private static final VarHandle LITTLE_ENDIAN_LONGS =
        MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private final OutputStream out;
    private final byte[] buffer;
    private int position;
    private int fieldsInLine;

    public CsvLineWriter(final OutputStream out, final int bufferBytes)
    {
        this.out = out;
        this.buffer = new byte[Math.max(bufferBytes, 2 * MAX_LINE_BYTES)];
    }

    public CsvLineWriter field(final long value)
    {
        if (buffer.length - position < 22)
        {
            flushBuffer();
        }
        if (fieldsInLine++ > 0)
        {
            buffer[position++] = ',';
        }
        position = appendLong(value, buffer, position);
        return this;
    }

    /** A text field, written verbatim as ASCII: it must hold no comma, quote or line end (nothing is escaped). */
    public CsvLineWriter field(final CharSequence value)
    {
        if (fieldsInLine++ > 0)
        {
            if (position == buffer.length)
            {
                flushBuffer();
            }
            buffer[position++] = ',';
        }
        for (int i = 0, length = value.length(); i < length; i++)
        {
            if (position == buffer.length)
            {
                flushBuffer();
            }
            buffer[position++] = (byte)value.charAt(i);
        }
        return this;
    }

    public void endLine()
    {
        if (position == buffer.length)
        {
            flushBuffer();
        }
        buffer[position++] = '\n';
        fieldsInLine = 0;
    }

    public void flush()
    {
        flushBuffer();
        try
        {
            out.flush();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    public void close()
    {
        try (OutputStream ignored = out)
        {
            flushBuffer();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    private void flushBuffer()
    {
        if (position > 0)
        {
            try
            {
                out.write(buffer, 0, position);
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException(ex);
            }
            position = 0;
        }
    }

    /**
     * Append the decimal form of {@code value}; returns the new position. Eight digits at a time: each run of eight
     * is turned into eight ASCII bytes in one long, by multiplications that split it into halves, pairs and digits
     * in its lanes at once, and stored with one write; the leading run drops its leading zeros by a shift. Writes up
     * to 7 bytes past the returned position (garbage that the next field or line overwrites), so the caller leaves
     * 22 bytes of room.
     */
    static int appendLong(final long value, final byte[] dst, final int offset)
    {
        if (value == Long.MIN_VALUE)
        {
            System.arraycopy(LONG_MIN, 0, dst, offset, LONG_MIN.length);
            return offset + LONG_MIN.length;
        }
        int position = offset;
        long v = value;
        if (v < 0)
        {
            dst[position++] = '-';
            v = -v;
        }
        if (v < EIGHT_DIGITS)
        {
            return appendLeading((int)v, dst, position);
        }
        if (v < SIXTEEN_DIGITS)
        {
            final long high = v / EIGHT_DIGITS;
            position = appendLeading((int)high, dst, position);
            return appendEight((int)(v - high * EIGHT_DIGITS), dst, position);
        }
        final long top = v / SIXTEEN_DIGITS;
        final long rest = v - top * SIXTEEN_DIGITS;
        final long middle = rest / EIGHT_DIGITS;
        position = appendLeading((int)top, dst, position);
        position = appendEight((int)middle, dst, position);
        return appendEight((int)(rest - middle * EIGHT_DIGITS), dst, position);
    }

    /** {@code n} (0 to 10^8 - 1) without leading zeros; returns the position after it. */
    private static int appendLeading(final int n, final byte[] dst, final int at)
    {
        final long digits = eightDigits(n);
        // The first digit is in the lowest byte: leading zeros are the low zero bytes (0 itself keeps one digit).
        final int zeros = 0 == n ? 7 : Long.numberOfTrailingZeros(digits) >>> 3;
        LITTLE_ENDIAN_LONGS.set(dst, at, (digits >>> (zeros << 3)) + ASCII_ZEROS);
        return at + 8 - zeros;
    }

    /** {@code n} (0 to 10^8 - 1) as eight digits, leading zeros included; returns the position after them. */
    private static int appendEight(final int n, final byte[] dst, final int at)
    {
        LITTLE_ENDIAN_LONGS.set(dst, at, eightDigits(n) + ASCII_ZEROS);
        return at + 8;
    }

    /**
     * The eight decimal digits of {@code n} (0 to 10^8 - 1), one a byte, the most significant in the lowest byte:
     * the two halves of four digits in 32-bit lanes, then pairs in 16-bit lanes, then digits in bytes, each split by
     * a multiply and shift exact for the lane's range (x / 100 = x * 10486 >> 20 for x < 10^4, x / 10 = x * 103 >> 10
     * for x < 100).
     */
    private static long eightDigits(final int n)
    {
        final int high = n / 10_000;
        final long halves = high | ((long)(n - high * 10_000) << 32);
        final long hundreds = ((halves * 10486) >>> 20) & 0x0000_007F_0000_007FL;
        final long pairs = hundreds | ((halves - hundreds * 100) << 16);
        final long tens = ((pairs * 103) >>> 10) & 0x000F_000F_000F_000FL;
        return tens | ((pairs - tens * 10) << 8);
    }
}
