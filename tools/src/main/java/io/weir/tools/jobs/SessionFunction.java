package io.weir.tools.jobs;

import io.weir.api.KeyedProcessFunction;
import io.weir.api.RuntimeContext;
import io.weir.api.TimerService;
import io.weir.api.functions.Collector;
import io.weir.api.functions.OutputTag;
import io.weir.api.state.ValueState;
import io.weir.api.state.ValueStateDescriptor;
import io.weir.tools.io.LongRow;

/**
 * {@code session}: event-time sessions with a 30 s gap, as docs/reference-jobs.md defines them (a process function with
 * one timer at {@code maxTs + gap}, moved as the session grows). Emits {@code key,start,maxTs+gap,count,sum};
 * late events go to {@link ReferenceJobs#LATE}.
 */
public final class SessionFunction extends KeyedProcessFunction<Long, Event, LongRow>
{
    public static final long GAP_MS = 30_000;

    private final LongRow row = new LongRow();
    private final SessionAccumulator scratch = new SessionAccumulator();
    private final OutputTag<Event> late;
    private ValueState<SessionAccumulator> session;

    public SessionFunction(final OutputTag<Event> late)
    {
        this.late = late;
    }

    public void open(final RuntimeContext runtimeContext)
    {
        session = runtimeContext.getState(new ValueStateDescriptor<>("session", SessionAccumulator.Codec.INSTANCE));
    }

    public void processElement(final Event event, final Context ctx, final Collector<LongRow> out)
    {
        final TimerService timers = ctx.timerService();
        final long ts = event.timestamp;
        if (ts <= timers.currentWatermark())
        {
            ctx.output(late, event);
            return;
        }
        SessionAccumulator acc = session.value(scratch);
        if (acc != null && ts >= acc.maxTimestamp + GAP_MS)
        {
            emit(event.key, acc, out);
            timers.deleteEventTimeTimer(acc.maxTimestamp + GAP_MS);
            acc = null;
        }
        if (acc == null)
        {
            acc = scratch;
            acc.start = ts;
            acc.maxTimestamp = ts;
            acc.count = 1;
            acc.sum = event.amount;
            timers.registerEventTimeTimer(ts + GAP_MS);
        }
        else
        {
            acc.start = Math.min(acc.start, ts);
            acc.count++;
            acc.sum += event.amount;
            if (ts > acc.maxTimestamp)
            {
                timers.deleteEventTimeTimer(acc.maxTimestamp + GAP_MS);
                timers.registerEventTimeTimer(ts + GAP_MS);
                acc.maxTimestamp = ts;
            }
        }
        session.update(acc);
    }

    public void onTimer(final long timestampMs, final OnTimerContext ctx, final Collector<LongRow> out)
    {
        final SessionAccumulator acc = session.value(scratch);
        if (acc != null)
        {
            emit(ctx.getCurrentKey(), acc, out);
            session.clear();
        }
    }

    private void emit(final long key, final SessionAccumulator acc, final Collector<LongRow> out)
    {
        out.collect(row.set(key, acc.start, acc.maxTimestamp + GAP_MS, acc.count, acc.sum));
    }
}
