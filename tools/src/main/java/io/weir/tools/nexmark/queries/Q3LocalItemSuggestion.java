package io.weir.tools.nexmark.queries;

import io.weir.api.KeyedCoProcessFunction;
import io.weir.api.RuntimeContext;
import io.weir.api.codec.LongCodec;
import io.weir.api.dataflow.DataStream;
import io.weir.api.functions.Collector;
import io.weir.api.state.ListState;
import io.weir.api.state.ListStateDescriptor;
import io.weir.api.state.ValueState;
import io.weir.api.state.ValueStateDescriptor;
import io.weir.tools.io.CsvLineWriter;
import io.weir.tools.nexmark.queries.NexmarkStreams.Auction;
import io.weir.tools.nexmark.queries.NexmarkStreams.Person;
import io.weir.tools.nexmark.queries.NexmarkStreams.PersonCodec;

/**
 * q3, local item suggestion: auctions of category 10 joined with their sellers living in OR, ID or CA:
 * {@code name,city,state,auction_id}. As Flink's Nexmark q3: the two typed streams connected, keyed by the person
 * id ({@code seller} of an auction, {@code id} of a person), into one {@link KeyedCoProcessFunction} holding both
 * sides: the person, and the auctions that came before it. State is never cleared (an unbounded join).
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
        final DataStream<Auction> auctions = NexmarkStreams.auctions(events)
            .filter(auction -> auction.category() == 10);
        final DataStream<Person> persons = NexmarkStreams.persons(events)
            .filter(Q3LocalItemSuggestion::isLocal);
        return auctions.connect(persons)
            .keyBy(Auction::seller, Person::id)
            .process(JoinPersonsWithAuctions::new).uid("q3-join");
    }

    private static boolean isLocal(final Person person)
    {
        return switch (person.state())
        {
            case "OR", "ID", "CA" -> true;
            default -> false;
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
    static final class JoinPersonsWithAuctions extends KeyedCoProcessFunction<Long, Auction, Person, Row>
    {
        private ValueState<Person> person;
        private ListState<Long> waitingAuctions;

        public void open(final RuntimeContext runtimeContext)
        {
            person = runtimeContext.getState(new ValueStateDescriptor<>("person", PersonCodec.INSTANCE));
            waitingAuctions = runtimeContext.getListState(new ListStateDescriptor<>("auctions", LongCodec.INSTANCE));
        }

        public void processElement1(final Auction auction, final Context ctx, final Collector<Row> out)
        {
            final Person seller = person.value();
            if (seller != null)
            {
                out.collect(row(seller, auction.id()));
            }
            else
            {
                waitingAuctions.add(auction.id());
            }
        }

        public void processElement2(final Person arrived, final Context ctx, final Collector<Row> out)
        {
            person.update(arrived);
            for (final Long auction : waitingAuctions.get())
            {
                out.collect(row(arrived, auction));
            }
            waitingAuctions.clear();
        }

        private static Row row(final Person person, final long auction)
        {
            return new Row(person.name(), person.city(), person.state(), auction);
        }
    }
}
