package io.weir.tools.nexmark.queries;

import io.weir.api.KeyedCoProcessFunction;
import io.weir.api.KeyedProcessFunction;
import io.weir.api.RuntimeContext;
import io.weir.api.codec.LongCodec;
import io.weir.api.dataflow.DataStream;
import io.weir.api.functions.Collector;
import io.weir.api.state.ListState;
import io.weir.api.state.ListStateDescriptor;
import io.weir.api.state.MapState;
import io.weir.api.state.MapStateDescriptor;
import io.weir.api.state.ValueState;
import io.weir.api.state.ValueStateDescriptor;
import io.weir.tools.io.CsvLineWriter;
import io.weir.tools.nexmark.queries.NexmarkStreams.Auction;
import io.weir.tools.nexmark.queries.NexmarkStreams.Bid;

import java.util.ArrayList;
import java.util.List;

/**
 * q4, average winning price per category: each auction's highest bid between its opening and its expiry, once the
 * auction closed, then per category the running count, sum and average of the winning prices at every closing
 * time: {@code category,expires,count,sum,avg}. Two keyed stages: auctions and bids connected, keyed by auction id,
 * into one {@link KeyedCoProcessFunction} holding both sides; its closed auctions re-keyed by category.
 */
public final class Q4AveragePricePerCategory implements NexmarkQuery<long[]>
{
    public String name()
    {
        return "q4";
    }

    public DataStream<long[]> apply(final DataStream<NexmarkEvent> events)
    {
        return NexmarkStreams.auctions(events).connect(NexmarkStreams.bids(events))
            .keyBy(Auction::id, Bid::auction)
            .process(WinningBids::new).uid("q4-winning-bids").returns(LongsCodec.INSTANCE)
            .keyBy(closed -> closed[0])
            .process(CategoryAverages::new).uid("q4-category-averages");
    }

    public void format(final long[] row, final CsvLineWriter out)
    {
        NexmarkQueries.writeLongs(row, out);
    }

    public long dueTime(final long[] row)
    {
        return row[1] + WATERMARK_DELAY_MS;
    }

    /**
     * Keyed by auction id: the auction {@code [date_time, expires, category, max price, count]} once it arrived,
     * and the bids {@code [date_time, price]} that came before it. A timer at {@code expires} closes the auction,
     * emitting {@code [category, expires, max price]} if it had a qualifying bid; a timer at a held bid's time
     * drops it (it can no longer qualify).
     */
    static final class WinningBids extends KeyedCoProcessFunction<Long, Auction, Bid, long[]>
    {
        private static final int DATE_TIME = 0;
        private static final int EXPIRES = 1;
        private static final int CATEGORY = 2;
        private static final int MAX_PRICE = 3;
        private static final int COUNT = 4;

        private ValueState<long[]> auction;
        private ListState<long[]> heldBids;

        public void open(final RuntimeContext runtimeContext)
        {
            auction = runtimeContext.getState(new ValueStateDescriptor<>("auction", LongsCodec.INSTANCE));
            heldBids = runtimeContext.getListState(new ListStateDescriptor<>("held-bids", LongsCodec.INSTANCE));
        }

        public void processElement1(final Auction opened, final Context ctx, final Collector<long[]> out)
        {
            final long[] state = {opened.dateTime(), opened.expires(), opened.category(), 0, 0};
            for (final long[] held : heldBids.get())
            {
                bid(state, held[0], held[1]);
            }
            heldBids.clear();
            auction.update(state);
            ctx.timerService().registerEventTimeTimer(opened.expires());
        }

        public void processElement2(final Bid bid, final Context ctx, final Collector<long[]> out)
        {
            final long[] state = auction.value();
            if (state != null)
            {
                if (bid(state, bid.dateTime(), bid.price()))
                {
                    auction.update(state);
                }
            }
            else
            {
                heldBids.add(new long[] {bid.dateTime(), bid.price()});
                ctx.timerService().registerEventTimeTimer(bid.dateTime());
            }
        }

        /** Count the bid if it qualifies; whether it did. */
        private static boolean bid(final long[] state, final long dateTime, final long price)
        {
            if (dateTime < state[DATE_TIME] || dateTime > state[EXPIRES])
            {
                return false;
            }
            state[MAX_PRICE] = state[COUNT] == 0 ? price : Math.max(state[MAX_PRICE], price);
            state[COUNT]++;
            return true;
        }

        public void onTimer(final long timestampMs, final OnTimerContext ctx, final Collector<long[]> out)
        {
            final long[] state = auction.value();
            if (state != null && state[EXPIRES] <= timestampMs)
            {
                if (state[COUNT] > 0)
                {
                    out.collect(new long[] {state[CATEGORY], state[EXPIRES], state[MAX_PRICE]});
                }
                auction.clear();
            }
            final List<long[]> held = heldBids.get();
            if (!held.isEmpty())
            {
                final List<long[]> kept = new ArrayList<>();
                for (final long[] bid : held)
                {
                    if (bid[0] > timestampMs)
                    {
                        kept.add(bid);
                    }
                }
                if (kept.size() != held.size())
                {
                    heldBids.update(kept);
                }
            }
        }
    }

    /**
     * Keyed by category: closed auctions' winning prices buffered by closing time ({@code expires -> [count,
     * sum]}); a timer at a closing time adds its buffer to the running totals and emits them.
     */
    static final class CategoryAverages extends KeyedProcessFunction<Long, long[], long[]>
    {
        private MapState<Long, long[]> closing;
        private ValueState<long[]> totals;

        public void open(final RuntimeContext runtimeContext)
        {
            closing = runtimeContext.getMapState(new MapStateDescriptor<>("closing", LongCodec.INSTANCE,
                LongsCodec.INSTANCE));
            totals = runtimeContext.getState(new ValueStateDescriptor<>("totals", LongsCodec.INSTANCE));
        }

        /** {@code closed = [category, expires, price]}. */
        public void processElement(final long[] closed, final Context ctx, final Collector<long[]> out)
        {
            final long expires = closed[1];
            final long[] buffered = closing.get(expires);
            closing.put(expires, buffered == null ? new long[] {1, closed[2]} :
                new long[] {buffered[0] + 1, buffered[1] + closed[2]});
            ctx.timerService().registerEventTimeTimer(expires);
        }

        public void onTimer(final long timestampMs, final OnTimerContext ctx, final Collector<long[]> out)
        {
            final long[] buffered = closing.get(timestampMs);
            if (buffered == null)
            {
                return;
            }
            final long[] sums = totals.value();
            final long count = buffered[0] + (sums == null ? 0 : sums[0]);
            final long sum = buffered[1] + (sums == null ? 0 : sums[1]);
            totals.update(new long[] {count, sum});
            closing.remove(timestampMs);
            out.collect(new long[] {ctx.getCurrentKey(), timestampMs, count, sum, sum / count});
        }
    }
}
