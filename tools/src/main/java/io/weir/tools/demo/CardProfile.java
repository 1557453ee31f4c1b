package io.weir.tools.demo;

import io.weir.api.codec.FixedLayoutCodec;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/** A card's profile, published on the profile stream when the card is issued. Mutable, reused. */
public final class CardProfile
{
    /** Event time: when the profile was published. */
    public long timestampMs;
    public long cardId;
    /** Index into {@link CardTransaction#COUNTRIES}. */
    public int homeCountry;

    public CardProfile set(final long timestampMs, final long cardId, final int homeCountry)
    {
        this.timestampMs = timestampMs;
        this.cardId = cardId;
        this.homeCountry = homeCountry;
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
        return "profile of card " + cardId + ": home " + CardTransaction.COUNTRIES[homeCountry] + " at " + timestampMs;
    }

    /**
     * Native order.
     * <pre>
     *  0        8        16   20
     *  +--------+--------+----+
     *  |   ts   |  card  |home|
     *  +--------+--------+----+
     * </pre>
     */
    public static final class Codec extends FixedLayoutCodec<CardProfile>
    {
        public static final Codec INSTANCE = new Codec();

        private Codec()
        {
            super("weir-demo-card-profile-v1", 20);
        }

        protected void write(final CardProfile value, final MutableDirectBuffer buffer, final int offset)
        {
            buffer.putLong(offset, value.timestampMs);
            buffer.putLong(offset + 8, value.cardId);
            buffer.putInt(offset + 16, value.homeCountry);
        }

        protected CardProfile read(final DirectBuffer buffer, final int offset, final CardProfile reuse)
        {
            final CardProfile profile = reuse != null ? reuse : new CardProfile();
            return profile.set(buffer.getLong(offset), buffer.getLong(offset + 8), buffer.getInt(offset + 16));
        }
    }
}
