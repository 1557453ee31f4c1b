package io.weir.api.state;

import java.util.ArrayList;
import java.util.List;

/**
 * A {@link LongListState} over a {@code ListState<Long>}, for a runtime that stores no primitive lists: it boxes
 * every element, and its {@link #get} is valid until the next call, as the interface says. Not thread-safe.
 */
public final class BoxedLongListState implements LongListState
{
    private final ListState<Long> list;
    private final List<Long> writes = new ArrayList<>();
    private List<Long> read = List.of();
    private final LongList readView = new LongList()
    {
        public int size()
        {
            return read.size();
        }

        public long get(final int index)
        {
            return read.get(index);
        }
    };

    public BoxedLongListState(final ListState<Long> list)
    {
        this.list = list;
    }

    public void add(final long value)
    {
        list.add(value);
    }

    public void update(final long[] values, final int count)
    {
        if (count < 0 || count > values.length)
        {
            throw new IndexOutOfBoundsException("update of " + count + " elements from an array of " + values.length);
        }
        writes.clear();
        for (int i = 0; i < count; i++)
        {
            writes.add(values[i]);
        }
        list.update(writes);
        writes.clear();
    }

    public LongList get()
    {
        read = list.get();
        return readView;
    }

    public int size()
    {
        return list.size();
    }

    public void clear()
    {
        list.clear();
    }
}
