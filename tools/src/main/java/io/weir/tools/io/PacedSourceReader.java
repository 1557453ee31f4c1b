package io.weir.tools.io;

import io.weir.engine.SourceReader;

import java.util.concurrent.locks.LockSupport;

/**
 * Paces another reader to a fixed rate (elements per second), so a short input lasts long enough to be
 * checkpointed, stopped or killed part-way (crash tests, demos). Source thread only.
 */
public final class PacedSourceReader<I> implements SourceReader<I>
{
    private final io.weir.api.connector.SourceReader<I> delegate;
    private final long intervalNs;
    private long startNs;
    private long count;

    public PacedSourceReader(final io.weir.api.connector.SourceReader<I> delegate, final long elementsPerSecond)
    {
        if (elementsPerSecond <= 0)
        {
            throw new IllegalArgumentException("rate must be positive: " + elementsPerSecond);
        }
        this.delegate = delegate;
        this.intervalNs = 1_000_000_000L / elementsPerSecond;
    }

    public String name()
    {
        return delegate.name();
    }

    public boolean next() throws Exception
    {
        if (startNs == 0)
        {
            startNs = System.nanoTime();
        }
        final long dueNs = startNs + count * intervalNs;
        long waitNs;
        while ((waitNs = dueNs - System.nanoTime()) > 0)
        {
            LockSupport.parkNanos(waitNs);
        }
        count++;
        return delegate.next();
    }

    public I current()
    {
        return delegate.current();
    }

    public long position()
    {
        return delegate.position();
    }

    public long line()
    {
        return delegate.line();
    }

    public void seek(final long position, final long line) throws Exception
    {
        delegate.seek(position, line);
    }

    public void close() throws Exception
    {
        delegate.close();
    }
}
