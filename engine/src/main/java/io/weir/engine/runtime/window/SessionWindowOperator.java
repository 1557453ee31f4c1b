package io.weir.engine.runtime.window;

import io.weir.api.RuntimeContext;
import io.weir.api.codec.Codec;
import io.weir.api.functions.AggregateFunction;
import io.weir.api.functions.Collector;
import io.weir.api.functions.OutputTag;
import io.weir.api.state.ValueState;
import io.weir.api.state.ValueStateDescriptor;
import io.weir.api.window.EventTimeSessionWindows;
import io.weir.api.window.ProcessWindowFunction;
import io.weir.engine.runtime.InternalRuntimeContext;
import io.weir.engine.runtime.InternalTimerService;

/**
 * Flink's event-time {@code WindowOperator} for merging windows ({@link EventTimeSessionWindows}) with incremental
 * aggregation, the default {@code EventTimeTrigger} and zero allowed lateness.
 * <p>
 * <b>State.</b> One keyed state, {@value #STATE_NAME}, in the shard's state store so it is part of every
 * checkpoint: per key, a {@link SessionState} holding the {@link SessionWindowSet} (Flink's
 * {@code MergingWindowSet}), which maps every in-flight session {@code [start, end)} to its state namespace, and
 * each session's accumulator by namespace. A session keeps the namespace of the window that created it (its first
 * element's timestamp); on a merge the surviving session takes the namespace of the earliest merged session and
 * the others' accumulators are folded into it with {@link AggregateFunction#merge} (Flink's
 * {@code mergeNamespaces}). One value per key makes an element one read and one write of its key.
 * Each in-flight session has one event-time timer, namespace = session start, at {@code end - 1}.
 * <p>
 * <b>An element with timestamp {@code ts}</b>, with the shard's watermark {@code wm} (every in-flight session
 * ends after {@code wm}: its timer would have fired otherwise), gets the window {@code [ts, ts + gap)}, which is
 * added to the key's window set (Flink's {@code addWindow}):
 * <ol>
 * <li>It intersects no session: it becomes a new session. If its last millisecond {@code ts + gap - 1 <= wm}
 *     the window is late: it is removed again (Flink's {@code retireWindow}), the element is skipped, and since
 *     then also {@code ts <= wm} (Flink's {@code isElementLate}) it goes to the late side output if one is set,
 *     otherwise it is dropped. Nothing else changes. Otherwise the accumulator is created and a timer
 *     registered.</li>
 * <li>It lies inside one session: no merge; the element is added to that session (even if {@code ts <= wm}:
 *     the session is not late).</li>
 * <li>It intersects sessions {@code s1..sn} and extends them or bridges several: they merge into the cover
 *     {@code [min start, max end)}; their timers are deleted, one timer is registered at the cover's
 *     {@code end - 1}, their accumulators are merged into {@code s1}'s namespace, and the element is added.
 *     The cover ends no earlier than {@code s1}, which is after {@code wm}, so a merged window is never late
 *     and an element that reaches a live session is never late either, however old its timestamp (as in Flink;
 *     Flink's "window end cannot become earlier than the watermark by merging" check cannot trigger).</li>
 * </ol>
 * <b>A timer</b> at {@code t} for namespace {@code start} fires the session {@code [start, t + 1)}: the window
 * function gets the key, the session and the aggregate result; then the accumulator and the set entry are removed.
 * A timer that matches no session does nothing (Flink's guard; cannot happen as timers are deleted on merge).
 * End of input (watermark {@code Long.MAX_VALUE}) fires every session.
 * <p>
 * One instance per shard; shard thread only.
 */
