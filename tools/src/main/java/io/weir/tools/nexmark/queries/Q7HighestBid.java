package io.weir.tools.nexmark.queries;

import io.weir.api.KeyedProcessFunction;
import io.weir.api.RuntimeContext;
import io.weir.api.dataflow.DataStream;
import io.weir.api.functions.AggregateFunction;
import io.weir.api.functions.Collector;
import io.weir.api.state.ValueState;
import io.weir.api.state.ValueStateDescriptor;
import io.weir.api.window.TimeWindow;
import io.weir.api.window.TumblingEventTimeWindows;
import io.weir.tools.io.CsvLineWriter;

import java.util.Arrays;

/**
 * q7, highest bid: per auction and tumbling window of 10 s the highest price and its bids, then, keyed by window
 * end, the bids at the window's highest price (ties kept): {@code auction,price,bidder,date_time}.
 */
public final class Q7HighestBid implements NexmarkQuery<long[]>
{
    static final long SIZE_MS = 10_000;

    public String name()
    {
        return "q7";
    }

    public DataStream<long[]> apply(final DataStream<NexmarkEvent> events)
    {
        return events.filter(NexmarkQueries::isBid)
            .keyBy(event -> event.bid().auction)
            .window(TumblingEventTimeWindows.of(SIZE_MS))
            .aggregate(new HighestBids(), LongsCodec.INSTANCE, (Long auction, TimeWindow window, long[] highest,
                Collector<long[]> out) ->
            {
                final long[] row = new long[2 + highest.length];
                row[0] = window.end();
                row[1] = auction;
                System.arraycopy(highest, 0, row, 2, highest.length);
                out.collect(row);
            })
            .uid("q7-per-auction").returns(LongsCodec.INSTANCE)
            .keyBy(row -> row[0])
            .process(HighestPerWindow::new).uid("q7-highest");
    }

    public void format(final long[] row, final CsvLineWriter out)
    {
        NexmarkQueries.writeLongs(row, out);
    }

    public long dueTime(final long[] row)
    {
        final long timestamp = row[3];
        return timestamp - timestamp % SIZE_MS + SIZE_MS - 1 + WATERMARK_DELAY_MS;
    }

    /** The highest price and every (bidder, date_time) bid at it: {@code [price, bidder, ts, bidder, ts, ...]}. */
    static final class HighestBids implements AggregateFunction<NexmarkEvent, long[], long[]>
    {
        public long[] createAccumulator()
        {
            return new long[0];
        }

        public long[] add(final NexmarkEvent event, final long[] highest)
        {
            final NexmarkEvent.Bid bid = event.bid();
            if (highest.length == 0 || bid.price > highest[0])
            {
                return new long[] {bid.price, bid.bidder, bid.dateTime};
            }
            if (bid.price == highest[0])
            {
                final long[] more = Arrays.copyOf(highest, highest.length + 2);
                more[highest.length] = bid.bidder;
                more[highest.length + 1] = bid.dateTime;
                return more;
            }
            return highest;
        }

        public long[] result(final long[] highest)
        {
            return highest;
        }

        public long[] merge(final long[] a, final long[] b)
        {
            if (a.length == 0 || (b.length > 0 && b[0] > a[0]))
            {
                return b;
            }
            if (b.length == 0 || b[0] < a[0])
            {
                return a;
            }
            final long[] both = Arrays.copyOf(a, a.length + b.length - 1);
            System.arraycopy(b, 1, both, a.length, b.length - 1);
            return both;
        }
    }

    /**
     * Keyed by window end: the highest price and its bids ({@code [price, auction, bidder, ts, ...]}); a timer at
     * {@code end - 1} emits {@code auction,price,bidder,date_time} for each and clears the window.
     */
    static final class HighestPerWindow extends KeyedProcessFunction<Long, long[], long[]>
    {
        private ValueState<long[]> highest;

        public void open(final RuntimeContext runtimeContext)
        {
            highest = runtimeContext.getState(new ValueStateDescriptor<>("highest", LongsCodec.INSTANCE));
        }

        /** {@code row = [end, auction, price, bidder, ts, bidder, ts, ...]}. */
        public void processElement(final long[] row, final Context ctx, final Collector<long[]> out)
        {
            final long price = row[2];
            final long[] best = highest.value();
            final int bids = (row.length - 3) / 2;
            if (best == null || price > best[0])
            {
                final long[] fresh = new long[1 + 3 * bids];
                fresh[0] = price;
                append(fresh, 1, row, bids);
                highest.update(fresh);
                ctx.timerService().registerEventTimeTimer(row[0] - 1);
            }
            else if (price == best[0])
            {
                final long[] more = Arrays.copyOf(best, best.length + 3 * bids);
                append(more, best.length, row, bids);
                highest.update(more);
            }
        }

        private static void append(final long[] to, final int at, final long[] row, final int bids)
        {
            for (int i = 0; i < bids; i++)
            {
                to[at + 3 * i] = row[1];
                to[at + 3 * i + 1] = row[3 + 2 * i];
                to[at + 3 * i + 2] = row[4 + 2 * i];
            }
        }

        public void onTimer(final long timestampMs, final OnTimerContext ctx, final Collector<long[]> out)
        {
            final long[] best = highest.value();
            for (int i = 1; i < best.length; i += 3)
            {
                out.collect(new long[] {best[i], best[0], best[i + 1], best[i + 2]});
            }
            highest.clear();
        }
    }
}
