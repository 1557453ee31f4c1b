package io.weir.tools.jobs;

import io.weir.api.codec.FixedLayoutCodec;
import io.weir.api.functions.AggregateFunction;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/** Count and sum of amounts: the accumulator and result of the {@code tumbling} job's windows. */
public final class CountSum
{
    public long count;
    public long sum;

    /** Adds events to a mutable accumulator. */
    public static final class Aggregate implements AggregateFunction<Event, CountSum, CountSum>
    {
        public CountSum createAccumulator()
        {
            return new CountSum();
        }

        public CountSum add(final Event value, final CountSum accumulator)
        {
            accumulator.count++;
            accumulator.sum += value.amount;
            return accumulator;
        }

        public CountSum result(final CountSum accumulator)
        {
            return accumulator;
        }

        public CountSum merge(final CountSum a, final CountSum b)
        {
            a.count += b.count;
            a.sum += b.sum;
            return a;
        }
    }

    /** Fixed layout: count, sum. */
    public static final class Codec extends FixedLayoutCodec<CountSum>
    {
        public static final Codec INSTANCE = new Codec();

        private Codec()
        {
            super("weir-count-sum-v1", 16);
        }

        protected void write(final CountSum value, final MutableDirectBuffer buffer, final int offset)
        {
            buffer.putLong(offset, value.count);
            buffer.putLong(offset + 8, value.sum);
        }

        protected CountSum read(final DirectBuffer buffer, final int offset, final CountSum reuse)
        {
            final CountSum acc = reuse != null ? reuse : new CountSum();
            acc.count = buffer.getLong(offset);
            acc.sum = buffer.getLong(offset + 8);
            return acc;
        }
    }
}
