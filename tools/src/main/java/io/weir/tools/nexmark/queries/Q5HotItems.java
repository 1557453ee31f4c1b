package io.weir.tools.nexmark.queries;

import io.weir.api.KeyedProcessFunction;
import io.weir.api.RuntimeContext;
import io.weir.api.codec.LongCodec;
import io.weir.api.dataflow.DataStream;
import io.weir.api.functions.Collector;
import io.weir.api.state.ValueState;
import io.weir.api.state.ValueStateDescriptor;
import io.weir.api.window.SlidingEventTimeWindows;
import io.weir.api.window.TimeWindow;
import io.weir.tools.io.CsvLineWriter;

import java.util.Arrays;

/**
 * q5, hot items: bids counted per auction in sliding windows of 10 s every 2 s, then, keyed by window end, the
 * auctions with the largest count (ties kept): {@code window_start,window_end,auction,count}.
 */
public final class Q5HotItems implements NexmarkQuery<long[]>
{
    static final long SIZE_MS = 10_000;
    static final long SLIDE_MS = 2_000;

    public String name()
    {
        return "q5";
    }

    public DataStream<long[]> apply(final DataStream<NexmarkEvent> events)
    {
        return events.filter(NexmarkQueries::isBid)
            .keyBy(event -> event.bid().auction)
            .window(SlidingEventTimeWindows.of(SIZE_MS, SLIDE_MS))
            .aggregate(new Count<>(), LongCodec.INSTANCE, (Long auction, TimeWindow window, Long count,
                Collector<long[]> out) -> out.collect(new long[] {window.start(), window.end(), auction, count}))
            .uid("q5-counts").returns(LongsCodec.INSTANCE)
            .keyBy(row -> row[1])
            .process(Hottest::new).uid("q5-hottest");
    }

    public void format(final long[] row, final CsvLineWriter out)
    {
        NexmarkQueries.writeLongs(row, out);
    }

    public long dueTime(final long[] row)
    {
        return row[1] - 1 + WATERMARK_DELAY_MS;
    }

    /**
     * Keyed by window end: the largest count and the auctions having it ({@code [count, auction, ...]}); a timer
     * at {@code end - 1} emits them and clears the window.
     */
    static final class Hottest extends KeyedProcessFunction<Long, long[], long[]>
    {
        private ValueState<long[]> hottest;

        public void open(final RuntimeContext runtimeContext)
        {
            hottest = runtimeContext.getState(new ValueStateDescriptor<>("hottest", LongsCodec.INSTANCE));
        }

        /** {@code row = [start, end, auction, count]}. */
        public void processElement(final long[] row, final Context ctx, final Collector<long[]> out)
        {
            final long count = row[3];
            final long[] best = hottest.value();
            if (best == null || count > best[0])
            {
                hottest.update(new long[] {count, row[2]});
                ctx.timerService().registerEventTimeTimer(row[1] - 1);
            }
            else if (count == best[0])
            {
                final long[] more = Arrays.copyOf(best, best.length + 1);
                more[best.length] = row[2];
                hottest.update(more);
            }
        }

        public void onTimer(final long timestampMs, final OnTimerContext ctx, final Collector<long[]> out)
        {
            final long[] best = hottest.value();
            final long end = timestampMs + 1;
            for (int i = 1; i < best.length; i++)
            {
                out.collect(new long[] {end - SIZE_MS, end, best[i], best[0]});
            }
            hottest.clear();
        }
    }
}