public final class SessionWindowOperator<K, I, ACC, OUT, R> extends WindowOperatorBase<K, I, ACC, OUT, R>
    implements SessionWindowSet.MergeCallback
{
    /** Distinct from earlier layouts' states, so that a restore refuses them by name. */
    public static final String STATE_NAME = "session-windows";

    private final EventTimeSessionWindows assigner;

    private ValueState<SessionState<ACC>> sessions;
    /** Decoded into by {@link #processElement}, which writes it back before returning. */
    private final SessionState<ACC> elementSessions = new SessionState<>(4);
    /** The state the merge callback folds accumulators in, set per element. */
    private SessionState<ACC> merging;

    // Set per element for the merge callback (avoids a capturing lambda per element).
    private InternalTimerService timers;

    public SessionWindowOperator(
        final EventTimeSessionWindows assigner,
        final AggregateFunction<I, ACC, OUT> aggregateFunction,
        final Codec<ACC> accumulatorCodec,
        final ProcessWindowFunction<K, OUT, R> windowFunction,
        final OutputTag<I> lateDataTag)
    {
        super(aggregateFunction, accumulatorCodec, windowFunction, lateDataTag);
        this.assigner = assigner;
    }

    public void open(final RuntimeContext runtimeContext)
    {
        sessions = ((InternalRuntimeContext)runtimeContext).stateRegistry().getState(
            new ValueStateDescriptor<>(STATE_NAME, new SessionStateCodec<>(accumulatorCodec)));
    }

    public void processElement(final I value, final Context ctx, final Collector<R> out)
    {
        final long timestamp = ctx.timestamp();
        timers = (InternalTimerService)ctx.timerService();
        final long watermark = timers.currentWatermark();
        SessionState<ACC> state = sessions.value(elementSessions);
        if (state == null)
        {
            state = elementSessions;
            state.clear();
        }
        final SessionWindowSet set = state.windows;
        merging = state;
        final int index = set.addWindow(timestamp, assigner.windowEnd(timestamp), this);
        merging = null;
        final long end = set.end(index);
        if (set.lastAddCreated() && end - 1 <= watermark)
        {
            // Nothing merged and nothing is written: the stored value stays as it was.
            onElementWithoutWindow(value, timestamp, watermark, ctx);
        }
        else
        {
            final long namespace = set.stateNamespace(index);
            ACC accumulator = state.accumulator(namespace);
            if (accumulator == null)
            {
                accumulator = aggregateFunction.createAccumulator();
            }
            state.accumulator(namespace, aggregateFunction.add(value, accumulator));
            timers.registerEventTimeTimer(set.start(index), end - 1);
            sessions.update(state);
        }
        timers = null;
    }

    /** Merge callback, within {@link #processElement}: move timers and fold accumulators into the first. */
    public void onMerge(final SessionWindowSet set, final int from, final int to, final long start, final long end)
    {
        for (int i = from; i <= to; i++)
        {
            timers.deleteEventTimeTimer(set.start(i), set.end(i) - 1);
        }
        timers.registerEventTimeTimer(start, end - 1);
        if (from == to)
        {
            return;
        }
        final SessionState<ACC> state = merging;
        ACC merged = state.accumulator(set.stateNamespace(from));
        for (int i = from + 1; i <= to; i++)
        {
            final ACC source = state.removeAccumulator(set.stateNamespace(i));
            if (source != null)
            {
                merged = merged == null ? source : aggregateFunction.merge(merged, source);
            }
        }
        if (merged != null)
        {
            state.accumulator(set.stateNamespace(from), merged);
        }
    }

    public void onTimer(final long timestampMs, final OnTimerContext ctx, final Collector<R> out)
    {
        final long start = ((InternalTimerService)ctx.timerService()).currentTimerNamespace();
        // Decoded afresh: the result of the fired session's accumulator goes downstream.
        final SessionState<ACC> state = sessions.value();
        final SessionWindowSet set = state == null ? null : state.windows;
        final int index = set == null ? -1 : set.indexOfEnd(timestampMs + 1);
        if (index < 0 || set.start(index) != start)
        {
            return;
        }
        final ACC accumulator = state.removeAccumulator(set.stateNamespace(index));
        set.removeAt(index);
        if (set.isEmpty())
        {
            sessions.clear();
        }
        else
        {
            sessions.update(state);
        }
        if (accumulator != null)
        {
            emit(start, timestampMs + 1, aggregateFunction.result(accumulator), ctx, out);
        }
    }
}
