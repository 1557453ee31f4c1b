package io.weir.tools.nexmark;

import io.weir.api.connector.SourceReader;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads a Nexmark event file (docs/nexmark.md, section 2) line by line: each element is one event's CSV line,
 * without its line end. The position is the byte offset after the line, so a restore resumes after it.
 * Only the source thread calls it.
 */
public final class NexmarkLineReader implements SourceReader<String>
{
    private final Path path;
    private FileChannel channel;
    private InputStream in;
    private final StringBuilder line = new StringBuilder(256);
    private String current;
    private long position;
    private long lineNumber;

    public NexmarkLineReader(final Path path) throws IOException
    {
        this.path = path;
        open(0);
    }

    private void open(final long at) throws IOException
    {
        if (in != null)
        {
            in.close();
        }
        channel = FileChannel.open(path, StandardOpenOption.READ);
        channel.position(at);
        in = new BufferedInputStream(Channels.newInputStream(channel), 1 << 16);
        position = at;
    }

    public String name()
    {
        return path.toString();
    }

    public boolean next() throws IOException
    {
        line.setLength(0);
        int b;
        long read = 0;
        while ((b = in.read()) >= 0)
        {
            read++;
            if (b == '\n')
            {
                break;
            }
            line.append((char)b);
        }
        if (read == 0)
        {
            return false;
        }
        if (b != '\n')
        {
            throw new IOException(path + ": line " + (lineNumber + 1) + " has no line end (a truncated file?)");
        }
        position += read;
        lineNumber++;
        current = line.toString();
        return true;
    }

    public String current()
    {
        return current;
    }

    public long position()
    {
        return position;
    }

    public long line()
    {
        return lineNumber;
    }

    public void seek(final long position, final long line) throws IOException
    {
        open(position);
        this.lineNumber = line;
    }

    public void close() throws IOException
    {
        in.close();
    }
}
