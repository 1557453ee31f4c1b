package io.weir.engine.state;

import io.weir.state.spi.ForwardingKeyedStateStore;
import io.weir.state.spi.KeyedStateStore;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/** Counts the reads and writes a view makes, over a heap store. */
final class CountingStore extends ForwardingKeyedStateStore
{
    int gets;
    int puts;
    int removes;

    CountingStore(final KeyedStateStore delegate)
    {
        super(delegate);
    }

    void reset()
    {
        gets = 0;
        puts = 0;
        removes = 0;
    }

    int entriesOfState(final int stateId)
    {
        final int[] entries = new int[1];
        delegate.forEach((key, keyLength, value, valueLength) ->
        {
            if (io.weir.state.spi.StateKeyDescriptor.stateId(key) == stateId)
            {
                entries[0]++;
            }
        });
        return entries[0];
    }

    public boolean remove(final DirectBuffer key, final int keyLength)
    {
        removes++;
        return delegate.remove(key, keyLength);
    }

    void removeAllOfState(final int stateId)
    {
        final java.util.List<byte[]> keys = new java.util.ArrayList<>();
        delegate.forEach((key, keyLength, value, valueLength) ->
        {
            if (io.weir.state.spi.StateKeyDescriptor.stateId(key) == stateId)
            {
                final byte[] bytes = new byte[keyLength];
                key.getBytes(0, bytes);
                keys.add(bytes);
            }
        });
        for (final byte[] key : keys)
        {
            delegate.remove(new org.agrona.concurrent.UnsafeBuffer(key), key.length);
        }
    }

    public int get(final DirectBuffer key, final int keyLength, final MutableDirectBuffer valueOut)
    {
        gets++;
        return delegate.get(key, keyLength, valueOut);
    }

    public void put(
        final DirectBuffer key, final int keyLength, final DirectBuffer value, final int valueOffset,
        final int valueLength)
    {
        puts++;
        delegate.put(key, keyLength, value, valueOffset, valueLength);
    }
}
