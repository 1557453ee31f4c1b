package io.weir.tools.demo;

import io.weir.api.codec.FixedLayoutCodec;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/** A card's open session: first and last transaction time, count and sum. Mutable, reused by one shard. */
public final class CardSession
{
    public long startMs;
    public long lastMs;
    public long count;
    public long sumCents;

    public CardSession set(final long startMs, final long lastMs, final long count, final long sumCents)
    {
        this.startMs = startMs;
        this.lastMs = lastMs;
        this.count = count;
        this.sumCents = sumCents;
        return this;
    }

    /**
     * Four longs, native order.
     * <pre>
     *  0        8        16       24       32
     *  +--------+--------+--------+--------+
     *  | start  |  last  | count  |  sum   |
     *  +--------+--------+--------+--------+
     * </pre>
     */
    public static final class Codec extends FixedLayoutCodec<CardSession>
    {
        public static final Codec INSTANCE = new Codec();

        private Codec()
        {
            super("weir-demo-card-session-v1", 32);
        }

        protected void write(final CardSession value, final MutableDirectBuffer buffer, final int offset)
        {
            buffer.putLong(offset, value.startMs);
            buffer.putLong(offset + 8, value.lastMs);
            buffer.putLong(offset + 16, value.count);
            buffer.putLong(offset + 24, value.sumCents);
        }

        protected CardSession read(final DirectBuffer buffer, final int offset, final CardSession reuse)
        {
            final CardSession session = reuse != null ? reuse : new CardSession();
            return session.set(buffer.getLong(offset), buffer.getLong(offset + 8), buffer.getLong(offset + 16),
                buffer.getLong(offset + 24));
        }
    }
}
