package io.weir.tools.nexmark.queries;

import io.weir.api.functions.AggregateFunction;

/** Counts elements (a window's incremental aggregate). */
final class Count<T> implements AggregateFunction<T, Long, Long>
{
    public Long createAccumulator()
    {
        return 0L;
    }

    public Long add(final T value, final Long accumulator)
    {
        return accumulator + 1;
    }

    public Long result(final Long accumulator)
    {
        return accumulator;
    }

    public Long merge(final Long a, final Long b)
    {
        return a + b;
    }
}
