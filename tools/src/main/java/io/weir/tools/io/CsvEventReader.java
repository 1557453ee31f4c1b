package io.weir.tools.io;

import io.weir.engine.SourceReader;
import io.weir.tools.jobs.Event;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Reads {@code ts_millis,key,amount,event_id} lines (decimal signed 64-bit integers, LF line ends, empty lines
 * skipped) into one reused {@link Event}, parsing bytes by hand: no allocation per line. A first line that does
 * not start with a number (a header such as {@code ts_millis,key,amount,event_id}) is skipped, and said once
 * through the notice callback. A malformed line throws {@link BadInputException} naming the file, the line number
 * and the line's text. Source thread only.
 */
public final class CsvEventReader implements SourceReader<Event>
{
    private static final int FIELDS = 4;

    private final Path path;
    private final Consumer<String> notice;
    private final InputStream in;
    private final Event event = new Event();
    private final long[] fields = new long[FIELDS];
    private byte[] buffer = new byte[1 << 16];
    private int start;
    private int limit;
    private boolean eof;
    private long lineNumber;
    private long position;

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
        try
        {
            this.in = Files.newInputStream(path);
        }
        catch (final NoSuchFileException ex)
        {
            throw new NoSuchFileException(path.toString(), null, "input file does not exist");
        }
    }

    public String name()
    {
        return path.toString();
    }

    public boolean next() throws IOException
    {
        while (true)
        {
            int newline = indexOfNewline();
            while (newline < 0)
            {
                if (eof)
                {
                    if (start == limit)
                    {
                        return false;
                    }
                    newline = limit;
                    break;
                }
                fill();
                newline = indexOfNewline();
            }
            final int lineStart = start;
            int lineEnd = newline;
            start = Math.min(newline + 1, limit);
            position += (newline - lineStart) + (newline < limit ? 1 : 0);
            lineNumber++;
            if (lineEnd > lineStart && buffer[lineEnd - 1] == '\r')
            {
                lineEnd--;
            }
            if (lineEnd == lineStart)
            {
                continue;
            }
            if (lineNumber == 1 && !startsWithNumber(lineStart, lineEnd))
            {
                notice.accept(path + ":1: skipped a header line '" + text(lineStart, lineEnd) + "'");
                continue;
            }
            parse(lineStart, lineEnd);
            event.set(fields[0], fields[1], fields[2], fields[3]);
            return true;
        }
    }

    public long line()
    {
        return lineNumber;
    }

    /** Continue after byte {@code position}, where line {@code line} ended (from a checkpoint). */
    public void seek(final long position, final long line) throws IOException
    {
        if (this.position != 0 || lineNumber != 0)
        {
            throw new IllegalStateException("seek only before the first element");
        }
        final long size = Files.size(path);
        if (position > size)
        {
            throw new IOException(path + " has " + size + " bytes but the checkpoint resumes at byte " + position +
                ": the input changed since the checkpoint");
        }
        in.skipNBytes(position);
        this.position = position;
        this.lineNumber = line;
    }

    public Event current()
    {
        return event;
    }

    public long position()
    {
        return position;
    }

    /** Line number of the current element (1-based). */
    public long lineNumber()
    {
        return lineNumber;
    }

    public void close() throws IOException
    {
        in.close();
    }

    private int indexOfNewline()
    {
        for (int i = start; i < limit; i++)
        {
            if (buffer[i] == '\n')
            {
                return i;
            }
        }
        return -1;
    }

    private void fill() throws IOException
    {
        if (start > 0)
        {
            System.arraycopy(buffer, start, buffer, 0, limit - start);
            limit -= start;
            start = 0;
        }
        if (limit == buffer.length)
        {
            buffer = Arrays.copyOf(buffer, buffer.length * 2);
        }
        final int read = in.read(buffer, limit, buffer.length - limit);
        if (read < 0)
        {
            eof = true;
        }
        else
        {
            limit += read;
        }
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
            boolean negative = false;
            if (i < to && (buffer[i] == '-' || buffer[i] == '+'))
            {
                negative = buffer[i] == '-';
                i++;
            }
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
                // Accumulate negatively so that Long.MIN_VALUE parses; detect overflow before it happens.
                if (value < (Long.MIN_VALUE + digit) / 10)
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

    private boolean startsWithNumber(final int from, final int to)
    {
        int i = from;
        if (i < to && (buffer[i] == '-' || buffer[i] == '+'))
        {
            i++;
        }
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
        return new String(buffer, from, to - from, StandardCharsets.US_ASCII);
    }

    private BadInputException bad(final int from, final int to, final String problem)
    {
        return new BadInputException(path + ":" + lineNumber + ": " + problem + " in line '" + text(from, to) + "'");
    }
}
