package io.weir.tools.demo;

import io.weir.api.codec.FixedLayoutCodec;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * One card payment of the demo's stream, and the same payment once the card's profile has been joined to it
 * ({@link #homeCountry}). Mutable so that the generator and the shards encode and decode one reused instance;
 * copy the fields if you keep them.
 */
public final class CardTransaction
{
    /** Merchant categories, indexed by {@link #merchantCategory}. */
    public static final String[] CATEGORIES =
        {"grocery", "fuel", "restaurant", "online", "travel", "electronics", "pharmacy", "cash"};
    /** Countries, indexed by {@link #country} and {@link CardProfile#homeCountry}. */
    public static final String[] COUNTRIES = {"DE", "FR", "GB", "ES", "IT", "NL", "PL", "SE", "US", "BR"};
    /** {@link #homeCountry} of a transaction not (yet) joined with its card's profile. */
    public static final int NO_PROFILE = -1;

    public long timestampMs;
    public long cardId;
    public long amountCents;
    public long merchantId;
    public int merchantCategory;
    /** Where the payment was made. */
    public int country;
    /** The card's home country from its profile, or {@link #NO_PROFILE}. */
    public int homeCountry = NO_PROFILE;
    /** {@code System.nanoTime()} at which the generator intended to send it: the start of its latency. */
    public long sendTimeNs;

    public CardTransaction set(
        final long timestampMs, final long cardId, final long amountCents, final int merchantCategory,
        final long sendTimeNs)
    {
        return set(timestampMs, cardId, amountCents, 0, merchantCategory, 0, sendTimeNs);
    }

    public CardTransaction set(
        final long timestampMs,
        final long cardId,
        final long amountCents,
        final long merchantId,
        final int merchantCategory,
        final int country,
        final long sendTimeNs)
    {
        this.timestampMs = timestampMs;
        this.cardId = cardId;
        this.amountCents = amountCents;
        this.merchantId = merchantId;
        this.merchantCategory = merchantCategory;
        this.country = country;
        this.homeCountry = NO_PROFILE;
        this.sendTimeNs = sendTimeNs;
        return this;
    }

    public long timestampMs()
    {
        return timestampMs;
    }

    public long cardId()
    {
        return cardId;
    }

    public String toString()
    {
        return "card " + cardId + " " + DemoFormat.money(amountCents) + " " + CATEGORIES[merchantCategory] +
            " at merchant " + merchantId + " in " + COUNTRIES[country] + " at " + timestampMs;
    }

    /**
     * Fixed layout of a {@link CardTransaction}, native byte order (the rings are in-process).
     * <pre>
     *  0        8        16       24       32       40   44   48   52
     *  +--------+--------+--------+--------+--------+----+----+----+
     *  |   ts   |  card  | amount | send_ns|merchant|cat |ctry|home|
     *  +--------+--------+--------+--------+--------+----+----+----+
     * </pre>
     */
    public static final class Codec extends FixedLayoutCodec<CardTransaction>
    {
        public static final Codec INSTANCE = new Codec();
        public static final int LENGTH = 52;

        private Codec()
        {
            super("weir-demo-card-transaction-v2", LENGTH);
        }

        protected void write(final CardTransaction value, final MutableDirectBuffer buffer, final int offset)
        {
            buffer.putLong(offset, value.timestampMs);
            buffer.putLong(offset + 8, value.cardId);
            buffer.putLong(offset + 16, value.amountCents);
            buffer.putLong(offset + 24, value.sendTimeNs);
            buffer.putLong(offset + 32, value.merchantId);
            buffer.putInt(offset + 40, value.merchantCategory);
            buffer.putInt(offset + 44, value.country);
            buffer.putInt(offset + 48, value.homeCountry);
        }

        protected CardTransaction read(final DirectBuffer buffer, final int offset, final CardTransaction reuse)
        {
            final CardTransaction txn = reuse != null ? reuse : new CardTransaction();
            txn.set(buffer.getLong(offset), buffer.getLong(offset + 8), buffer.getLong(offset + 16),
                buffer.getLong(offset + 32), buffer.getInt(offset + 40), buffer.getInt(offset + 44),
                buffer.getLong(offset + 24));
            txn.homeCountry = buffer.getInt(offset + 48);
            return txn;
        }
    }
}
