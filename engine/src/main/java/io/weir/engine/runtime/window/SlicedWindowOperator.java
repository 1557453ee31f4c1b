package io.weir.engine.runtime.window;

import io.weir.api.RuntimeContext;
import io.weir.api.codec.Codec;
import io.weir.api.functions.AggregateFunction;
import io.weir.api.functions.Collector;
import io.weir.api.functions.OutputTag;
import io.weir.api.state.ValueState;
import io.weir.api.state.ValueStateDescriptor;
import io.weir.api.window.ProcessWindowFunction;
import io.weir.api.window.SlidingEventTimeWindows;
import io.weir.api.window.TimeWindow;
import io.weir.engine.runtime.InternalTimerService;
import io.weir.engine.state.NamespacedState;

/**
 * Sliding event-time windows whose size is a multiple of their slide, aggregated per slice: a window of
 * {@code size} is {@code size / slide} consecutive slices of {@code slide} ms, and each element is added to the one
 * accumulator of its slice (namespace = slice start) instead of to every window it belongs to. When the watermark
 * passes a window's last millisecond, the accumulators of its slices are combined with
 * {@link AggregateFunction#merge}, oldest first, and the result is emitted; the window's first slice belongs to no
 * later window and is cleared. Outputs equal {@link WindowOperator}'s for aggregates whose {@code merge} agrees
 * with adding the elements one by one (Flink's slice-shared window aggregation makes the same assumption).
 * <p>
 * Timers: an element registers one timer, at the end of the first window of its slice that has not fired (the
 * namespace is that window's start). A fired window registers the next window's timer when any of its later
 * slices holds elements, so every window holding elements fires, once, and the last window of a slice clears it.
 * An element whose slice's windows have all fired is late: it goes to the late-data side output, if one is set.
 * <p>
 * One instance per shard; shard thread only.
 */
public final class SlicedWindowOperator<K, I, ACC, OUT, R> extends WindowOperatorBase<K, I, ACC, OUT, R>
{
    /** Distinct from {@link WindowOperator}'s state, so that a restore refuses the other layout by name. */
    static final String STATE_NAME = "window-slices";

    private final long sizeMs;
    private final long slideMs;
    private final long offsetMs;

    private ValueState<ACC> slices;
    private NamespacedState slicesNamespace;

    public SlicedWindowOperator(
        final SlidingEventTimeWindows assigner,
        final AggregateFunction<I, ACC, OUT> aggregateFunction,
        final Codec<ACC> accumulatorCodec,
        final ProcessWindowFunction<K, OUT, R> windowFunction,
        final OutputTag<I> lateDataTag)
    {
        super(aggregateFunction, accumulatorCodec, windowFunction, lateDataTag);
        if (assigner.sizeMs() % assigner.slideMs() != 0)
        {
            throw new IllegalArgumentException("sliced windows need a size that is a multiple of the slide: " +
                assigner);
        }
        this.sizeMs = assigner.sizeMs();
        this.slideMs = assigner.slideMs();
        this.offsetMs = assigner.offsetMs();
    }

    public void open(final RuntimeContext runtimeContext)
    {
        slices = namespacedState(runtimeContext, new ValueStateDescriptor<>(STATE_NAME, accumulatorCodec));
        slicesNamespace = (NamespacedState)slices;
    }

    public void processElement(final I value, final Context ctx, final Collector<R> out)
    {
        final long timestamp = ctx.timestamp();
        final InternalTimerService timers = (InternalTimerService)ctx.timerService();
        final long watermark = timers.currentWatermark();
        final long sliceStart = TimeWindow.windowStart(timestamp, offsetMs, slideMs);
        if (sliceStart + sizeMs - 1 <= watermark)
        {
            // The last window of the slice, the one starting with it, has fired.
            onElementWithoutWindow(value, timestamp, watermark, ctx);
            return;
        }
        // The end of the slice's first window that has not fired (compared, not subtracted: the watermark may be
        // Long.MIN_VALUE).
        final long firstEnd = sliceStart + slideMs;
        final long end = firstEnd - 1 > watermark ?
            firstEnd : firstEnd + ((watermark - (firstEnd - 1)) / slideMs + 1) * slideMs;

        slicesNamespace.setNamespace(sliceStart);
        final ACC accumulator = slices.value();
        slices.update(aggregateFunction.add(value,
            accumulator == null ? aggregateFunction.createAccumulator() : accumulator));
        timers.registerEventTimeTimer(end - sizeMs, end - 1);
    }

    public void onTimer(final long timestampMs, final OnTimerContext ctx, final Collector<R> out)
    {
        final InternalTimerService timers = (InternalTimerService)ctx.timerService();
        final long windowStart = timers.currentTimerNamespace();
        final long windowEnd = windowStart + sizeMs;
        ACC merged = null;
        boolean firstSliceHeld = false;
        boolean laterSliceHeld = false;
        for (long sliceStart = windowStart; sliceStart < windowEnd; sliceStart += slideMs)
        {
            slicesNamespace.setNamespace(sliceStart);
            final ACC accumulator = slices.value();
            if (accumulator != null)
            {
                // Decoded copies: merge may mutate its first argument without touching the stored slice.
                merged = merged == null ? accumulator : aggregateFunction.merge(merged, accumulator);
                if (sliceStart == windowStart)
                {
                    firstSliceHeld = true;
                }
                else
                {
                    laterSliceHeld = true;
                }
            }
        }
        if (merged != null)
        {
            emit(windowStart, windowEnd, aggregateFunction.result(merged), ctx, out);
        }
        if (firstSliceHeld)
        {
            slicesNamespace.setNamespace(windowStart);
            slices.clear();
        }
        if (laterSliceHeld)
        {
            timers.registerEventTimeTimer(windowStart + slideMs, windowEnd + slideMs - 1);
        }
    }
}
