package io.weir.tools.nexmark;

import io.weir.tools.nexmark.queries.AsciiText;
import io.weir.tools.nexmark.queries.NexmarkEvent;

import java.nio.charset.StandardCharsets;

/**
 * The Nexmark event generator (docs/nexmark.md, section 1): event {@code n} is a pure function of the seed, the
 * event rate and {@code n}, drawn from a SplitMix64 stream of its own, so events can be made in any order, in
 * parallel or on demand. {@link #generate(long, NexmarkEvent)} fills a reused {@link NexmarkEvent}: it allocates
 * nothing. One instance per thread.
 */
public final class NexmarkGenerator
{
    public static final long BASE_TIME_MS = 1_700_000_000_000L;
    public static final long DEFAULT_SEED = 1;
    public static final long DEFAULT_EVENT_RATE = 100_000;

    static final long FIRST_PERSON_ID = 1000;
    static final long FIRST_AUCTION_ID = 1000;
    static final long FIRST_CATEGORY_ID = 10;
    static final long NUM_CATEGORIES = 5;
    static final long NUM_ACTIVE_PEOPLE = 1000;
    static final long NUM_IN_FLIGHT_AUCTIONS = 100;
    static final long PERSON_ID_LEAD = 10;
    static final long AUCTION_ID_LEAD = 10;
    static final long HOT_BATCH = 100;
    static final long HOT_SELLERS_RATIO = 4;
    static final long HOT_AUCTION_RATIO = 2;
    static final long HOT_BIDDERS_RATIO = 4;
    static final long EVENTS_FOR_AUCTIONS = 1666;
    static final long PROPORTION_DENOMINATOR = 50;

    private static final long GAMMA = 0x9E3779B97F4A7C15L;
    private static final double DOUBLE_UNIT = 0x1.0p-53;
    /** How close to a half a fast price may lie before the strict power decides its rounding (see price). */
    private static final double HALF_MARGIN = 1e-6;

    static final String[] FIRST_NAMES =
        {"Peter", "Paul", "Luke", "John", "Saul", "Vicky", "Kate", "Julie", "Sarah", "Deiter", "Walter"};
    static final String[] LAST_NAMES =
        {"Shultz", "Abrams", "Spencer", "White", "Bartels", "Walton", "Smith", "Jones", "Noris"};
    static final String[] HOT_CHANNELS = {"Google", "Facebook", "Baidu", "Apple"};
    static final String[] HOT_URLS = {
        "https://www.nexmark.com/google/item.htm?query=1",
        "https://www.nexmark.com/facebook/item.htm?query=1",
        "https://www.nexmark.com/baidu/item.htm?query=1",
        "https://www.nexmark.com/apple/item.htm?query=1"};
    private static final byte[][] HOT_CHANNEL_BYTES = ascii(HOT_CHANNELS);
    private static final byte[][] HOT_URL_BYTES = ascii(HOT_URLS);
    private static final byte[] CHANNEL_PREFIX = ascii("channel-");
    private static final byte[] CHANNEL_URL_PREFIX = ascii("https://www.nexmark.com/channel-");
    private static final byte[] CHANNEL_URL_SUFFIX = ascii("/item.htm?query=1");

    private final long seed;
    private final long eventRate;
    private long state;

    /**
     * @param seed      any 64-bit value.
     * @param eventRate events per second of event time, at least 1.
     */
    public NexmarkGenerator(final long seed, final long eventRate)
    {
        if (eventRate < 1)
        {
            throw new IllegalArgumentException("event rate must be at least 1 event/s, was " + eventRate);
        }
        this.seed = seed;
        this.eventRate = eventRate;
    }

    public long seed()
    {
        return seed;
    }

    public long eventRate()
    {
        return eventRate;
    }

    /** The event-time timestamp of event {@code n}, ms since the epoch. */
    public long timestamp(final long n)
    {
        return BASE_TIME_MS + (n * 1000) / eventRate;
    }

