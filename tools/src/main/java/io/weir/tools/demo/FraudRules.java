package io.weir.tools.demo;

import io.weir.api.codec.FixedLayoutCodec;
import io.weir.api.codec.IntCodec;
import io.weir.api.state.MapStateDescriptor;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.util.Locale;

/**
 * The thresholds of the fraud rules, published on the rules stream and kept in broadcast state by
 * {@link FraudDetector}; a higher {@link #version} replaces the current one. Mutable while being built or decoded;
 * the constants must not be changed.
 */
public final class FraudRules
{
    /** The broadcast state: {@link #CURRENT} -> the rules in force. */
    public static final MapStateDescriptor<Integer, FraudRules> STATE =
        new MapStateDescriptor<>("rules", IntCodec.INSTANCE, Codec.INSTANCE);
    /** The one key of {@link #STATE}. */
    public static final Integer CURRENT = 0;
    /** Versions are 1 to this. */
    public static final int MAX_VERSION = 15;
    /** What the demo publishes first; in force until a rules element arrives. */
    public static final FraudRules INITIAL = new FraudRules().set(0, 1, 5, 10, 50_000);
    /** What the demo publishes half-way through the run. */
    public static final FraudRules TIGHTENED = new FraudRules().set(0, 2, 4, 6, 20_000);

    /** Event time of publication. */
    public long timestampMs;
    public int version;
    /** Velocity: this many transactions of a card within {@link FraudDetector#VELOCITY_WINDOW_MS} raise an alert. */
    public int velocityThreshold;
    /** Spike: an amount above this many times the card's running average raises an alert. */
    public long spikeFactor;
    /** Abroad: an amount above this, paid outside the card's home country, raises an alert. */
    public long abroadMaxCents;

    public FraudRules set(
        final long timestampMs,
        final int version,
        final int velocityThreshold,
        final long spikeFactor,
        final long abroadMaxCents)
    {
        if (version < 1 || version > MAX_VERSION || velocityThreshold < 1 || spikeFactor < 1 || abroadMaxCents < 0)
        {
            throw new IllegalArgumentException("rules need version 1.." + MAX_VERSION + ", velocity >= 1, spike " +
                "factor >= 1, abroad max >= 0: version=" + version + " velocity=" + velocityThreshold + " spike=" +
                spikeFactor + " abroadMaxCents=" + abroadMaxCents);
        }
        this.timestampMs = timestampMs;
        this.version = version;
        this.velocityThreshold = velocityThreshold;
        this.spikeFactor = spikeFactor;
        this.abroadMaxCents = abroadMaxCents;
        return this;
    }

    /** A copy published at {@code timestampMs}. */
    public FraudRules at(final long timestampMs)
    {
        return new FraudRules().set(timestampMs, version, velocityThreshold, spikeFactor, abroadMaxCents);
    }

    public long timestampMs()
    {
        return timestampMs;
    }

    /** One line for people. */
    public String describe()
    {
        return String.format(Locale.ROOT,
            "v%d: velocity >= %d transactions in %d s | spike > %dx the card's average | abroad > %s",
            version, velocityThreshold, FraudDetector.VELOCITY_WINDOW_MS / 1000, spikeFactor,
            DemoFormat.money(abroadMaxCents));
    }

    public String toString()
    {
        return "rules " + describe() + " at " + timestampMs;
    }

    /**
     * Native order.
     * <pre>
     *  0        8    12   16       24       32
     *  +--------+----+----+--------+--------+
     *  |   ts   |ver |velo| spike  | abroad |
     *  +--------+----+----+--------+--------+
     * </pre>
     */
    public static final class Codec extends FixedLayoutCodec<FraudRules>
    {
        public static final Codec INSTANCE = new Codec();

        private Codec()
        {
            super("weir-demo-fraud-rules-v1", 32);
        }

        protected void write(final FraudRules value, final MutableDirectBuffer buffer, final int offset)
        {
            buffer.putLong(offset, value.timestampMs);
            buffer.putInt(offset + 8, value.version);
            buffer.putInt(offset + 12, value.velocityThreshold);
            buffer.putLong(offset + 16, value.spikeFactor);
            buffer.putLong(offset + 24, value.abroadMaxCents);
        }

        protected FraudRules read(final DirectBuffer buffer, final int offset, final FraudRules reuse)
        {
            final FraudRules rules = reuse != null ? reuse : new FraudRules();
            return rules.set(buffer.getLong(offset), buffer.getInt(offset + 8), buffer.getInt(offset + 12),
                buffer.getLong(offset + 16), buffer.getLong(offset + 24));
        }
    }
}
