package io.weir.tools.jobs;

import io.weir.api.KeyedProcessFunction;
import io.weir.api.RuntimeContext;
import io.weir.api.functions.Collector;
import io.weir.api.state.LongValueState;
import io.weir.api.state.LongValueStateDescriptor;

/**
 * {@code dedup}: keyed by event id; the first copy is emitted and sets a "seen" flag cleared by an event-time
 * timer at {@code ts + 60000}; copies while the flag is set are dropped.
 */
public final class DedupFunction extends KeyedProcessFunction<Long, Event, Event>
{
    public static final long TTL_MS = 60_000;

    private LongValueState seen;

    public void open(final RuntimeContext runtimeContext)
    {
        seen = runtimeContext.getLongState(new LongValueStateDescriptor("seen"));
    }

    public void processElement(final Event event, final Context ctx, final Collector<Event> out)
    {
        if (!seen.exists())
        {
            seen.update(1);
            ctx.timerService().registerEventTimeTimer(event.timestamp + TTL_MS);
            out.collect(event);
        }
    }

    public void onTimer(final long timestampMs, final OnTimerContext ctx, final Collector<Event> out)
    {
        seen.clear();
    }
}
