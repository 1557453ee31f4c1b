package io.weir.tools.nexmark;

import io.weir.api.connector.SourceReader;
import io.weir.tools.io.BadInputException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Reads a Nexmark event file (docs/nexmark.md, section 2) into one reused {@link NexmarkEvent}, parsing bytes by
 * hand: no allocation per event. The position is the byte offset after the current line, so a checkpoint resumes
 * after it ({@link #seek}). A malformed line throws {@link BadInputException} naming the file, the line number and
 * what is wrong. Source thread only.
 */
public final class NexmarkEventReader implements SourceReader<NexmarkEvent>
{
    private final Path path;
    private final InputStream in;
    private final NexmarkEvent event = new NexmarkEvent();
    private byte[] buffer = new byte[1 << 16];
    private int start;
    private int limit;
    private boolean eof;
    private long lineNumber;
    private long position;
    private int cursor;
    private int lineEnd;
    private int lineStart;

    /** @throws IOException if the file cannot be opened. */
    public NexmarkEventReader(final Path path) throws IOException
    {
        this.path = path;
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
        int newline = indexOfNewline();
        while (newline < 0)
        {
            if (eof)
            {
                if (start == limit)
                {
                    return false;
                }
                throw new BadInputException(path + ":" + (lineNumber + 1) + ": the last line has no line end " +
                    "(a truncated file?)");
            }
            fill();
            newline = indexOfNewline();
        }
        lineStart = start;
        lineEnd = newline;
        start = newline + 1;
        position += newline + 1 - lineStart;
        lineNumber++;
        parse();
        return true;
    }

    public NexmarkEvent current()
    {
        return event;
    }

    public long position()
    {
        return position;
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

    public void close() throws IOException
    {
        in.close();
    }

    private void parse()
    {
        if (lineEnd - lineStart < 2 || buffer[lineStart + 1] != ',')
        {
            throw bad("expected a type tag P, A or B and a comma");
        }
        cursor = lineStart + 2;
        switch (buffer[lineStart])
        {
            case 'P' ->
            {
                event.kind(NexmarkEvent.Kind.PERSON);
                final NexmarkEvent.Person p = event.person();
                p.id = number("id");
                text(p.name);
                text(p.email);
                text(p.creditCard);
                p.city = word(NexmarkGenerator.US_CITIES);
                p.state = word(NexmarkGenerator.US_STATES);
                p.dateTime = lastNumber("date_time");
            }
            case 'A' ->
            {
                event.kind(NexmarkEvent.Kind.AUCTION);
                final NexmarkEvent.Auction a = event.auction();
                a.id = number("id");
                text(a.itemName);
                text(a.description);
                a.initialBid = number("initial_bid");
                a.reserve = number("reserve");
                a.dateTime = number("date_time");
                a.expires = number("expires");
                a.seller = number("seller");
                a.category = lastNumber("category");
            }
            case 'B' ->
            {
                event.kind(NexmarkEvent.Kind.BID);
                final NexmarkEvent.Bid b = event.bid();
                b.auction = number("auction");
                b.bidder = number("bidder");
                b.price = number("price");
                text(b.channel);
                text(b.url);
                b.dateTime = lastNumber("date_time");
            }
            default -> throw bad("unknown type tag '" + (char)buffer[lineStart] + "' (expected P, A or B)");
        }
    }

    /** The field at the cursor, then its comma. */
    private long number(final String field)
    {
        final long value = digits(field);
        if (cursor >= lineEnd || buffer[cursor] != ',')
        {
            throw bad("field " + field + " is not a decimal integer followed by a comma");
        }
        cursor++;
        return value;
    }

    /** The last field of the line. */
    private long lastNumber(final String field)
    {
        final long value = digits(field);
        if (cursor != lineEnd)
        {
            throw bad("field " + field + " is not a decimal integer at the end of the line");
        }
        return value;
    }

    private long digits(final String field)
    {
        final int from = cursor;
        long value = 0;
        while (cursor < lineEnd && buffer[cursor] >= '0' && buffer[cursor] <= '9')
        {
            if (value > (Long.MAX_VALUE - 9) / 10)
            {
                throw bad("field " + field + " overflows a signed 64-bit integer");
            }
            value = value * 10 + (buffer[cursor++] - '0');
        }
        if (cursor == from)
        {
            throw bad("field " + field + " is empty or not a decimal integer");
        }
        return value;
    }

    private void text(final StringBuilder into)
    {
        into.setLength(0);
        while (cursor < lineEnd && buffer[cursor] != ',')
        {
            into.append((char)buffer[cursor++]);
        }
        if (cursor == lineEnd)
        {
            throw bad("too few fields");
        }
        cursor++;
    }

    private String word(final String[] words)
    {
        int end = cursor;
        while (end < lineEnd && buffer[end] != ',')
        {
            end++;
        }
        if (end == lineEnd)
        {
            throw bad("too few fields");
        }
        String found = null;
        for (final String word : words)
        {
            if (word.length() == end - cursor && spells(word))
            {
                found = word;
                break;
            }
        }
        if (found == null)
        {
            found = new String(buffer, cursor, end - cursor, StandardCharsets.US_ASCII);
        }
        cursor = end + 1;
        return found;
    }

    private boolean spells(final String word)
    {
        for (int i = 0; i < word.length(); i++)
        {
            if (buffer[cursor + i] != word.charAt(i))
            {
                return false;
            }
        }
        return true;
    }

    private BadInputException bad(final String what)
    {
        return new BadInputException(path + ":" + lineNumber + ": " + what + ": '" +
            new String(buffer, lineStart, Math.min(lineEnd - lineStart, 200), StandardCharsets.US_ASCII) + "'");
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
}
