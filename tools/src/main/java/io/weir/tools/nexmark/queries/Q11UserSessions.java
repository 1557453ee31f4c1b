package io.weir.tools.nexmark.queries;

import io.weir.api.codec.LongCodec;
import io.weir.api.dataflow.DataStream;
import io.weir.api.functions.Collector;
import io.weir.api.window.EventTimeSessionWindows;
import io.weir.api.window.TimeWindow;
import io.weir.tools.io.CsvLineWriter;

/** q11, user sessions: bids per bidder in session windows with a 10 s gap: {@code bidder,bid_count,start,end}. */
public final class Q11UserSessions implements NexmarkQuery<long[]>
{
    static final long GAP_MS = 10_000;

    public String name()
    {
        return "q11";
    }

    public DataStream<long[]> apply(final DataStream<NexmarkEvent> events)
    {
        return events.filter(NexmarkQueries::isBid)
            .keyBy(event -> event.bid().bidder)
            .window(EventTimeSessionWindows.withGap(GAP_MS))
            .aggregate(new Count<>(), LongCodec.INSTANCE, (Long bidder, TimeWindow window, Long count,
                Collector<long[]> out) -> out.collect(new long[] {bidder, count, window.start(), window.end()}))
            .uid("q11-sessions");
    }

    public void format(final long[] row, final CsvLineWriter out)
    {
        NexmarkQueries.writeLongs(row, out);
    }

    public long dueTime(final long[] row)
    {
        return row[3] - 1 + WATERMARK_DELAY_MS;
    }
}
