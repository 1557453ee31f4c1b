package io.weir.tools.nexmark.queries;

import io.weir.api.codec.Codec;
import io.weir.api.codec.FixedLayoutCodec;
import io.weir.api.dataflow.DataStream;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The event stream split into typed streams, as a Flink user splits Nexmark's: a filter on the event's kind and a
 * map to an immutable record of the fields the joins read, with the codec that carries it to the next stage.
 */
public final class NexmarkStreams
{
    private NexmarkStreams()
    {
    }

    /** A person registering: the fields the queries read. */
    public record Person(long id, String name, String city, String state, long dateTime)
    {
        static Person of(final NexmarkEvent event)
        {
            final NexmarkEvent.Person person = event.person();
            return new Person(person.id, person.name.toString(), person.city, person.state, person.dateTime);
        }
    }

    /** An auction opening: the fields the queries read. */
    public record Auction(long id, long seller, long category, long dateTime, long expires)
    {
        static Auction of(final NexmarkEvent event)
        {
            final NexmarkEvent.Auction auction = event.auction();
            return new Auction(auction.id, auction.seller, auction.category, auction.dateTime, auction.expires);
        }
    }

    /** A bid: the fields the queries read. */
    public record Bid(long auction, long bidder, long price, long dateTime)
    {
        static Bid of(final NexmarkEvent event)
        {
            final NexmarkEvent.Bid bid = event.bid();
            return new Bid(bid.auction, bid.bidder, bid.price, bid.dateTime);
        }
    }

    /** The persons of {@code events}. */
    public static DataStream<Person> persons(final DataStream<NexmarkEvent> events)
    {
        return events.filter(event -> event.kind() == NexmarkEvent.Kind.PERSON).name("persons")
            .map(Person::of).returns(PersonCodec.INSTANCE);
    }

    /** The auctions of {@code events}. */
    public static DataStream<Auction> auctions(final DataStream<NexmarkEvent> events)
    {
        return events.filter(event -> event.kind() == NexmarkEvent.Kind.AUCTION).name("auctions")
            .map(Auction::of).returns(AuctionCodec.INSTANCE);
    }

    /** The bids of {@code events}. */
    public static DataStream<Bid> bids(final DataStream<NexmarkEvent> events)
    {
        return events.filter(NexmarkQueries::isBid).name("bids")
            .map(Bid::of).returns(BidCodec.INSTANCE);
    }

    /** {@link Person}: id, date_time, then name, city and state, each an ASCII string after its int length. */
    public static final class PersonCodec implements Codec<Person>
    {
        public static final PersonCodec INSTANCE = new PersonCodec();

        private PersonCodec()
        {
        }

        public String id()
        {
            return "nexmark-person-v1";
        }

        public int fixedLength()
        {
            return VARIABLE_LENGTH;
        }

        public int encodedLength(final Person value)
        {
            return 2 * Long.BYTES + 3 * Integer.BYTES + value.name.length() + value.city.length() +
                value.state.length();
        }

        public int encode(final Person value, final MutableDirectBuffer buffer, final int offset)
        {
            buffer.putLong(offset, value.id);
            buffer.putLong(offset + Long.BYTES, value.dateTime);
            int at = offset + 2 * Long.BYTES;
            at += buffer.putStringAscii(at, value.name);
            at += buffer.putStringAscii(at, value.city);
            at += buffer.putStringAscii(at, value.state);
            return at - offset;
        }

        public Person decode(final DirectBuffer buffer, final int offset, final int length, final Person reuse)
        {
            final long id = buffer.getLong(offset);
            final long dateTime = buffer.getLong(offset + Long.BYTES);
            int at = offset + 2 * Long.BYTES;
            final String name = buffer.getStringAscii(at);
            at += Integer.BYTES + name.length();
            final String city = buffer.getStringAscii(at);
            at += Integer.BYTES + city.length();
            final String state = buffer.getStringAscii(at);
            return new Person(id, name, city, state, dateTime);
        }
    }

    /** {@link Auction}: its five longs. */
    public static final class AuctionCodec extends FixedLayoutCodec<Auction>
    {
        public static final AuctionCodec INSTANCE = new AuctionCodec();

        private AuctionCodec()
        {
            super("nexmark-auction-v1", 5 * Long.BYTES);
        }

        protected void write(final Auction value, final MutableDirectBuffer buffer, final int offset)
        {
            buffer.putLong(offset, value.id);
            buffer.putLong(offset + 8, value.seller);
            buffer.putLong(offset + 16, value.category);
            buffer.putLong(offset + 24, value.dateTime);
            buffer.putLong(offset + 32, value.expires);
        }

        protected Auction read(final DirectBuffer buffer, final int offset, final Auction reuse)
        {
            return new Auction(buffer.getLong(offset), buffer.getLong(offset + 8), buffer.getLong(offset + 16),
                buffer.getLong(offset + 24), buffer.getLong(offset + 32));
        }
    }

    /** {@link Bid}: its four longs. */
    public static final class BidCodec extends FixedLayoutCodec<Bid>
    {
        public static final BidCodec INSTANCE = new BidCodec();

        private BidCodec()
        {
            super("nexmark-bid-v1", 4 * Long.BYTES);
        }

        protected void write(final Bid value, final MutableDirectBuffer buffer, final int offset)
        {
            buffer.putLong(offset, value.auction);
            buffer.putLong(offset + 8, value.bidder);
            buffer.putLong(offset + 16, value.price);
            buffer.putLong(offset + 24, value.dateTime);
        }

        protected Bid read(final DirectBuffer buffer, final int offset, final Bid reuse)
        {
            return new Bid(buffer.getLong(offset), buffer.getLong(offset + 8), buffer.getLong(offset + 16),
                buffer.getLong(offset + 24));
        }
    }
}
