package io.weir.tools.demo;

import io.weir.api.codec.FixedLayoutCodec;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * One card payment of the demo's stream. Mutable so that the generator and the shards encode and decode one
 * reused instance; copy the fields if you keep them.
 */
public final class CardTransaction
{
    /** Merchant categories, indexed by {@link #merchantCategory}. */
    public static final String[] CATEGORIES =
        {"grocery", "fuel", "restaurant", "online", "travel", "electronics", "pharmacy", "cash"};

    public long timestampMs;
    public long cardId;
    public long amountCents;
    public int merchantCategory;
    /** {@code System.nanoTime()} at which the generator intended to send it: the start of its latency. */
    public long sendTimeNs;

    public CardTransaction set(
        final long timestampMs, final long cardId, final long amountCents, final int merchantCategory,
        final long sendTimeNs)
    {
        this.timestampMs = timestampMs;
        this.cardId = cardId;
        this.amountCents = amountCents;
        this.merchantCategory = merchantCategory;
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
            " at " + timestampMs;
    }

    /**
     * Fixed layout of a {@link CardTransaction}, native byte order (the rings are in-process).
     * <pre>
     *  0        8        16       24       32  36
     *  +--------+--------+--------+--------+---+
     *  |   ts   |  card  | amount | send_ns|cat|
     *  +--------+--------+--------+--------+---+
     * </pre>
     */
    public static final class Codec extends FixedLayoutCodec<CardTransaction>
    {
        public static final Codec INSTANCE = new Codec();
        public static final int LENGTH = 36;

        private Codec()
        {
            super("weir-demo-card-transaction-v1", LENGTH);
        }

        protected void write(final CardTransaction value, final MutableDirectBuffer buffer, final int offset)
        {
            buffer.putLong(offset, value.timestampMs);
            buffer.putLong(offset + 8, value.cardId);
            buffer.putLong(offset + 16, value.amountCents);
            buffer.putLong(offset + 24, value.sendTimeNs);
            buffer.putInt(offset + 32, value.merchantCategory);
        }

        protected CardTransaction read(final DirectBuffer buffer, final int offset, final CardTransaction reuse)
        {
            final CardTransaction txn = reuse != null ? reuse : new CardTransaction();
            return txn.set(buffer.getLong(offset), buffer.getLong(offset + 8), buffer.getLong(offset + 16),
                buffer.getInt(offset + 32), buffer.getLong(offset + 24));
        }
    }
}
