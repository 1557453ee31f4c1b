package io.weir.tools.jobs;

import io.weir.api.KeyedProcessFunction;
import io.weir.api.RuntimeContext;
import io.weir.api.codec.LongCodec;
import io.weir.api.functions.Collector;
import io.weir.api.functions.OutputTag;
import io.weir.api.state.ListState;
import io.weir.api.state.ListStateDescriptor;
import io.weir.tools.io.LongRow;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code velocity}: for each non-late event, the number of accepted events of its key with {@code ts} in
 * {@code (ts - 10000, ts]}; emits {@code key,ts,event_id,count} when it is at least 5. Accepted timestamps are
 * a ListState (one append per event); history at or below {@code W - 10000} can never count again and is
 * pruned when present.
 */
public final class VelocityFunction extends KeyedProcessFunction<Long, Event, LongRow>
{
    public static final long WINDOW_MS = 10_000;
    public static final int THRESHOLD = 5;

    private final LongRow row = new LongRow();
    private final OutputTag<Event> late;
    private final List<Long> retained = new ArrayList<>();
    private ListState<Long> history;

    public VelocityFunction(final OutputTag<Event> late)
    {
        this.late = late;
    }

    public void open(final RuntimeContext runtimeContext)
    {
        history = runtimeContext.getListState(new ListStateDescriptor<>("accepted-ts", LongCodec.INSTANCE));
    }

    public void processElement(final Event event, final Context ctx, final Collector<LongRow> out)
    {
        final long watermark = ctx.timerService().currentWatermark();
        final long ts = event.timestamp;
        if (ts <= watermark)
        {
            ctx.output(late, event);
            return;
        }
        history.add(ts);
        final List<Long> accepted = history.get();
        final long horizon = watermark == Long.MIN_VALUE ? Long.MIN_VALUE : watermark - WINDOW_MS;
        int count = 0;
        int prunable = 0;
        for (int i = 0, n = accepted.size(); i < n; i++)
        {
            final long t = accepted.get(i);
            if (t > ts - WINDOW_MS && t <= ts)
            {
                count++;
            }
            if (t <= horizon)
            {
                prunable++;
            }
        }
        if (count >= THRESHOLD)
        {
            out.collect(row.set(event.key, ts, event.eventId, count));
        }
        if (prunable > 0)
        {
            retained.clear();
            for (int i = 0, n = accepted.size(); i < n; i++)
            {
                final long t = accepted.get(i);
                if (t > horizon)
                {
                    retained.add(t);
                }
            }
            history.update(retained);
        }
    }
}
