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
import io.weir.engine.runtime.InternalRuntimeContext;

/**
 * Sliding event-time windows whose size is a multiple of their slide, aggregated per slice: a window of
 * {@code size} is {@code size / slide} consecutive slices of {@code slide} ms, and each element is added to the one
 * accumulator of its slice instead of to every window it belongs to. When the watermark passes a window's last
 * millisecond, the accumulators of its slices are combined with {@link AggregateFunction#merge}, oldest first, and
 * the result is emitted; the window's first slice belongs to no later window and is dropped. Outputs equal
 * {@link WindowOperator}'s for aggregates whose {@code merge} agrees with adding the elements one by one (Flink's
 * slice-shared window aggregation makes the same assumption).
 * <p>
 * State: per key, one {@link SliceSet} of its live slices ({@value #STATE_NAME}), so an element costs one read and
 * one write of its key, and a window fires on one read (Nexmark q5: a read per slice took half the shard's time).
 * <p>
 * Timers: an element that opens a slice registers one timer, at the end of the first window of its slice that has
 * not fired (the namespace is that window's start). A fired window registers the next window's timer when any of
 * its later slices holds elements, so every window holding elements fires, once, and the last window of a slice
 * drops it. A later element of a held slice registers nothing: that chain already holds its window's timer.
 * An element whose slice's windows have all fired is late: it goes to the late-data side output, if one is set.
 * <p>
 * One instance per shard; shard thread only.
 */
public final class SlicedWindowOperator<K, I, ACC, OUT, R> extends WindowOperatorBase<K, I, ACC, OUT, R>
{
    /** Distinct from {@link WindowOperator}'s state and earlier layouts, so that a restore refuses them by name. */
    static final String STATE_NAME = "window-slice-sets";

    private final long sizeMs;
    private final long slideMs;
    private final long offsetMs;

    private ValueState<SliceSet<ACC>> sliceSets;
    /** Decoded into by {@link #processElement} (its arrays; accumulators are decoded afresh), written back at once. */
    private final SliceSet<ACC> elementSlices;

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
        this.elementSlices = new SliceSet<>((int)Math.min(64, sizeMs / slideMs + 1));
    }

    public void open(final RuntimeContext runtimeContext)
    {
        sliceSets = ((InternalRuntimeContext)runtimeContext).stateRegistry().getState(
            new ValueStateDescriptor<>(STATE_NAME, new SliceSetCodec<>(accumulatorCodec)));
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

        SliceSet<ACC> set = sliceSets.value(elementSlices);
        if (set == null)
        {
            set = elementSlices;
            set.truncate(0);
        }
        int index = set.indexOf(sliceStart);
        final boolean newSlice = index < 0;
        if (newSlice)
        {
            index = -index - 1;
            set.insert(index, sliceStart, aggregateFunction.createAccumulator());
        }
        set.accumulator(index, aggregateFunction.add(value, set.accumulator(index)));
        sliceSets.update(set);
        if (newSlice)
        {
            // A slice already held has this timer: the element that opened it registered its first window that
            // had not fired, and each of its windows that fired since held it as a later slice and registered the
            // next.
            timers.registerEventTimeTimer(end - sizeMs, end - 1);
        }
    }

    public void onTimer(final long timestampMs, final OnTimerContext ctx, final Collector<R> out)
    {
        final InternalTimerService timers = (InternalTimerService)ctx.timerService();
        final long windowStart = timers.currentTimerNamespace();
        final long windowEnd = windowStart + sizeMs;
        // Decoded afresh: merge may mutate its first argument, and the result goes downstream.
        final SliceSet<ACC> set = sliceSets.value();
        if (set == null)
        {
            return;
        }
        ACC merged = null;
        int first = set.indexOf(windowStart);
        if (first >= 0)
        {
            // The window's first slice belongs to no later window: stored without it before merging.
            merged = set.accumulator(first);
            set.removeAt(first);
        }
        else
        {
            first = -first - 1;
        }
        final boolean laterSliceHeld = first < set.size() && set.start(first) < windowEnd;
        if (merged != null)
        {
            if (set.size() == 0)
            {
                sliceSets.clear();
            }
            else
            {
                sliceSets.update(set);
            }
        }
        for (int i = first; i < set.size() && set.start(i) < windowEnd; i++)
        {
            merged = merged == null ? set.accumulator(i) : aggregateFunction.merge(merged, set.accumulator(i));
        }
        if (merged != null)
        {
            emit(windowStart, windowEnd, aggregateFunction.result(merged), ctx, out);
        }
        if (laterSliceHeld)
        {
            timers.registerEventTimeTimer(windowStart + slideMs, windowEnd + slideMs - 1);
        }
    }
}
