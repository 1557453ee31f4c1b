package io.weir.tools.jobs;

import io.weir.engine.SourceReader;
import io.weir.tools.io.BadInputException;
import io.weir.tools.io.LineReader;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Reads {@code ts_millis,key,amount,event_id} lines (decimal signed 64-bit integers, LF line ends, empty lines
 * skipped) into one reused {@link Event}, parsing bytes by hand: no allocation per line. A first line that does
 * not start with a number (a header such as {@code ts_millis,key,amount,event_id}) is skipped, and said once
 * through the notice callback. A malformed line throws {@link BadInputException} naming the file, the line number
 * and the line's text. The lines and the restorable position are a {@link LineReader}'s. Source thread only.
 * <p>
 * A line of four fields of at most 18 digits each, optionally signed, is parsed eight bytes at a time: a word's
 * digits found and converted with a few multiplications. Any other line, well formed or not, goes through the
 * byte-by-byte parse, which says what is wrong with it.
 */
public final class CsvEventReader implements SourceReader<Event>
{
    private static final int FIELDS = 4;
    /** Digits of a decimal that cannot overflow a long, whatever they are. */
    private static final int MAX_SAFE_DIGITS = 18;
    /** '0' in every byte: subtracted from a word, it leaves each digit byte's value. */
    private static final long ZEROS = 0x3030_3030_3030_3030L;
    /** Added to a word less {@link #ZEROS}, it sets the high bit of every byte that was above '9'. */
    private static final long ABOVE_NINE = 0x7676_7676_7676_7676L;
    private static final long HIGH_BITS = 0x8080_8080_8080_8080L;
    /** 10^0 to 10^8. */
    private static final long[] POWERS_OF_TEN = {1L, 10L, 100L, 1_000L, 10_000L, 100_000L, 1_000_000L,
        10_000_000L, 100_000_000L};

    private final Path path;
    private final Consumer<String> notice;
    private final LineReader lines;
    private final Event event = new Event();
    private final long[] fields = new long[FIELDS];
    /** The current line's bytes ({@link LineReader#buffer()}), for the parser. */
    private byte[] buffer;
    /** {@link #buffer}, read eight bytes at a time by the word parse. */
    private final UnsafeBuffer words = new UnsafeBuffer(new byte[0]);

    /** A reader that skips a header line without a word. */
    public CsvEventReader(final Path path) throws IOException
    {
        this(path, message -> { });
    }

    /**
     * @param path   the CSV file.
     * @param notice told, on the source thread, when the first line is skipped as a header.
     * @throws IOException if the file cannot be opened.
     */
    public CsvEventReader(final Path path, final Consumer<String> notice) throws IOException
    {
        this.path = path;
        this.notice = notice;
        this.lines = new LineReader(path);
    }

    public String name()
    {
        return path.toString();
    }

    public boolean next() throws IOException
    {
        final LineReader lines = this.lines;
        while (lines.nextLine())
        {
            buffer = lines.buffer();
            if (words.byteArray() != buffer)
            {
                words.wrap(buffer);
            }
            final int lineStart = lines.lineStart();
            int lineEnd = lines.lineEnd();
            if (lineEnd > lineStart && buffer[lineEnd - 1] == '\r')
            {
                lineEnd--;
            }
            if (lineEnd == lineStart)
            {
                continue;
            }
            if (lines.lineNumber() == 1 && !startsWithNumber(lineStart, lineEnd))
            {
                notice.accept(path + ":1: skipped a header line '" + text(lineStart, lineEnd) + "'");
                continue;
            }
            if (!parseWords(lineStart, lineEnd))
            {
                parse(lineStart, lineEnd);
            }
            event.set(fields[0], fields[1], fields[2], fields[3]);
            return true;
        }
        return false;
    }

    public long line()
    {
        return lines.lineNumber();
    }

    /** Continue after byte {@code position}, where line {@code line} ended (from a checkpoint). */
    public void seek(final long position, final long line) throws IOException
    {
        lines.seek(position, line);
    }

    public Event current()
    {
        return event;
    }

    public long position()
    {
        return lines.position();
    }

    /** Line number of the current element (1-based). */
    public long lineNumber()
    {
        return lines.lineNumber();
    }

    public void close() throws IOException
    {
        lines.close();
    }

