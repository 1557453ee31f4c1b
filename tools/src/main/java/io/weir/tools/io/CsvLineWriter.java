package io.weir.tools.io;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * Writes rows of decimal longs into a byte buffer and flushes it to a stream in large writes. Formats digits by
 * hand so that a row costs no allocation. Single thread.
 */
public final class CsvLineWriter implements AutoCloseable
{
    private static final int MAX_LINE_BYTES = 5 * 21;

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

    /** Append the decimal form of {@code value}; returns the new position. */
    static int appendLong(final long value, final byte[] dst, final int offset)
    {
        if (value == Long.MIN_VALUE)
        {
            final byte[] min = "-9223372036854775808".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            System.arraycopy(min, 0, dst, offset, min.length);
            return offset + min.length;
        }
        int position = offset;
        long v = value;
        if (v < 0)
        {
            dst[position++] = '-';
            v = -v;
        }
        final int start = position;
        do
        {
            dst[position++] = (byte)('0' + (v % 10));
            v /= 10;
        }
        while (v != 0);
        for (int i = start, j = position - 1; i < j; i++, j--)
        {
            final byte tmp = dst[i];
            dst[i] = dst[j];
            dst[j] = tmp;
        }
        return position;
    }
}
