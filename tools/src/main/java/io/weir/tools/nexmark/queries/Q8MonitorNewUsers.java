package io.weir.tools.nexmark.queries;

import io.weir.api.KeyedProcessFunction;
import io.weir.api.RuntimeContext;
import io.weir.api.codec.LongCodec;
import io.weir.api.codec.StringCodec;
import io.weir.api.dataflow.DataStream;
import io.weir.api.functions.Collector;
import io.weir.api.state.MapState;
import io.weir.api.state.MapStateDescriptor;
import io.weir.tools.io.CsvLineWriter;
import io.weir.tools.nexmark.NexmarkEvent;

/**
 * q8, monitor new users: the persons who, in the tumbling 10 s window in which they registered, sold at least one
 * auction: {@code person_id,name,window_start}. Persons and auctions are one stream keyed by person id ({@code id},
 * {@code seller}) into one function that co-groups each window's two sides, with an event-time timer at the
 * window's end.
 */
public final class Q8MonitorNewUsers implements NexmarkQuery<Q8MonitorNewUsers.Row>
{
    static final long SIZE_MS = 10_000;

    /** One result row. */
    public record Row(long personId, String name, long windowStart)
    {
    }

    public String name()
    {
        return "q8";
    }

    public DataStream<Row> apply(final DataStream<NexmarkEvent> events)
    {
        return events.filter(event -> event.kind() != NexmarkEvent.Kind.BID)
            .keyBy(event -> event.kind() == NexmarkEvent.Kind.PERSON ? event.person().id : event.auction().seller)
            .process(NewSellers::new).uid("q8-new-sellers");
    }

    public void format(final Row row, final CsvLineWriter out)
    {
        out.field(row.personId).field(row.name).field(row.windowStart).endLine();
    }

    public long dueTime(final Row row)
    {
        return row.windowStart + SIZE_MS - 1 + WATERMARK_DELAY_MS;
    }

    /**
     * Keyed by person id, per window start: the person's name if they registered in it, and the number of their
     * auctions in it. A timer at the window's last millisecond emits the row if both exist, and clears the window.
     */
    static final class NewSellers extends KeyedProcessFunction<Long, NexmarkEvent, Row>
    {
        private MapState<Long, String> registered;
        private MapState<Long, Long> auctions;

        public void open(final RuntimeContext runtimeContext)
        {
            registered = runtimeContext.getMapState(new MapStateDescriptor<>("registered", LongCodec.INSTANCE,
                StringCodec.INSTANCE));
            auctions = runtimeContext.getMapState(new MapStateDescriptor<>("auctions", LongCodec.INSTANCE,
                LongCodec.INSTANCE));
        }

        public void processElement(final NexmarkEvent event, final Context ctx, final Collector<Row> out)
        {
            final long timestamp = event.dateTime();
            final long windowStart = timestamp - timestamp % SIZE_MS;
            if (event.kind() == NexmarkEvent.Kind.PERSON)
            {
                registered.put(windowStart, event.person().name.toString());
            }
            else
            {
                final Long count = auctions.get(windowStart);
                auctions.put(windowStart, count == null ? 1 : count + 1);
            }
            ctx.timerService().registerEventTimeTimer(windowStart + SIZE_MS - 1);
        }

        public void onTimer(final long timestampMs, final OnTimerContext ctx, final Collector<Row> out)
        {
            final long windowStart = timestampMs + 1 - SIZE_MS;
            final String name = registered.get(windowStart);
            if (name != null && auctions.contains(windowStart))
            {
                out.collect(new Row(ctx.getCurrentKey(), name, windowStart));
            }
            registered.remove(windowStart);
            auctions.remove(windowStart);
        }
    }
}