    /** The kind of event {@code n}, without generating it. */
    public static NexmarkEvent.Kind kind(final long n)
    {
        final long rem = n % PROPORTION_DENOMINATOR;
        return rem == 0 ? NexmarkEvent.Kind.PERSON : rem <= 3 ? NexmarkEvent.Kind.AUCTION : NexmarkEvent.Kind.BID;
    }

    /** Fill {@code event} with event {@code n} ({@code n >= 0}). */
    public void generate(final long n, final NexmarkEvent event)
    {
        state = mix64(seed * GAMMA + n);
        final long ts = timestamp(n);
        switch (kind(n))
        {
            case PERSON -> person(n, ts, event);
            case AUCTION -> auction(n, ts, event);
            default -> bid(n, ts, event);
        }
    }

    private void person(final long n, final long ts, final NexmarkEvent event)
    {
        final NexmarkEvent.Person person = event.person();
        event.kind(NexmarkEvent.Kind.PERSON);
        person.id = lastPerson(n) + FIRST_PERSON_ID;
        final AsciiText name = person.name;
        name.setLength(0);
        name.append(FIRST_NAMES[(int)draw(FIRST_NAMES.length)]).append(' ')
            .append(LAST_NAMES[(int)draw(LAST_NAMES.length)]);
        final AsciiText email = person.email;
        email.setLength(0);
        string(7, email);
        email.append('@');
        string(5, email);
        email.append(".com");
        final AsciiText card = person.creditCard;
        card.setLength(0);
        for (int i = 0; i < 4; i++)
        {
            if (i > 0)
            {
                card.append(' ');
            }
            final long digits = draw(10000);
            card.append((char)('0' + digits / 1000)).append((char)('0' + digits / 100 % 10))
                .append((char)('0' + digits / 10 % 10)).append((char)('0' + digits % 10));
        }
        person.city = NexmarkEvent.US_CITIES[(int)draw(NexmarkEvent.US_CITIES.length)];
        person.state = NexmarkEvent.US_STATES[(int)draw(NexmarkEvent.US_STATES.length)];
        person.dateTime = ts;
    }

    private void auction(final long n, final long ts, final NexmarkEvent event)
    {
        final NexmarkEvent.Auction auction = event.auction();
        event.kind(NexmarkEvent.Kind.AUCTION);
        auction.id = lastAuction(n) + FIRST_AUCTION_ID;
        auction.seller = (draw(HOT_SELLERS_RATIO) > 0 ?
            (lastPerson(n) / HOT_BATCH) * HOT_BATCH : randomPerson(n)) + FIRST_PERSON_ID;
        auction.category = FIRST_CATEGORY_ID + draw(NUM_CATEGORIES);
        auction.initialBid = price();
        auction.expires = ts + 1 + draw(Math.max(2 * (timestamp(n + EVENTS_FOR_AUCTIONS) - ts), 1));
        auction.itemName.setLength(0);
        string(20, auction.itemName);
        auction.description.setLength(0);
        string(100, auction.description);
        auction.reserve = auction.initialBid + price();
        auction.dateTime = ts;
    }

    private void bid(final long n, final long ts, final NexmarkEvent event)
    {
        final NexmarkEvent.Bid bid = event.bid();
        event.kind(NexmarkEvent.Kind.BID);
        bid.auction = (draw(HOT_AUCTION_RATIO) > 0 ?
            (lastAuction(n) / HOT_BATCH) * HOT_BATCH : randomAuction(n)) + FIRST_AUCTION_ID;
        bid.bidder = (draw(HOT_BIDDERS_RATIO) > 0 ?
            (lastPerson(n) / HOT_BATCH) * HOT_BATCH + 1 : randomPerson(n)) + FIRST_PERSON_ID;
        bid.price = price();
        bid.channel.setLength(0);
        bid.url.setLength(0);
        if (draw(2) > 0)
        {
            final int hot = (int)draw(HOT_CHANNELS.length);
            bid.channel.append(HOT_CHANNEL_BYTES[hot]);
            bid.url.append(HOT_URL_BYTES[hot]);
        }
        else
        {
            final long channel = draw(10000);
            bid.channel.append(CHANNEL_PREFIX).append(channel);
            bid.url.append(CHANNEL_URL_PREFIX).append(channel).append(CHANNEL_URL_SUFFIX);
        }
        bid.dateTime = ts;
    }

