package io.weir.tools.nexmark.queries;

import io.weir.api.KeyedCoProcessFunction;
import io.weir.api.RuntimeContext;
import io.weir.api.codec.LongCodec;
import io.weir.api.codec.StringCodec;
import io.weir.api.dataflow.DataStream;
import io.weir.api.functions.Collector;
import io.weir.api.state.MapState;
import io.weir.api.state.MapStateDescriptor;
import io.weir.tools.io.CsvLineWriter;
import io.weir.tools.nexmark.queries.NexmarkStreams.Auction;
import io.weir.tools.nexmark.queries.NexmarkStreams.Person;

/**
 * q8, monitor new users: the persons who, in the tumbling 10 s window in which they registered, sold at least one
 * auction: {@code person_id,name,window_start}. A tumbling-window join of two inputs: the persons and the auctions
 * connected, keyed by person id ({@code id}, {@code seller}), into one {@link KeyedCoProcessFunction} that
 * co-groups each 10 s window's two sides and emits at the window's end (an event-time timer at {@code end - 1}).
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
        return NexmarkStreams.persons(events).connect(NexmarkStreams.auctions(events))
            .keyBy(Person::id, Auction::seller)
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
    static final class NewSellers extends KeyedCoProcessFunction<Long, Person, Auction, Row>
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

        public void processElement1(final Person person, final Context ctx, final Collector<Row> out)
        {
            final long windowStart = windowStart(ctx.timestamp());
            registered.put(windowStart, person.name());
            ctx.timerService().registerEventTimeTimer(windowStart + SIZE_MS - 1);
        }

        public void processElement2(final Auction auction, final Context ctx, final Collector<Row> out)
        {
            final long windowStart = windowStart(ctx.timestamp());
            final Long count = auctions.get(windowStart);
            auctions.put(windowStart, count == null ? 1 : count + 1);
            ctx.timerService().registerEventTimeTimer(windowStart + SIZE_MS - 1);
        }

        private static long windowStart(final long timestamp)
        {
            return timestamp - timestamp % SIZE_MS;
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
