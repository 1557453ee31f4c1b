package io.weir.engine.runtime;

import io.weir.api.functions.Collector;
import io.weir.api.functions.FilterFunction;
import io.weir.api.functions.FlatMapFunction;
import io.weir.api.functions.MapFunction;

/**
 * Stateless operators chained after a stage's function: each is a collector that applies its function and hands
 * the result to the next, on the stage's thread, with no ring in between.
 */
public final class ChainedCollectors
{
    private ChainedCollectors()
    {
    }

    public static <T, R> Collector<T> map(final String name, final MapFunction<T, R> function, final Collector<R> next)
    {
        return value ->
        {
            final R result;
            try
            {
                result = function.map(value);
            }
            catch (final RuntimeException ex)
            {
                throw ex;
            }
            catch (final Exception ex)
            {
                throw new IllegalStateException(name + " failed: " + ex, ex);
            }
            next.collect(result);
        };
    }

    public static <T> Collector<T> filter(final String name, final FilterFunction<T> function, final Collector<T> next)
    {
        return value ->
        {
            final boolean keep;
            try
            {
                keep = function.filter(value);
            }
            catch (final RuntimeException ex)
            {
                throw ex;
            }
            catch (final Exception ex)
            {
                throw new IllegalStateException(name + " failed: " + ex, ex);
            }
            if (keep)
            {
                next.collect(value);
            }
        };
    }

    public static <T, R> Collector<T> flatMap(
        final String name, final FlatMapFunction<T, R> function, final Collector<R> next)
    {
        return value ->
        {
            try
            {
                function.flatMap(value, next);
            }
            catch (final RuntimeException ex)
            {
                throw ex;
            }
            catch (final Exception ex)
            {
                throw new IllegalStateException(name + " failed: " + ex, ex);
            }
        };
    }

    /** Every element to each of {@code targets}, in order. */
    @SuppressWarnings("unchecked")
    public static <T> Collector<T> tee(final Collector<?>[] targets)
    {
        if (1 == targets.length)
        {
            return (Collector<T>)targets[0];
        }
        final Collector<T>[] all = (Collector<T>[])targets.clone();
        return value ->
        {
            for (final Collector<T> target : all)
            {
                target.collect(value);
            }
        };
    }

    /** Drops everything: a stream nobody reads. */
    public static <T> Collector<T> discard()
    {
        return value ->
        {
        };
    }
}
