package io.weir.tools.io;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Writes rows of decimal longs into a byte buffer and flushes it to a stream in large writes. Formats digits by
 * hand so that a row costs no allocation. Single thread.
 */
public final class CsvLineWriter implements AutoCloseable
{
    private static final int MAX_LINE_BYTES = 5 * 21;
    private static final byte[] LONG_MIN = Long.toString(Long.MIN_VALUE).getBytes(StandardCharsets.US_ASCII);

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
     * Append the decimal form of {@code value}; returns the new position. Counts the digits first and writes them
     * backwards two at a time: half the divisions of a digit loop, and no reversal.
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
        final int end = position + digits(v);
        int at = end;
        while (v >= 100)
        {
            final long quotient = v / 100;
            final int pair = (int)(v - quotient * 100);
            dst[--at] = (byte)('0' + pair % 10);
            dst[--at] = (byte)('0' + pair / 10);
            v = quotient;
        }
        final int last = (int)v;
        if (last >= 10)
        {
            dst[--at] = (byte)('0' + last % 10);
            dst[--at] = (byte)('0' + last / 10);
        }
        else
        {
            dst[--at] = (byte)('0' + last);
        }
        return end;
    }

    /** Decimal digits of a non-negative long. */
    private static int digits(final long v)
    {
        int digits = 1;
        for (long power = 10; digits < 19 && v >= power; power *= 10)
        {
            digits++;
        }
        return digits;
    }
}
