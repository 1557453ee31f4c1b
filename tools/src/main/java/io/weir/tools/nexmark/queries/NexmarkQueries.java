package io.weir.tools.nexmark.queries;

import io.weir.api.KeyedProcessFunction;
import io.weir.api.RuntimeContext;
import io.weir.api.codec.LongCodec;
import io.weir.api.codec.StringCodec;
import io.weir.api.connector.SinkFactory;
import io.weir.api.connector.SourceReader;
import io.weir.api.dataflow.DataStream;
import io.weir.api.dataflow.Dataflow;
import io.weir.api.eventtime.WatermarkStrategy;
import io.weir.api.functions.AggregateFunction;
import io.weir.api.functions.Collector;
import io.weir.api.state.ValueState;
import io.weir.api.state.ValueStateDescriptor;
import io.weir.api.window.EventTimeSessionWindows;
import io.weir.api.window.SlidingEventTimeWindows;
import io.weir.api.window.TumblingEventTimeWindows;

import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * The Nexmark queries of docs/nexmark.md (section 4) that read one input, written with the dataflow API as a
 * user would: q1 q2 q5 q7 q11. Every query reads the event lines, keeps the bids, and writes rows of longs.
 */
public final class NexmarkQueries
{
    /** The queries defined here. */
    public static final List<String> NAMES = List.of("q1", "q2", "q5", "q7", "q11");

    /** The section's time model: bounded out-of-orderness of 4 s. */
    public static final long OUT_OF_ORDERNESS_MS = 4_000;

    private NexmarkQueries()
    {
    }

    /**
     * Add query {@code query} to {@code flow}: the event lines from {@code reader}, the result rows to the sink
     * {@code sinks} makes for the query's output.
     */
    public static void define(
        final String query,
        final Dataflow flow,
        final SourceReader<String> reader,
        final SinkFactory<long[]> sink)
    {
        final DataStream<String> events = flow.source("events", StringCodec.INSTANCE, reader)
            .timestamps(Bid::dateTime, WatermarkStrategy.forBoundedOutOfOrderness(OUT_OF_ORDERNESS_MS));
        final Function<DataStream<String>, DataStream<Bid>> bids =
            lines -> lines.filter(Bid::isBid).map(Bid::parse).returns(Bid.Codec.INSTANCE);
        switch (query)
        {
            case "q1":
                events.filter(Bid::isBid).map(Bid::parse)
                    .map(bid -> new long[] {bid.auction, bid.bidder, bid.price * 908 / 1000, bid.dateTime})
                    .sinkTo(sink);
                break;
            case "q2":
                events.filter(Bid::isBid).map(Bid::parse)
                    .filter(bid -> bid.auction % 123 == 0)
                    .map(bid -> new long[] {bid.auction, bid.price})
                    .sinkTo(sink);
                break;
            case "q5":
                bids.apply(events)
                    .keyBy(bid -> bid.auction)
                    .window(SlidingEventTimeWindows.of(10_000, 2_000))
                    .aggregate(new Count(), LongCodec.INSTANCE, (Long auction, io.weir.api.window.TimeWindow window,
                        Long count, Collector<long[]> out) ->
                        out.collect(new long[] {window.start(), window.end(), auction, count}))
                    .uid("q5-counts").returns(LongsCodec.INSTANCE)
                    .keyBy(row -> row[1])
                    .process(HottestPerWindow::new).uid("q5-hottest")
                    .sinkTo(sink);
                break;
            case "q7":
                bids.apply(events)
                    .keyBy(bid -> bid.auction)
                    .window(TumblingEventTimeWindows.of(10_000))
                    .aggregate(new HighestBids(), LongsCodec.INSTANCE, (Long auction,
                        io.weir.api.window.TimeWindow window, long[] highest, Collector<long[]> out) ->
                    {
                        final long[] row = new long[2 + highest.length];
                        row[0] = window.end();
                        row[1] = auction;
                        System.arraycopy(highest, 0, row, 2, highest.length);
                        out.collect(row);
                    })
                    .uid("q7-per-auction").returns(LongsCodec.INSTANCE)
                    .keyBy(row -> row[0])
                    .process(HighestPerWindow::new).uid("q7-highest")
                    .sinkTo(sink);
                break;
            case "q11":
                bids.apply(events)
                    .keyBy(bid -> bid.bidder)
                    .window(EventTimeSessionWindows.withGap(10_000))
                    .aggregate(new Count(), LongCodec.INSTANCE, (Long bidder, io.weir.api.window.TimeWindow window,
                        Long count, Collector<long[]> out) ->
                        out.collect(new long[] {bidder, count, window.start(), window.end()}))
                    .uid("q11-sessions")
                    .sinkTo(sink);
                break;
            default:
                throw new IllegalArgumentException("unknown query '" + query + "'; queries: " +
                    String.join(", ", NAMES));
        }
    }

    /** Counts elements. */
    static final class Count implements AggregateFunction<Bid, Long, Long>
    {
        public Long createAccumulator()
        {
            return 0L;
        }

        public Long add(final Bid value, final Long accumulator)
        {
            return accumulator + 1;
        }

        public Long result(final Long accumulator)
        {
            return accumulator;
        }

        public Long merge(final Long a, final Long b)
        {
            return a + b;
        }
    }

    /** The highest price and every (bidder, date_time) bid at it: {@code [price, bidder, ts, bidder, ts, ...]}. */
    static final class HighestBids implements AggregateFunction<Bid, long[], long[]>
    {
        public long[] createAccumulator()
        {
            return new long[0];
        }

        public long[] add(final Bid bid, final long[] highest)
        {
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
     * q5's second stage, keyed by window end: the largest count and the auctions having it ({@code [count,
     * auction, ...]}); a timer at {@code end - 1} emits {@code start,end,auction,count} for each.
     */
    static final class HottestPerWindow extends KeyedProcessFunction<Long, long[], long[]>
    {
        private ValueState<long[]> hottest;

        public void open(final RuntimeContext runtimeContext)
        {
            hottest = runtimeContext.getState(new ValueStateDescriptor<>("hottest", LongsCodec.INSTANCE));
        }

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
            final long end = ctx.getCurrentKey();
            for (int i = 1; i < best.length; i++)
            {
                out.collect(new long[] {end - 10_000, end, best[i], best[0]});
            }
            hottest.clear();
        }
    }

    /**
     * q7's second stage, keyed by window end: the highest price and its bids ({@code [price, auction, bidder, ts,
     * ...]}); a timer at {@code end - 1} emits {@code auction,price,bidder,date_time} for each.
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
