package io.weir.engine.runtime.window;

import io.weir.api.KeyedProcessFunction;
import io.weir.api.RuntimeContext;
import io.weir.api.codec.Codec;
import io.weir.api.functions.AggregateFunction;
import io.weir.api.functions.Collector;
import io.weir.api.functions.OutputTag;
import io.weir.api.state.State;
import io.weir.api.state.StateDescriptor;
import io.weir.api.window.ProcessWindowFunction;
import io.weir.api.window.TimeWindow;
import io.weir.engine.runtime.InternalRuntimeContext;

/**
 * What every window operator has: the incremental aggregate and its accumulator codec, the window function, the
 * late-data side output, and the rules for a late element and for emitting a window's result.
 * One instance per shard; shard thread only.
 */
abstract class WindowOperatorBase<K, I, ACC, OUT, R> extends KeyedProcessFunction<K, I, R>
{
    final AggregateFunction<I, ACC, OUT> aggregateFunction;
    final Codec<ACC> accumulatorCodec;
    private final ProcessWindowFunction<K, OUT, R> windowFunction;
    private final OutputTag<I> lateDataTag;
    private final TimeWindow window = new TimeWindow();

    WindowOperatorBase(
        final AggregateFunction<I, ACC, OUT> aggregateFunction,
        final Codec<ACC> accumulatorCodec,
        final ProcessWindowFunction<K, OUT, R> windowFunction,
        final OutputTag<I> lateDataTag)
    {
        this.aggregateFunction = aggregateFunction;
        this.accumulatorCodec = accumulatorCodec;
        this.windowFunction = windowFunction;
        this.lateDataTag = lateDataTag;
    }

    /** The shard's state {@code descriptor} names, scoped by a namespace (it implements {@code NamespacedState}). */
    static <S extends State> S namespacedState(final RuntimeContext runtimeContext, final StateDescriptor descriptor)
    {
        return ((InternalRuntimeContext)runtimeContext).stateRegistry().getNamespacedState(descriptor);
    }

    /**
     * An element that belongs to no live window: if it is also late ({@code timestamp <= watermark}, Flink's
     * {@code isElementLate}) it goes to the late-data side output, if one is set; otherwise it is dropped.
     */
    final void onElementWithoutWindow(
        final I value, final long timestamp, final long watermark, final Context ctx)
    {
        if (timestamp <= watermark && lateDataTag != null)
        {
            ctx.output(lateDataTag, value);
        }
    }

    /** Hands the current key's window {@code [start, end)} and its aggregate result to the window function. */
    final void emit(final long start, final long end, final OUT result, final Context ctx, final Collector<R> out)
    {
        window.set(start, end);
        windowFunction.process(ctx.getCurrentKey(), window, result, out);
    }
}
