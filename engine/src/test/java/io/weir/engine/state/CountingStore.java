package io.weir.engine.state;

import io.weir.state.spi.ForwardingKeyedStateStore;
import io.weir.state.spi.KeyedStateStore;
import io.weir.state.spi.StateKeyDescriptor;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayList;
import java.util.List;

/** Counts the reads, writes and removals a view makes of the store it wraps. */
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
            if (StateKeyDescriptor.stateId(key) == stateId)
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
        final List<byte[]> keys = new ArrayList<>();
        delegate.forEach((key, keyLength, value, valueLength) ->
        {
            if (StateKeyDescriptor.stateId(key) == stateId)
            {
                final byte[] bytes = new byte[keyLength];
                key.getBytes(0, bytes);
                keys.add(bytes);
            }
        });
        for (final byte[] key : keys)
        {
            delegate.remove(new UnsafeBuffer(key), key.length);
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
