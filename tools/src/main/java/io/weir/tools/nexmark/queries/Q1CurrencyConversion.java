package io.weir.tools.nexmark.queries;

import io.weir.api.dataflow.DataStream;
import io.weir.tools.io.CsvLineWriter;

/** q1: every bid with its price converted, {@code price * 908 / 1000}: {@code auction,bidder,price,date_time}. */
public final class Q1CurrencyConversion implements NexmarkQuery<NexmarkEvent>
{
    public String name()
    {
        return "q1";
    }

    public DataStream<NexmarkEvent> apply(final DataStream<NexmarkEvent> events)
    {
        // The element is the stage's own reused instance: converting it in place allocates nothing.
        return events.filter(NexmarkQueries::isBid).map(event ->
        {
            event.bid().price = event.bid().price * 908 / 1000;
            return event;
        });
    }

    public void format(final NexmarkEvent event, final CsvLineWriter out)
    {
        final NexmarkEvent.Bid bid = event.bid();
        out.field(bid.auction).field(bid.bidder).field(bid.price).field(bid.dateTime).endLine();
    }

    public long dueTime(final NexmarkEvent event)
    {
        return event.bid().dateTime;
    }
}