    /**
     * Parse a line of four comma-separated fields of 1 to {@value #MAX_SAFE_DIGITS} digits, each optionally signed,
     * into {@link #fields}, eight bytes at a time.
     *
     * @return false, with {@link #fields} in any state, for any other line, or one too near the end of the buffer to
     * read words from: {@link #parse} then parses it and names what is wrong with it.
     */
    private boolean parseWords(final int from, final int to)
    {
        final byte[] buffer = this.buffer;
        final int wordsEnd = buffer.length - Long.BYTES;
        int i = from;
        for (int field = 0; field < FIELDS; field++)
        {
            final int fieldStart = i;
            i = afterSign(i, to);
            final boolean negative = i > fieldStart && buffer[fieldStart] == '-';
            final int digitsStart = i;
            long value = 0;
            int digits;
            do
            {
                if (i > wordsEnd)
                {
                    return false;
                }
                final long word = words.getLong(i, ByteOrder.LITTLE_ENDIAN) - ZEROS;
                // The first byte that is not a digit has its high bit set (a later one may be wrong: borrows and
                // carries from it only go up); its index is the number of digits before it.
                final long notDigits = (word | (word + ABOVE_NINE)) & HIGH_BITS;
                digits = Math.min(Long.numberOfTrailingZeros(notDigits) >>> 3, to - i);
                if (digits > 0)
                {
                    value = value * POWERS_OF_TEN[digits] + digitsValue(word, digits);
                }
                i += digits;
            }
            while (digits == Long.BYTES);
            if (i == digitsStart || i - digitsStart > MAX_SAFE_DIGITS)
            {
                return false;
            }
            fields[field] = negative ? -value : value;
            if (field < FIELDS - 1)
            {
                if (i >= to || buffer[i] != ',')
                {
                    return false;
                }
                i++;
            }
        }
        return i == to;
    }

    /**
     * The value of the first {@code digits} (1 to 8) bytes of {@code word}, each a digit's value, the first byte
     * (the lowest) the most significant: moved to the word's top, zeros below them as leading digits, then summed in
     * pairs, quads and the two halves.
     */
    private static long digitsValue(final long word, final int digits)
    {
        long v = word << ((Long.BYTES - digits) * Byte.SIZE);
        v = (v * 10 + (v >>> 8)) & 0x00FF_00FF_00FF_00FFL;
        v = (v * 100 + (v >>> 16)) & 0x0000_FFFF_0000_FFFFL;
        return (v * 10_000 + (v >>> 32)) & 0xFFFF_FFFFL;
    }

    private void parse(final int from, final int to)
    {
        int field = 0;
        int i = from;
        while (true)
        {
            if (field == FIELDS)
            {
                throw bad(from, to, "expected 4 comma-separated fields (ts,key,amount,event_id) but found more");
            }
            final int fieldStart = i;
            i = afterSign(i, to);
            final boolean negative = i > fieldStart && buffer[fieldStart] == '-';
            final int digitsStart = i;
            long value = 0;
            while (i < to && buffer[i] != ',')
            {
                final int digit = buffer[i] - '0';
                if (digit < 0 || digit > 9)
                {
                    throw bad(from, to, "field " + (field + 1) + " is not a decimal integer: '" +
                        text(fieldStart, fieldEnd(fieldStart, to)) + "'");
                }
                // Accumulate negatively so that Long.MIN_VALUE parses; detect overflow before it happens (only
                // from the 19th digit on: 18 digits always fit).
                if (i - digitsStart >= MAX_SAFE_DIGITS && value < (Long.MIN_VALUE + digit) / 10)
                {
                    throw bad(from, to, "field " + (field + 1) + " overflows a signed 64-bit integer: '" +
                        text(fieldStart, fieldEnd(fieldStart, to)) + "'");
                }
                value = value * 10 - digit;
                i++;
            }
            if (i == digitsStart)
            {
                throw bad(from, to, "field " + (field + 1) + " is empty or not a number");
            }
            if (!negative)
            {
                if (value == Long.MIN_VALUE)
                {
                    throw bad(from, to, "field " + (field + 1) + " overflows a signed 64-bit integer: '" +
                        text(fieldStart, i) + "'");
                }
                value = -value;
            }
            fields[field++] = value;
            if (i == to)
            {
                break;
            }
            i++;
            if (i == to)
            {
                throw bad(from, to, "line ends with a comma: field " + (field + 1) + " is empty");
            }
        }
        if (field != FIELDS)
        {
            throw bad(from, to,
                "expected 4 comma-separated fields (ts,key,amount,event_id) but found " + field);
        }
    }

    /** The index after the sign ({@code -} or {@code +}) at {@code i}, or {@code i} where there is none. */
    private int afterSign(final int i, final int to)
    {
        return i < to && (buffer[i] == '-' || buffer[i] == '+') ? i + 1 : i;
    }

    private boolean startsWithNumber(final int from, final int to)
    {
        final int i = afterSign(from, to);
        return i < to && buffer[i] >= '0' && buffer[i] <= '9';
    }

    private int fieldEnd(final int fieldStart, final int to)
    {
        int i = fieldStart;
        while (i < to && buffer[i] != ',')
        {
            i++;
        }
        return i;
    }

    private String text(final int from, final int to)
    {
        return lines.text(from, to);
    }

    private BadInputException bad(final int from, final int to, final String problem)
    {
        return new BadInputException(path + ":" + lines.lineNumber() + ": " + problem + " in line '" + text(from, to) + "'");
    }
}
