package io.weir.tools.demo;

import io.weir.api.codec.FixedLayoutCodec;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * A card's transactions so far, for its running average: count and sum. One value, because every transaction reads
 * and writes both. Mutable, reused by one shard.
 */
public final class CardHistory
{
    public long count;
    public long sumCents;

    public CardHistory set(final long count, final long sumCents)
    {
        this.count = count;
        this.sumCents = sumCents;
        return this;
    }

    /**
     * Two longs, native order.
     * <pre>
     *  0        8        16
     *  +--------+--------+
     *  | count  |  sum   |
     *  +--------+--------+
     * </pre>
     */
    public static final class Codec extends FixedLayoutCodec<CardHistory>
    {
        public static final Codec INSTANCE = new Codec();

        private Codec()
        {
            super("weir-demo-card-history-v1", 16);
        }

        protected void write(final CardHistory value, final MutableDirectBuffer buffer, final int offset)
        {
            buffer.putLong(offset, value.count);
            buffer.putLong(offset + 8, value.sumCents);
        }

        protected CardHistory read(final DirectBuffer buffer, final int offset, final CardHistory reuse)
        {
            final CardHistory history = reuse != null ? reuse : new CardHistory();
            return history.set(buffer.getLong(offset), buffer.getLong(offset + 8));
        }
    }
}
