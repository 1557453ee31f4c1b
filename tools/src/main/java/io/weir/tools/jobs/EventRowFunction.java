package io.weir.tools.jobs;

import io.weir.api.KeyedProcessFunction;
import io.weir.api.functions.Collector;
import io.weir.tools.io.LongRow;

/**
 * The stateless floor of the reference jobs: writes every event as {@code key,event_id,amount} and keeps no state,
 * so a run times what the jobs share (reading, parsing, watermarks, routing by key, formatting and writing rows).
 */
public final class EventRowFunction extends KeyedProcessFunction<Long, Event, LongRow>
{
    private final LongRow row = new LongRow();

    public void processElement(final Event event, final Context ctx, final Collector<LongRow> out)
    {
        out.collect(row.set(event.key, event.eventId, event.amount));
    }
}
