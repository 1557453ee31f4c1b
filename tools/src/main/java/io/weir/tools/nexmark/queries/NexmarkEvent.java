package io.weir.tools.nexmark.queries;

/**
 * One Nexmark event, reused: a person, an auction or a bid, as {@link #kind()} says; only that kind's fields are
 * meaningful. Strings are {@link AsciiText}s refilled in place, so generating and parsing allocate nothing.
 * Owned by one thread.
 */
public final class NexmarkEvent
{
    /**
     * The cities and states a person lives in (docs/nexmark.md); the generator draws from them and the readers
     * return these instances instead of new strings. Read only.
     */
    public static final String[] US_CITIES = {"Phoenix", "Los Angeles", "San Francisco", "Boise", "Portland", "Bend",
        "Redmond", "Seattle", "Kent", "Cheyenne"};
    public static final String[] US_STATES = {"AZ", "CA", "ID", "OR", "WA", "WY"};

    /** The event's type, with its CSV tag. */
    public enum Kind
    {
        PERSON('P'), AUCTION('A'), BID('B');

        private final char tag;

        Kind(final char tag)
        {
            this.tag = tag;
        }

        public char tag()
        {
            return tag;
        }
    }

    /** A person registering. */
    public static final class Person
    {
        public long id;
        public final AsciiText name = new AsciiText(32);
        public final AsciiText email = new AsciiText(32);
        public final AsciiText creditCard = new AsciiText(19);
        public String city;
        public String state;
        public long dateTime;
    }

    /** An auction opening. */
    public static final class Auction
    {
        public long id;
        public final AsciiText itemName = new AsciiText(32);
        public final AsciiText description = new AsciiText(128);
        public long initialBid;
        public long reserve;
        public long dateTime;
        public long expires;
        public long seller;
        public long category;
    }

    /** A bid on an auction. */
    public static final class Bid
    {
        public long auction;
        public long bidder;
        public long price;
        public final AsciiText channel = new AsciiText(16);
        public final AsciiText url = new AsciiText(64);
        public long dateTime;
    }

    private final Person person = new Person();
    private final Auction auction = new Auction();
    private final Bid bid = new Bid();
    private Kind kind = Kind.BID;

    public Kind kind()
    {
        return kind;
    }

    public void kind(final Kind kind)
    {
        this.kind = kind;
    }

    /** The person fields; meaningful when {@link #kind()} is {@link Kind#PERSON}. */
    public Person person()
    {
        return person;
    }

    /** The auction fields; meaningful when {@link #kind()} is {@link Kind#AUCTION}. */
    public Auction auction()
    {
        return auction;
    }

    /** The bid fields; meaningful when {@link #kind()} is {@link Kind#BID}. */
    public Bid bid()
    {
        return bid;
    }

    /** The event's timestamp, ms since the epoch. */
    public long dateTime()
    {
        return switch (kind)
        {
            case PERSON -> person.dateTime;
            case AUCTION -> auction.dateTime;
            case BID -> bid.dateTime;
        };
    }

    /** Append the event's CSV line (docs/nexmark.md, section 2), without the line end. */
    public void appendCsv(final StringBuilder out)
    {
        out.append(kind.tag()).append(',');
        switch (kind)
        {
            case PERSON -> out.append(person.id).append(',').append(person.name).append(',').append(person.email)
                .append(',').append(person.creditCard).append(',').append(person.city).append(',')
                .append(person.state).append(',').append(person.dateTime);
            case AUCTION -> out.append(auction.id).append(',').append(auction.itemName).append(',')
                .append(auction.description).append(',').append(auction.initialBid).append(',')
                .append(auction.reserve).append(',').append(auction.dateTime).append(',').append(auction.expires)
                .append(',').append(auction.seller).append(',').append(auction.category);
            case BID -> out.append(bid.auction).append(',').append(bid.bidder).append(',').append(bid.price)
                .append(',').append(bid.channel).append(',').append(bid.url).append(',').append(bid.dateTime);
        }
    }
}
