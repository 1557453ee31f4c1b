package io.weir.state.spi;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * A store that passes every call, the optional ones included, to another: extend it to observe or change a few
 * calls (counting look-ups, recording prefetches) and leave the rest to the store it wraps. Threads as
 * {@link KeyedStateStore}.
 */
public abstract class ForwardingKeyedStateStore implements KeyedStateStore
{
    /** The store every call goes to. */
    protected final KeyedStateStore delegate;

    protected ForwardingKeyedStateStore(final KeyedStateStore delegate)
    {
        this.delegate = delegate;
    }

    public int get(final DirectBuffer key, final int keyLength, final MutableDirectBuffer valueOut)
    {
        return delegate.get(key, keyLength, valueOut);
    }

    public void put(
        final DirectBuffer key, final int keyLength, final DirectBuffer value, final int valueOffset,
        final int valueLength)
    {
        delegate.put(key, keyLength, value, valueOffset, valueLength);
    }

    public void endOfAccess()
    {
        delegate.endOfAccess();
    }

    public boolean prefetches()
    {
        return delegate.prefetches();
    }

    /**
     * The delegate's answer. A subclass that overrides {@link #prefetches} overrides this too: else one that says it
     * prefetches over a store that does not is never asked for a look-ahead.
     */
    public boolean prefetchesNow()
    {
        return delegate.prefetchesNow();
    }

    public void prefetch(final DirectBuffer keys, final int stride, final int[] lengths, final int count)
    {
        delegate.prefetch(keys, stride, lengths, count);
    }

    public boolean remove(final DirectBuffer key, final int keyLength)
    {
        return delegate.remove(key, keyLength);
    }

    public void forEach(final EntryVisitor visitor)
    {
        delegate.forEach(visitor);
    }

    public EntryScan newEntryScan()
    {
        return delegate.newEntryScan();
    }

    public long entryCount()
    {
        return delegate.entryCount();
    }

    public long sizeBytes()
    {
        return delegate.sizeBytes();
    }

    public void prepareForCheckpoints()
    {
        delegate.prepareForCheckpoints();
    }

    public StoreSnapshot snapshot(final long checkpointId, final boolean full)
    {
        return delegate.snapshot(checkpointId, full);
    }

    public void close()
    {
        delegate.close();
    }
}
