package io.weir.tools.bench;

import io.weir.state.spi.ForwardingKeyedStateStore;
import io.weir.state.spi.KeyedStateStore;
import io.weir.state.spi.StateBackend;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.util.ArrayList;
import java.util.List;

/**
 * A {@link StateBackend} that counts the gets, puts and removes its stores receive, to report store operations per
 * event. It adds a call and an increment to every operation, so it is used only when asked for. The counts are
 * plain fields written by each store's shard thread; {@link #gets()} and the others are read after the job ended.
 */
final class CountingStateBackend implements StateBackend
{
    private final StateBackend delegate;
    private final List<CountingStore> stores = new ArrayList<>();

    CountingStateBackend(final StateBackend delegate)
    {
        this.delegate = delegate;
    }

    public String name()
    {
        return delegate.name();
    }

    public synchronized KeyedStateStore createStore(final int shardId, final long expectedEntries)
    {
        final CountingStore store = new CountingStore(delegate.createStore(shardId, expectedEntries));
        stores.add(store);
        return store;
    }

    public boolean shardMayReadItsSnapshots()
    {
        return delegate.shardMayReadItsSnapshots();
    }

    public void prepareForCheckpoints()
    {
        delegate.prepareForCheckpoints();
    }

    synchronized long gets()
    {
        long sum = 0;
        for (final CountingStore store : stores)
        {
            sum += store.gets;
        }
        return sum;
    }

    synchronized long puts()
    {
        long sum = 0;
        for (final CountingStore store : stores)
        {
            sum += store.puts;
        }
        return sum;
    }

    synchronized long removes()
    {
        long sum = 0;
        for (final CountingStore store : stores)
        {
            sum += store.removes;
        }
        return sum;
    }

    private static final class CountingStore extends ForwardingKeyedStateStore
    {
        long gets;
        long puts;
        long removes;

        CountingStore(final KeyedStateStore delegate)
        {
            super(delegate);
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

        public boolean remove(final DirectBuffer key, final int keyLength)
        {
            removes++;
            return delegate.remove(key, keyLength);
        }
    }
}
