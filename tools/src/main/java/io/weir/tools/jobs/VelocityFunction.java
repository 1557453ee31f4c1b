package io.weir.tools.jobs;

import io.weir.api.KeyedProcessFunction;
import io.weir.api.RuntimeContext;
import io.weir.api.functions.Collector;
import io.weir.api.functions.OutputTag;
import io.weir.api.state.LongList;
import io.weir.api.state.LongListState;
import io.weir.api.state.LongListStateDescriptor;
import io.weir.tools.io.LongRow;

import java.util.Arrays;

/**
 * {@code velocity}: for each non-late event, the number of accepted events of its key with {@code ts} in
 * {@code (ts - 10000, ts]}; emits {@code key,ts,event_id,count} when it is at least 5. Accepted timestamps are
 * a list state, read once per event and then appended to; history at or below {@code W - 10000} can never count
 * again and is pruned when present (the list is then replaced instead).
 */
public final class VelocityFunction extends KeyedProcessFunction<Long, Event, LongRow>
{
    public static final long WINDOW_MS = 10_000;
    public static final int THRESHOLD = 5;

    private final LongRow row = new LongRow();
    private final OutputTag<Event> late;
    private long[] retained = new long[16];
    private LongListState history;

    public VelocityFunction(final OutputTag<Event> late)
    {
        this.late = late;
    }

    public void open(final RuntimeContext runtimeContext)
    {
        history = runtimeContext.getLongListState(new LongListStateDescriptor("accepted-ts"));
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
        // History at or below W - 10000 can never fall in (ts' - 10000, ts'] of a later non-late ts' > W.
        final boolean canPrune = watermark > Long.MIN_VALUE + WINDOW_MS;
        final long horizon = canPrune ? watermark - WINDOW_MS : Long.MIN_VALUE;
        final LongList accepted = history.get();
        final int n = accepted.size();
        if (retained.length <= n)
        {
            retained = Arrays.copyOf(retained, Math.max(n + 1, retained.length * 2));
        }
        int count = 1;
        int kept = 0;
        for (int i = 0; i < n; i++)
        {
            final long t = accepted.get(i);
            if (canPrune && t <= horizon)
            {
                continue;
            }
            retained[kept++] = t;
            if (t > ts - WINDOW_MS && t <= ts)
            {
                count++;
            }
        }
        // One read and one write per event: the list read once, then appended to, or replaced when pruned.
        if (kept < n)
        {
            retained[kept++] = ts;
            history.update(retained, kept);
        }
        else
        {
            history.add(ts);
        }
        if (count >= THRESHOLD)
        {
            out.collect(row.set(event.key, ts, event.eventId, count));
        }
    }
}
