package io.weir.engine.runtime.window;

import java.util.Arrays;

/**
 * A key's in-flight sessions and their accumulators, stored as one keyed value ({@link SessionStateCodec}): an
 * element reads and writes its key once, where a window set and a separate accumulator per session took three
 * look-ups. Accumulators are kept by the session's state namespace. Shard thread only.
 *
 * @param <ACC> the accumulator type.
 */
final class SessionState<ACC>
{
    final SessionWindowSet windows;
    private long[] namespaces;
    private Object[] accumulators;
    private int size;

    SessionState(final int capacity)
    {
        windows = new SessionWindowSet(capacity);
        namespaces = new long[Math.max(1, capacity)];
        accumulators = new Object[namespaces.length];
    }

    /** The accumulator of the session stored under {@code namespace}, or null. */
    @SuppressWarnings("unchecked")
    ACC accumulator(final long namespace)
    {
        final int index = indexOf(namespace);
        return index < 0 ? null : (ACC)accumulators[index];
    }

    void accumulator(final long namespace, final ACC accumulator)
    {
        final int index = indexOf(namespace);
        if (index >= 0)
        {
            accumulators[index] = accumulator;
            return;
        }
        if (size == namespaces.length)
        {
            namespaces = Arrays.copyOf(namespaces, 2 * size);
            accumulators = Arrays.copyOf(accumulators, 2 * size);
        }
        namespaces[size] = namespace;
        accumulators[size] = accumulator;
        size++;
    }

    /** Remove and return the accumulator stored under {@code namespace}, or null. */
    @SuppressWarnings("unchecked")
    ACC removeAccumulator(final long namespace)
    {
        final int index = indexOf(namespace);
        if (index < 0)
        {
            return null;
        }
        final ACC removed = (ACC)accumulators[index];
        size--;
        namespaces[index] = namespaces[size];
        accumulators[index] = accumulators[size];
        accumulators[size] = null;
        return removed;
    }

    void clear()
    {
        windows.clear();
        Arrays.fill(accumulators, 0, size, null);
        size = 0;
    }

    private int indexOf(final long namespace)
    {
        for (int i = 0; i < size; i++)
        {
            if (namespaces[i] == namespace)
            {
                return i;
            }
        }
        return -1;
    }
}
