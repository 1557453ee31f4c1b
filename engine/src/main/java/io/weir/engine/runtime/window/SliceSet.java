package io.weir.engine.runtime.window;

import java.util.Arrays;

/**
 * A key's live slices of sliding windows, by start ascending: each slice's start and accumulator. Stored as one
 * keyed value ({@link SliceSetCodec}), so a window fires on one read of its key instead of one per slice.
 * Shard thread only.
 *
 * @param <ACC> the accumulator type.
 */
final class SliceSet<ACC>
{
    private long[] starts;
    private Object[] accumulators;
    private int size;

    SliceSet(final int capacity)
    {
        starts = new long[Math.max(1, capacity)];
        accumulators = new Object[starts.length];
    }

    int size()
    {
        return size;
    }

    long start(final int index)
    {
        return starts[index];
    }

    @SuppressWarnings("unchecked")
    ACC accumulator(final int index)
    {
        return (ACC)accumulators[index];
    }

    void accumulator(final int index, final ACC accumulator)
    {
        accumulators[index] = accumulator;
    }

    /** The index of the slice starting at {@code start}, or {@code -(insertion point) - 1}. */
    int indexOf(final long start)
    {
        int i = 0;
        while (i < size && starts[i] < start)
        {
            i++;
        }
        return i < size && starts[i] == start ? i : -i - 1;
    }

    /** Insert a slice at {@code index}, the insertion point {@link #indexOf} gave for its start. */
    void insert(final int index, final long start, final ACC accumulator)
    {
        if (size == starts.length)
        {
            starts = Arrays.copyOf(starts, 2 * size);
            accumulators = Arrays.copyOf(accumulators, 2 * size);
        }
        System.arraycopy(starts, index, starts, index + 1, size - index);
        System.arraycopy(accumulators, index, accumulators, index + 1, size - index);
        starts[index] = start;
        accumulators[index] = accumulator;
        size++;
    }

    /** Set the slice at {@code index}: {@code index < size()}, or {@code == size()} to append one. */
    void set(final int index, final long start, final ACC accumulator)
    {
        if (index == size)
        {
            insert(size, start, accumulator);
            return;
        }
        starts[index] = start;
        accumulators[index] = accumulator;
    }

    void removeAt(final int index)
    {
        System.arraycopy(starts, index + 1, starts, index, size - index - 1);
        System.arraycopy(accumulators, index + 1, accumulators, index, size - index - 1);
        size--;
        accumulators[size] = null;
    }

    /** Drop the slices from {@code newSize} on. */
    void truncate(final int newSize)
    {
        Arrays.fill(accumulators, newSize, Math.max(newSize, size), null);
        size = Math.min(size, newSize);
    }
}
