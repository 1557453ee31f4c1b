package io.weir.tools.bench;

import io.weir.api.codec.FixedLayoutCodec;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * An event of the rolling-sum workload of docs/benchmarks.md, with its sequence number and intended send time so the
 * shard can measure latency from the schedule (coordinated omission). Mutable and reused.
 */
public final class BenchEvent
{
    public long key;
    public long amount;
    public long sequence;
    public long intendedNs;

    /** docs/benchmarks.md: event {@code i} of {@code keys} keys. */
    public BenchEvent generate(final long i, final long keys, final long intendedNs)
    {
        this.key = Long.remainderUnsigned(mix(i + 0x632BE59BD9B4E019L), keys);
        this.amount = 1 + (i % 100);
        this.sequence = i;
        this.intendedNs = intendedNs;
        return this;
    }

    /** The SplitMix64 finaliser. */
    static long mix(final long value)
    {
        long z = value;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    public long key()
    {
        return key;
    }

    public long sequence()
    {
        return sequence;
    }

    /** Four longs, native order. */
    public static final class Codec extends FixedLayoutCodec<BenchEvent>
    {
        public static final Codec INSTANCE = new Codec();

        private Codec()
        {
            super("weir-bench-event-v1", 32);
        }

        protected void write(final BenchEvent value, final MutableDirectBuffer buffer, final int offset)
        {
            buffer.putLong(offset, value.key);
            buffer.putLong(offset + 8, value.amount);
            buffer.putLong(offset + 16, value.sequence);
            buffer.putLong(offset + 24, value.intendedNs);
        }

        protected BenchEvent read(final DirectBuffer buffer, final int offset, final BenchEvent reuse)
        {
            final BenchEvent event = reuse != null ? reuse : new BenchEvent();
            event.key = buffer.getLong(offset);
            event.amount = buffer.getLong(offset + 8);
            event.sequence = buffer.getLong(offset + 16);
            event.intendedNs = buffer.getLong(offset + 24);
            return event;
        }
    }
}
