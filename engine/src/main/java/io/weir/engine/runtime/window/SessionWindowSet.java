package io.weir.engine.runtime.window;

import io.weir.api.window.EventTimeSessionWindows;

import java.util.Arrays;

/**
 * One key's in-flight session windows: Flink's {@code MergingWindowSet}. Each entry maps a window
 * {@code [start, end)} to its <em>state namespace</em>, the namespace under which the window's accumulator is
 * stored. A window keeps the namespace it was created with (its start); when windows merge, the merged window
 * takes over the state namespace of the earliest merged window and the others' accumulators are folded into
 * it, so merging never moves the surviving accumulator.
 * <p>
 * Invariant: entries are sorted by start and no two intersect ({@link EventTimeSessionWindows#intersects}), so
 * starts, ends and state namespaces are each unique within a key. The set lives in keyed state (see
 * {@link SessionWindowSetCodec}) and is decoded per access. Not thread-safe: shard thread only.
 */
public final class SessionWindowSet
{
    /** Told about a merge before the set changes, so that it can still read the merged windows. */
    interface MergeCallback
    {
        /**
         * Windows {@code [from, to]} of {@code set} (indices, inclusive) are about to become {@code [start, end)},
         * stored under {@code set.stateNamespace(from)}.
         */
        void onMerge(SessionWindowSet set, int from, int to, long start, long end);
    }

    private static final int INITIAL_CAPACITY = 4;

    private long[] starts;
    private long[] ends;
    private long[] stateNamespaces;
    private int size;
    private boolean lastAddCreated;

    SessionWindowSet()
    {
        this(INITIAL_CAPACITY);
    }

    SessionWindowSet(final int capacity)
    {
        final int length = Math.max(1, capacity);
        starts = new long[length];
        ends = new long[length];
        stateNamespaces = new long[length];
    }

    int size()
    {
        return size;
    }

    boolean isEmpty()
    {
        return size == 0;
    }

    long start(final int index)
    {
        return starts[index];
    }

    long end(final int index)
    {
        return ends[index];
    }

    long stateNamespace(final int index)
    {
        return stateNamespaces[index];
    }

    void clear()
    {
        size = 0;
    }

    /** True if the last {@link #addWindow} created a new, self-mapped window rather than merging. */
    boolean lastAddCreated()
    {
        return lastAddCreated;
    }

    /**
     * Flink's {@code MergingWindowSet.addWindow}: add {@code [start, end)}, merging it with every window it
     * intersects. When the new window merges with at least one window, {@code callback} is called once, unless
     * the new window lies inside a single existing window, which then stays as it is (Flink skips the merge
     * function in that case too). When it intersects none, it is inserted mapped to the state namespace
     * {@code start} and {@link #lastAddCreated()} becomes true.
     *
     * @return the index of the window the new one ended up in.
     */
    int addWindow(final long start, final long end, final MergeCallback callback)
    {
        int from = 0;
        while (from < size && ends[from] < start)
        {
            from++;
        }
        int to = from - 1;
        while (to + 1 < size && starts[to + 1] <= end)
        {
            to++;
        }
        if (to < from)
        {
            lastAddCreated = true;
            insertAt(from, start, end, start);
            return from;
        }
        lastAddCreated = false;
        final long mergedStart = Math.min(start, starts[from]);
        final long mergedEnd = Math.max(end, ends[to]);
        if (from == to && mergedStart == starts[from] && mergedEnd == ends[from])
        {
            return from;
        }
        callback.onMerge(this, from, to, mergedStart, mergedEnd);
        starts[from] = mergedStart;
        ends[from] = mergedEnd;
        removeRange(from + 1, to + 1);
        return from;
    }

    /** The window ending at {@code end}, or -1. */
    int indexOfEnd(final long end)
    {
        for (int i = 0; i < size; i++)
        {
            if (ends[i] == end)
            {
                return i;
            }
        }
        return -1;
    }

    /** Flink's {@code retireWindow}: forget the window, e.g. after it fired. */
    void removeAt(final int index)
    {
        removeRange(index, index + 1);
    }

    /** Append an entry read from storage; entries must come in start order. */
    void append(final long start, final long end, final long stateNamespace)
    {
        insertAt(size, start, end, stateNamespace);
    }

    private void insertAt(final int index, final long start, final long end, final long stateNamespace)
    {
        if (size == starts.length)
        {
            final int capacity = size * 2;
            starts = Arrays.copyOf(starts, capacity);
            ends = Arrays.copyOf(ends, capacity);
            stateNamespaces = Arrays.copyOf(stateNamespaces, capacity);
        }
        final int tail = size - index;
        System.arraycopy(starts, index, starts, index + 1, tail);
        System.arraycopy(ends, index, ends, index + 1, tail);
        System.arraycopy(stateNamespaces, index, stateNamespaces, index + 1, tail);
        starts[index] = start;
        ends[index] = end;
        stateNamespaces[index] = stateNamespace;
        size++;
    }

    private void removeRange(final int from, final int toExclusive)
    {
        final int removed = toExclusive - from;
        if (removed <= 0)
        {
            return;
        }
        final int tail = size - toExclusive;
        System.arraycopy(starts, toExclusive, starts, from, tail);
        System.arraycopy(ends, toExclusive, ends, from, tail);
        System.arraycopy(stateNamespaces, toExclusive, stateNamespaces, from, tail);
        size -= removed;
    }

    public String toString()
    {
        final StringBuilder sb = new StringBuilder("SessionWindowSet[");
        for (int i = 0; i < size; i++)
        {
            sb.append(i == 0 ? "" : ", ").append('[').append(starts[i]).append(", ").append(ends[i])
                .append(")->").append(stateNamespaces[i]);
        }
        return sb.append(']').toString();
    }
}
