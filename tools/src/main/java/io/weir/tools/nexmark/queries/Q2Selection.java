package io.weir.tools.nexmark.queries;

import io.weir.api.dataflow.DataStream;
import io.weir.tools.io.CsvLineWriter;

/** q2: the bids on every 123rd auction, as {@code auction,price}. */
public final class Q2Selection implements NexmarkQuery<NexmarkEvent>
{
    public String name()
    {
        return "q2";
    }

    public DataStream<NexmarkEvent> apply(final DataStream<NexmarkEvent> events)
    {
        return events.filter(event -> NexmarkQueries.isBid(event) && event.bid().auction % 123 == 0);
    }

    public void format(final NexmarkEvent event, final CsvLineWriter out)
    {
        out.field(event.bid().auction).field(event.bid().price).endLine();
    }

    public long dueTime(final NexmarkEvent event)
    {
        return event.bid().dateTime;
    }
}
