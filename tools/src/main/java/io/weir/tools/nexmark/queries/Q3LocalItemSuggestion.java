package io.weir.tools.nexmark.queries;

import io.weir.api.KeyedProcessFunction;
import io.weir.api.RuntimeContext;
import io.weir.api.codec.LongCodec;
import io.weir.api.dataflow.DataStream;
import io.weir.api.functions.Collector;
import io.weir.api.state.ListState;
import io.weir.api.state.ListStateDescriptor;
import io.weir.api.state.ValueState;
import io.weir.api.state.ValueStateDescriptor;
import io.weir.tools.io.CsvLineWriter;
import io.weir.tools.nexmark.NexmarkEvent;
import io.weir.tools.nexmark.NexmarkEventCodec;

/**
 * q3, local item suggestion: auctions of category 10 joined with their sellers living in OR, ID or CA:
 * {@code name,city,state,auction_id}. Both inputs are one stream keyed by the person id ({@code seller} of an
 * auction, {@code id} of a person) into one function holding both sides: the person, and the auctions that came
 * before it. State is never cleared (an unbounded join).
 */
public final class Q3LocalItemSuggestion implements NexmarkQuery<Q3LocalItemSuggestion.Row>
{
    /** One result row. */
    public record Row(String name, String city, String state, long auction)
    {
    }

    public String name()
    {
        return "q3";
    }

    public DataStream<Row> apply(final DataStream<NexmarkEvent> events)
    {
        return events.filter(Q3LocalItemSuggestion::joins)
            .keyBy(event -> event.kind() == NexmarkEvent.Kind.AUCTION ? event.auction().seller : event.person().id)
            .process(Join::new).uid("q3-join");
    }

    private static boolean joins(final NexmarkEvent event)
    {
        return switch (event.kind())
        {
            case AUCTION -> event.auction().category == 10;
            case PERSON -> switch (event.person().state)
            {
                case "OR", "ID", "CA" -> true;
                default -> false;
            };
            case BID -> false;
        };
    }

    public void format(final Row row, final CsvLineWriter out)
    {
        out.field(row.name).field(row.city).field(row.state).field(row.auction).endLine();
    }

    public long dueTime(final Row row)
    {
        return Long.MIN_VALUE;
    }

    /** Keyed by person id: the person once it arrived, and the ids of the auctions that arrived before it. */
    static final class Join extends KeyedProcessFunction<Long, NexmarkEvent, Row>
    {
        private ValueState<NexmarkEvent> person;
        private ListState<Long> waitingAuctions;

        public void open(final RuntimeContext runtimeContext)
        {
            person = runtimeContext.getState(new ValueStateDescriptor<>("person", NexmarkEventCodec.INSTANCE));
            waitingAuctions = runtimeContext.getListState(new ListStateDescriptor<>("auctions", LongCodec.INSTANCE));
        }

        public void processElement(final NexmarkEvent event, final Context ctx, final Collector<Row> out)
        {
            if (event.kind() == NexmarkEvent.Kind.PERSON)
            {
                person.update(event);
                for (final Long auction : waitingAuctions.get())
                {
                    out.collect(row(event.person(), auction));
                }
                waitingAuctions.clear();
                return;
            }
            final NexmarkEvent seller = person.value();
            if (seller != null)
            {
                out.collect(row(seller.person(), event.auction().id));
            }
            else
            {
                waitingAuctions.add(event.auction().id);
            }
        }

        private static Row row(final NexmarkEvent.Person person, final long auction)
        {
            return new Row(person.name.toString(), person.city, person.state, auction);
        }
    }
}
