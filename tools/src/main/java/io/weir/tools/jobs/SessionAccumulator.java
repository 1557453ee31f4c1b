package io.weir.tools.jobs;

import io.weir.api.codec.FixedLayoutCodec;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/** An open session of the {@code session} job: min ts, max ts, count and sum. */
public final class SessionAccumulator
{
    public long start;
    public long maxTimestamp;
    public long count;
    public long sum;

    /** Fixed layout: four longs. */
    public static final class Codec extends FixedLayoutCodec<SessionAccumulator>
    {
        public static final Codec INSTANCE = new Codec();

        private Codec()
        {
            super("weir-session-acc-v1", 32);
        }

        protected void write(final SessionAccumulator value, final MutableDirectBuffer buffer, final int offset)
        {
            buffer.putLong(offset, value.start);
            buffer.putLong(offset + 8, value.maxTimestamp);
            buffer.putLong(offset + 16, value.count);
            buffer.putLong(offset + 24, value.sum);
        }

        protected SessionAccumulator read(final DirectBuffer buffer, final int offset, final SessionAccumulator reuse)
        {
            final SessionAccumulator acc = reuse != null ? reuse : new SessionAccumulator();
            acc.start = buffer.getLong(offset);
            acc.maxTimestamp = buffer.getLong(offset + 8);
            acc.count = buffer.getLong(offset + 16);
            acc.sum = buffer.getLong(offset + 24);
            return acc;
        }
    }
}
