package io.weir.engine;

import io.weir.api.connector.SourceReader;

/** 0, 1, 2, ... below a limit; its position is the number read, which any thread may read. */
final class NumbersReader implements SourceReader<Long>
{
    private final long limit;
    private volatile long read;

    NumbersReader(final long limit)
    {
        this.limit = limit;
    }

    public String name()
    {
        return "numbers";
    }

    public boolean next()
    {
        if (read == limit)
        {
            return false;
        }
        read++;
        return true;
    }

    public Long current()
    {
        return read - 1;
    }

    public long position()
    {
        return read;
    }

    public void close()
    {
    }
}
