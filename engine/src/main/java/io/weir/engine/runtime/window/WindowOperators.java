package io.weir.engine.runtime.window;

import io.weir.api.KeyedProcessFunction;
import io.weir.api.codec.Codec;
import io.weir.api.functions.AggregateFunction;
import io.weir.api.functions.OutputTag;
import io.weir.api.window.ProcessWindowFunction;
import io.weir.api.window.SlidingEventTimeWindows;
import io.weir.api.window.WindowAssigner;

import java.util.function.Supplier;

/**
 * Chooses the operator for fixed-size windows: {@link SlicedWindowOperator} for sliding windows whose size is a
 * multiple of the slide and whose aggregate can merge (one state write per element), {@link WindowOperator}
 * otherwise (one per window an element belongs to). {@code -Dweir.window.slicing=false} always chooses the latter,
 * for comparisons. Thread-safe; called while a job is built.
 */
public final class WindowOperators
{
    /** The system property that turns slice-shared aggregation of sliding windows off when {@code false}. */
    public static final String SLICING_PROPERTY = "weir.window.slicing";

    private WindowOperators()
    {
    }

    /** A factory of one operator per shard for {@code assigner}'s windows. */
    public static <K, I, ACC, OUT, R> Supplier<KeyedProcessFunction<K, I, R>> factory(
        final WindowAssigner assigner,
        final AggregateFunction<I, ACC, OUT> aggregateFunction,
        final Codec<ACC> accumulatorCodec,
        final ProcessWindowFunction<K, OUT, R> windowFunction,
        final OutputTag<I> lateDataTag)
    {
        if (sliceable(assigner, aggregateFunction))
        {
            final SlidingEventTimeWindows sliding = (SlidingEventTimeWindows)assigner;
            return () -> new SlicedWindowOperator<>(
                sliding, aggregateFunction, accumulatorCodec, windowFunction, lateDataTag);
        }
        return () -> new WindowOperator<>(assigner, aggregateFunction, accumulatorCodec, windowFunction, lateDataTag);
    }

    /**
     * Sliding windows with more than one slice each, a size that is a multiple of the slide, and an aggregate whose
     * {@code merge} does not throw {@link UnsupportedOperationException} (Flink's window operator never merges
     * fixed-size windows, so such aggregates are common).
     */
    public static boolean sliceable(final WindowAssigner assigner, final AggregateFunction<?, ?, ?> aggregateFunction)
    {
        if (!(assigner instanceof SlidingEventTimeWindows) ||
            "false".equalsIgnoreCase(System.getProperty(SLICING_PROPERTY)))
        {
            return false;
        }
        final SlidingEventTimeWindows sliding = (SlidingEventTimeWindows)assigner;
        if (sliding.sizeMs() % sliding.slideMs() != 0 || sliding.sizeMs() == sliding.slideMs())
        {
            return false;
        }
        return canMerge(aggregateFunction);
    }

    private static <ACC> boolean canMerge(final AggregateFunction<?, ACC, ?> aggregateFunction)
    {
        try
        {
            aggregateFunction.merge(aggregateFunction.createAccumulator(), aggregateFunction.createAccumulator());
            return true;
        }
        catch (final UnsupportedOperationException ex)
        {
            return false;
        }
    }
}
