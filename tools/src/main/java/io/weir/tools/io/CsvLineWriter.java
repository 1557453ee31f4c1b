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
    private static final long EIGHT_DIGITS = 100_000_000L;
    /** "00" to "99". */
    private static final byte[] DIGIT_PAIRS = new byte[200];
    /** 10^0 to 10^18. */
    private static final long[] POWERS_OF_TEN = new long[19];

    static
    {
        for (int i = 0; i < 100; i++)
        {
            DIGIT_PAIRS[2 * i] = (byte)('0' + i / 10);
            DIGIT_PAIRS[2 * i + 1] = (byte)('0' + i % 10);
        }
        POWERS_OF_TEN[0] = 1;
        for (int i = 1; i < POWERS_OF_TEN.length; i++)
        {
            POWERS_OF_TEN[i] = POWERS_OF_TEN[i - 1] * 10;
        }
    }

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
     * backwards two at a time from a table of digit pairs: long divisions only for the digits above the lowest
     * eight, int divisions for the rest, and no reversal.
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
        while (v >= EIGHT_DIGITS)
        {
            final long quotient = v / EIGHT_DIGITS;
            int low = (int)(v - quotient * EIGHT_DIGITS);
            for (int i = 0; i < 4; i++)
            {
                final int next = low / 100;
                at = appendPair(low - next * 100, dst, at);
                low = next;
            }
            v = quotient;
        }
        int rest = (int)v;
        while (rest >= 100)
        {
            final int next = rest / 100;
            at = appendPair(rest - next * 100, dst, at);
            rest = next;
        }
        if (rest >= 10)
        {
            appendPair(rest, dst, at);
        }
        else
        {
            dst[at - 1] = (byte)('0' + rest);
        }
        return end;
    }

    /** Writes the two digits of {@code pair} (0-99) before {@code at}; returns the position of the first. */
    private static int appendPair(final int pair, final byte[] dst, final int at)
    {
        dst[at - 1] = DIGIT_PAIRS[2 * pair + 1];
        dst[at - 2] = DIGIT_PAIRS[2 * pair];
        return at - 2;
    }

    /** Decimal digits of a non-negative long: from its bit length, corrected by one comparison. */
    private static int digits(final long v)
    {
        final int estimate = ((Long.SIZE - Long.numberOfLeadingZeros(v)) * 1233) >>> 12; // bits * log10(2)
        return Math.max(1, estimate + (v >= POWERS_OF_TEN[estimate] ? 1 : 0));
    }
}
