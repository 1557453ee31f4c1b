package io.weir.tools.jobs;

import io.weir.api.KeyedProcessFunction;
import io.weir.api.RuntimeContext;
import io.weir.api.functions.Collector;
import io.weir.api.state.LongValueState;
import io.weir.api.state.LongValueStateDescriptor;
import io.weir.tools.io.LongRow;

/** {@code rolling-sum}: per key, the running sum of amounts; emits {@code key,event_id,sum} for every event. */
public final class RollingSumFunction extends KeyedProcessFunction<Long, Event, LongRow>
{
    private final LongRow row = new LongRow();
    private LongValueState sum;

    public void open(final RuntimeContext runtimeContext)
    {
        sum = runtimeContext.getLongState(new LongValueStateDescriptor("sum"));
    }

    public void processElement(final Event event, final Context ctx, final Collector<LongRow> out)
    {
        final long updated = sum.valueOr(0) + event.amount;
        sum.update(updated);
        out.collect(row.set(event.key, event.eventId, updated));
    }
}
