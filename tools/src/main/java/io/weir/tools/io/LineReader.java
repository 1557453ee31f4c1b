package io.weir.tools.io;

import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The lines of a text file, in place: after {@link #nextLine()} the current line is
 * {@code buffer()[lineStart(), lineEnd())}, its LF excluded (a CR before it is left to the parser). Keeps the byte
 * position after the current line and its number, so that a checkpoint resumes after it ({@link #seek}). Reads in
 * large blocks into one growing byte array: no allocation per line. Source thread only.
 */
public final class LineReader implements AutoCloseable
{
    /** Eight LFs: a word XORed with it has a zero byte where the word has an LF. */
    private static final long NEWLINES = 0x0A0A_0A0A_0A0A_0A0AL;
    private static final long LOW_BITS = 0x0101_0101_0101_0101L;
    private static final long HIGH_BITS = 0x8080_8080_8080_8080L;

    private final Path path;
    private final InputStream in;
    private byte[] buffer = new byte[1 << 16];
    /** {@link #buffer}, read eight bytes at a time by the newline search. */
    private final UnsafeBuffer words = new UnsafeBuffer(buffer);
    private int start;
    private int limit;
    private boolean eof;
    private int lineStart;
    private int lineEnd;
    private boolean lineTerminated;
    private long lineNumber;
    private long position;

    /** @throws IOException if the file cannot be opened; a missing file is named as such. */
    public LineReader(final Path path) throws IOException
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

    public Path path()
    {
        return path;
    }

    /**
     * Advance to the next line; a last line without a line end counts ({@link #lineTerminated()} tells).
     *
     * @return false at the end of the file.
     */
    public boolean nextLine() throws IOException
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
        lineStart = start;
        lineEnd = newline;
        lineTerminated = newline < limit;
        start = lineTerminated ? newline + 1 : limit;
        position += (newline - lineStart) + (lineTerminated ? 1 : 0);
        lineNumber++;
        return true;
    }

    /** The bytes of the current line, from {@link #lineStart()} to {@link #lineEnd()}; valid until the next call. */
    public byte[] buffer()
    {
        return buffer;
    }

    public int lineStart()
    {
        return lineStart;
    }

    /** End of the current line, exclusive: the index of its LF. */
    public int lineEnd()
    {
        return lineEnd;
    }

    /** Whether the current line ended with an LF (only the file's last line may not). */
    public boolean lineTerminated()
    {
        return lineTerminated;
    }

    /** Number of the current line, 1-based (that of the last line read before a {@link #seek}'s position). */
    public long lineNumber()
    {
        return lineNumber;
    }

    /** Byte offset after the current line. */
    public long position()
    {
        return position;
    }

    /**
     * Continue after byte {@code position}, where line {@code line} ended (from a checkpoint).
     *
     * @throws IllegalStateException after the first line.
     * @throws IOException           if the file is shorter than {@code position}: it changed since the checkpoint.
     */
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

    /** The ASCII text of {@code buffer()[from, to)}, for error messages. */
    public String text(final int from, final int to)
    {
        return new String(buffer, from, to - from, StandardCharsets.US_ASCII);
    }

    public void close() throws IOException
    {
        in.close();
    }

    /** The first LF from {@link #start}, a word of eight bytes at a time, or -1. */
    private int indexOfNewline()
    {
        final int limit = this.limit;
        int i = start;
        for (; i + Long.BYTES <= limit; i += Long.BYTES)
        {
            final long x = words.getLong(i, ByteOrder.LITTLE_ENDIAN) ^ NEWLINES;
            // The lowest flagged byte is the first zero byte of x (flags above it may be false).
            final long zeros = (x - LOW_BITS) & ~x & HIGH_BITS;
            if (zeros != 0)
            {
                return i + (Long.numberOfTrailingZeros(zeros) >>> 3);
            }
        }
        final byte[] buffer = this.buffer;
        for (; i < limit; i++)
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
            words.wrap(buffer);
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