    static long lastPerson(final long n)
    {
        return n / PROPORTION_DENOMINATOR;
    }

    static long lastAuction(final long n)
    {
        final long rem = n % PROPORTION_DENOMINATOR;
        final long epoch = n / PROPORTION_DENOMINATOR;
        if (rem == 0)
        {
            return 3 * epoch - 1;
        }
        return rem <= 3 ? 3 * epoch + (rem - 1) : 3 * epoch + 2;
    }

    private long randomPerson(final long n)
    {
        final long numPeople = lastPerson(n) + 1;
        final long active = Math.min(numPeople, NUM_ACTIVE_PEOPLE);
        return numPeople - active + draw(active + PERSON_ID_LEAD);
    }

    private long randomAuction(final long n)
    {
        final long max = lastAuction(n);
        final long min = Math.max(max - NUM_IN_FLIGHT_AUCTIONS, 0);
        return min + draw(max - min + 1 + AUCTION_ID_LEAD);
    }

    /** {@code len = 3 + u(maxLen - 3)} characters, a space with probability 1/13, trimmed: appended to out. */
    private void string(final int maxLength, final AsciiText out)
    {
        final int length = 3 + (int)draw(maxLength - 3);
        final int start = out.length();
        for (int i = 0; i < length; i++)
        {
            final long k = draw(338);
            out.append(k < 26 ? ' ' : (char)('a' + k % 26));
        }
        int end = out.length();
        while (end > start && out.charAt(end - 1) == ' ')
        {
            end--;
        }
        out.setLength(end);
        int first = start;
        while (first < end && out.charAt(first) == ' ')
        {
            first++;
        }
        if (first > start)
        {
            out.delete(start, first);
        }
    }

    private long price()
    {
        return price((next() >>> 11) * DOUBLE_UNIT);
    }

    /**
     * The spec's {@code Math.round(StrictMath.pow(10.0, d * 6.0) * 100.0)}, computed with the intrinsic {@link
     * Math#pow} where that gives the same long. Both powers are within one ulp of the exact one, so they differ by
     * at most two ulps of a value below 10^6, and their products by 100 by well under 10^-7: they round alike unless
     * the product lies within 10^-6 of a half, where the strict power decides.
     */
    static long price(final double d)
    {
        final double exponent = d * 6.0;
        final double cents = Math.pow(10.0, exponent) * 100.0;
        if (Math.abs(cents - Math.floor(cents) - 0.5) > HALF_MARGIN)
        {
            return Math.round(cents);
        }
        return Math.round(StrictMath.pow(10.0, exponent) * 100.0);
    }

    /** {@code u(k)}: an integer in {@code [0, k)}. */
    private long draw(final long k)
    {
        return (next() >>> 1) % k;
    }

    long next()
    {
        state += GAMMA;
        return mix64(state);
    }

    /** Start event {@code n}'s random stream without generating it (for the spec's test vectors). */
    void startStream(final long n)
    {
        state = mix64(seed * GAMMA + n);
    }

    long streamState()
    {
        return state;
    }

    private static byte[][] ascii(final String[] texts)
    {
        final byte[][] bytes = new byte[texts.length][];
        for (int i = 0; i < texts.length; i++)
        {
            bytes[i] = ascii(texts[i]);
        }
        return bytes;
    }

    private static byte[] ascii(final String text)
    {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    static long mix64(final long value)
    {
        long z = value;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
