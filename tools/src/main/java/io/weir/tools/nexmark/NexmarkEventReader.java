package io.weir.tools.nexmark;

import io.weir.api.connector.SourceReader;
import io.weir.tools.io.BadInputException;
import io.weir.tools.io.LineReader;
import io.weir.tools.nexmark.queries.AsciiText;
import io.weir.tools.nexmark.queries.NexmarkEvent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Reads a Nexmark event file (docs/nexmark.md, section 2) into one reused {@link NexmarkEvent}, parsing bytes by
 * hand: no allocation per event. The lines and the position, the byte offset after the current line from which a
 * checkpoint resumes ({@link #seek}), are a {@link LineReader}'s. A malformed line throws {@link BadInputException} naming the file, the line number and
 * what is wrong. Source thread only.
 */
public final class NexmarkEventReader implements SourceReader<NexmarkEvent>
{
    private final Path path;
    private final LineReader lines;
    private final NexmarkEvent event = new NexmarkEvent();
    /** The current line's bytes ({@link LineReader#buffer()}), for the parser. */
    private byte[] buffer;
    private int cursor;
    private int lineEnd;
    private int lineStart;

    /** @throws IOException if the file cannot be opened. */
    public NexmarkEventReader(final Path path) throws IOException
    {
        this.path = path;
        this.lines = new LineReader(path);
    }

    public String name()
    {
        return path.toString();
    }

    public boolean next() throws IOException
    {
        final LineReader lines = this.lines;
        if (!lines.nextLine())
        {
            return false;
        }
        if (!lines.lineTerminated())
        {
            throw new BadInputException(path + ":" + lines.lineNumber() + ": the last line has no line end " +
                "(a truncated file?)");
        }
        buffer = lines.buffer();
        lineStart = lines.lineStart();
        lineEnd = lines.lineEnd();
        parse();
        return true;
    }

    public NexmarkEvent current()
    {
        return event;
    }

    public long position()
    {
        return lines.position();
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

    public void close() throws IOException
    {
        lines.close();
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
                p.city = word(NexmarkEvent.US_CITIES);
                p.state = word(NexmarkEvent.US_STATES);
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

    private void text(final AsciiText into)
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
        return new BadInputException(path + ":" + lines.lineNumber() + ": " + what + ": '" +
            new String(buffer, lineStart, Math.min(lineEnd - lineStart, 200), StandardCharsets.US_ASCII) + "'");
    }
}
