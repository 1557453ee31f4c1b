package io.weir.engine.state;

import io.weir.api.codec.LongCodec;
import io.weir.api.state.LongList;
import io.weir.api.state.LongListState;
import io.weir.api.state.LongListStateDescriptor;
import io.weir.state.spi.KeyedStateStore;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.EpochClock;

import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * {@link LongListState}: the entries of a {@code ListState<Long>} of {@link LongCodec}, read into a {@code long[]}
 * this view owns and returns as the {@link LongList} of {@link #get}, so that no call allocates once the array
 * has grown to the longest list. Shard thread only.
 */
final class LongListStateView extends ListStateView<Long> implements LongListState
{
    private long[] elements = new long[16];
    private int count;
    private final LongElements writes = new LongElements();
    private final ReadList read = new ReadList();

    LongListStateView(
        final KeyedStateStore store,
        final KeyContext keyContext,
        final EpochClock clock,
        final RegisteredState registration,
        final LongListStateDescriptor descriptor)
    {
        super(store, keyContext, clock, registration, descriptor, LongCodec.INSTANCE);
    }

    public void add(final long value)
    {
        onAccess();
        writes.values = null;
        writes.single = value;
        writes.count = 1;
        appendAll(writes);
    }

    public void update(final long[] values, final int count)
    {
        if (count < 0 || count > values.length)
        {
            throw new IndexOutOfBoundsException("state '" + registration.name() + "': update of " + count +
                " elements from an array of " + values.length);
        }
        onAccess();
        writes.values = values;
        writes.count = count;
        try
        {
            replace(writes);
        }
        finally
        {
            writes.values = null;
        }
    }

    public LongList get()
    {
        count = 0;
        collectAll();
        return read;
    }

    void collect(final DirectBuffer src, final int offset, final int length)
    {
        if (length != Long.BYTES)
        {
            throw corrupt("a long list element", length);
        }
        if (count == elements.length)
        {
            elements = Arrays.copyOf(elements, count * 2);
        }
        elements[count++] = src.getLong(offset, ByteOrder.BIG_ENDIAN);
    }

    /** The elements of the last {@link #get}. */
    private final class ReadList implements LongList
    {
        public int size()
        {
            return count;
        }

        public long get(final int index)
        {
            if (index < 0 || index >= count)
            {
                throw new IndexOutOfBoundsException("index " + index + " of a list of " + count);
            }
            return elements[index];
        }
    }

    /** A {@code long[]} prefix, or one value, as the elements of an add or update. */
    private static final class LongElements implements Elements
    {
        long[] values;
        long single;
        int count;

        public int count()
        {
            return count;
        }

        public int encode(final int index, final MutableDirectBuffer dst, final int offset)
        {
            dst.putLong(offset, values != null ? values[index] : single, ByteOrder.BIG_ENDIAN);
            return Long.BYTES;
        }
    }
}
