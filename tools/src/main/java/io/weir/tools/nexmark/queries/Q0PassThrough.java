package io.weir.tools.nexmark.queries;

import io.weir.api.dataflow.DataStream;
import io.weir.tools.io.CsvLineWriter;

/** q0: every bid, as {@code auction,bidder,price,channel,url,date_time}. */
public final class Q0PassThrough implements NexmarkQuery<NexmarkEvent>
{
    public String name()
    {
        return "q0";
    }

    public DataStream<NexmarkEvent> apply(final DataStream<NexmarkEvent> events)
    {
        return events.filter(NexmarkQueries::isBid);
    }

    public void format(final NexmarkEvent event, final CsvLineWriter out)
    {
        final NexmarkEvent.Bid bid = event.bid();
        out.field(bid.auction).field(bid.bidder).field(bid.price).field(bid.channel).field(bid.url)
            .field(bid.dateTime).endLine();
    }

    public long dueTime(final NexmarkEvent event)
    {
        return event.bid().dateTime;
    }
}
