package io.weir.engine.runtime.window;

import io.weir.api.RuntimeContext;
import io.weir.api.codec.Codec;
import io.weir.api.functions.AggregateFunction;
import io.weir.api.functions.Collector;
import io.weir.api.functions.OutputTag;
import io.weir.api.state.AggregatingStateDescriptor;
import io.weir.api.window.ProcessWindowFunction;
import io.weir.api.window.WindowAssigner;
import io.weir.engine.runtime.InternalTimerService;
import io.weir.engine.state.CreationReportingAggregatingState;
import io.weir.engine.state.NamespacedState;

/**
 * Flink's event-time {@code WindowOperator} for fixed-size (tumbling and sliding) windows with incremental
 * aggregation and zero allowed lateness: each (key, window) has an accumulator in namespaced state (namespace =
 * window start) and an event-time timer at the window's last millisecond, registered by the element that created
 * the accumulator; when the watermark passes it, the window's result is emitted and its state cleared. An element
 * all of whose windows have already fired is late: it goes to the late-data side output, if one is set, and is
 * otherwise dropped.
 * One instance per shard; shard thread only.
 */
public final class WindowOperator<K, I, ACC, OUT, R> extends WindowOperatorBase<K, I, ACC, OUT, R>
    implements WindowAssigner.WindowStartConsumer
{
    private static final String STATE_NAME = "window-contents";

    private final WindowAssigner assigner;
    private final long sizeMs;

    private CreationReportingAggregatingState<I, OUT> contents;
    private NamespacedState contentsNamespace;

    // Per-element scratch for the assigner callback (avoids a capturing lambda per element).
    private I element;
    private InternalTimerService timers;
    private boolean assignedToLiveWindow;

    public WindowOperator(
        final WindowAssigner assigner,
        final AggregateFunction<I, ACC, OUT> aggregateFunction,
        final Codec<ACC> accumulatorCodec,
        final ProcessWindowFunction<K, OUT, R> windowFunction,
        final OutputTag<I> lateDataTag)
    {
        super(aggregateFunction, accumulatorCodec, windowFunction, lateDataTag);
        this.assigner = assigner;
        this.sizeMs = assigner.sizeMs();
    }

    public void open(final RuntimeContext runtimeContext)
    {
        contents = namespacedState(runtimeContext,
            new AggregatingStateDescriptor<>(STATE_NAME, aggregateFunction, accumulatorCodec));
        contentsNamespace = (NamespacedState)contents;
    }

    public void processElement(final I value, final Context ctx, final Collector<R> out)
    {
        element = value;
        timers = (InternalTimerService)ctx.timerService();
        assignedToLiveWindow = false;
        assigner.assignWindows(ctx.timestamp(), this);
        if (!assignedToLiveWindow)
        {
            onElementWithoutWindow(value, ctx.timestamp(), timers.currentWatermark(), ctx);
        }
        element = null;
    }

    /** Assigner callback, within {@link #processElement}. */
    public boolean onWindowStart(final long windowStart)
    {
        final long maxTimestamp = windowStart + sizeMs - 1;
        if (maxTimestamp <= timers.currentWatermark())
        {
            return true;
        }
        assignedToLiveWindow = true;
        contentsNamespace.setNamespace(windowStart);
        if (contents.addReportingCreation(element))
        {
            // A window holding contents has its timer: its first element registered it, and only the timer's
            // firing clears them. So the timer is new, and is never deleted.
            timers.registerNewEventTimeTimer(windowStart, maxTimestamp);
        }
        return true;
    }

    public void onTimer(final long timestampMs, final OnTimerContext ctx, final Collector<R> out)
    {
        final long windowStart = ((InternalTimerService)ctx.timerService()).currentTimerNamespace();
        contentsNamespace.setNamespace(windowStart);
        final OUT result = contents.getTransient();
        if (result != null)
        {
            emit(windowStart, windowStart + sizeMs, result, ctx, out);
        }
        contents.clear();
    }
}
