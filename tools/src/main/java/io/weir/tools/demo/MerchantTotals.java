package io.weir.tools.demo;

import io.weir.api.codec.FixedLayoutCodec;
import io.weir.api.functions.AggregateFunction;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * A merchant's scored transactions in one tumbling event-time window: how many, their amount, and how many raised
 * an alert. The accumulator of the per-merchant stage and its output. Mutable; copy it ({@link #copy()}) to keep it.
 */
public final class MerchantTotals
{
    public long merchantId;
    /** End (exclusive) of the window, event time. */
    public long windowEndMs;
    public long transactions;
    public long amountCents;
    /** Transactions that raised at least one alert. */
    public long alerts;
    public long alertedAmountCents;

    /** Count {@code outcome}, a scored transaction. */
    public MerchantTotals add(final FraudOutcome outcome)
    {
        transactions++;
        amountCents += outcome.amountCents;
        if (outcome.alerts != 0)
        {
            alerts++;
            alertedAmountCents += outcome.amountCents;
        }
        return this;
    }

    public MerchantTotals of(final long merchantId, final long windowEndMs)
    {
        this.merchantId = merchantId;
        this.windowEndMs = windowEndMs;
        return this;
    }

    public MerchantTotals copy()
    {
        final MerchantTotals copy = new MerchantTotals();
        copy.merchantId = merchantId;
        copy.windowEndMs = windowEndMs;
        copy.transactions = transactions;
        copy.amountCents = amountCents;
        copy.alerts = alerts;
        copy.alertedAmountCents = alertedAmountCents;
        return copy;
    }

    public boolean equals(final Object o)
    {
        return o instanceof MerchantTotals && toString().equals(o.toString());
    }

    public int hashCode()
    {
        return toString().hashCode();
    }

    public String toString()
    {
        return "merchant " + merchantId + " window ending " + windowEndMs + ": " + transactions + " transactions " +
            amountCents + " cents, " + alerts + " alerts " + alertedAmountCents + " cents";
    }

    /** The per-merchant stage's aggregation: counts scored transactions into a window's totals. */
    public static final class Aggregate implements AggregateFunction<FraudOutcome, MerchantTotals, MerchantTotals>
    {
        public MerchantTotals createAccumulator()
        {
            return new MerchantTotals();
        }

        public MerchantTotals add(final FraudOutcome value, final MerchantTotals accumulator)
        {
            return accumulator.add(value);
        }

        public MerchantTotals result(final MerchantTotals accumulator)
        {
            return accumulator;
        }

        public MerchantTotals merge(final MerchantTotals a, final MerchantTotals b)
        {
            a.transactions += b.transactions;
            a.amountCents += b.amountCents;
            a.alerts += b.alerts;
            a.alertedAmountCents += b.alertedAmountCents;
            return a;
        }
    }

    /**
     * Native order.
     * <pre>
     *  0        8        16       24       32       40       48
     *  +--------+--------+--------+--------+--------+--------+
     *  |merchant| w_end  |  txns  | amount | alerts |alrt_amt|
     *  +--------+--------+--------+--------+--------+--------+
     * </pre>
     */
    public static final class Codec extends FixedLayoutCodec<MerchantTotals>
    {
        public static final Codec INSTANCE = new Codec();

        private Codec()
        {
            super("weir-demo-merchant-totals-v1", 48);
        }

        protected void write(final MerchantTotals value, final MutableDirectBuffer buffer, final int offset)
        {
            buffer.putLong(offset, value.merchantId);
            buffer.putLong(offset + 8, value.windowEndMs);
            buffer.putLong(offset + 16, value.transactions);
            buffer.putLong(offset + 24, value.amountCents);
            buffer.putLong(offset + 32, value.alerts);
            buffer.putLong(offset + 40, value.alertedAmountCents);
        }

        protected MerchantTotals read(final DirectBuffer buffer, final int offset, final MerchantTotals reuse)
        {
            final MerchantTotals totals = reuse != null ? reuse : new MerchantTotals();
            totals.merchantId = buffer.getLong(offset);
            totals.windowEndMs = buffer.getLong(offset + 8);
            totals.transactions = buffer.getLong(offset + 16);
            totals.amountCents = buffer.getLong(offset + 24);
            totals.alerts = buffer.getLong(offset + 32);
            totals.alertedAmountCents = buffer.getLong(offset + 40);
            return totals;
        }
    }
}
