package io.weir.api.eventtime;

/**
 * How a source derives watermarks from the timestamps of its elements (Flink's {@code WatermarkStrategy}, the
 * bounded-out-of-orderness subset). Immutable.
 */
public final class WatermarkStrategy
{
    private static final WatermarkStrategy NONE = new WatermarkStrategy(-1);
    private final long outOfOrdernessMs;

    private WatermarkStrategy(final long outOfOrdernessMs)
    {
        this.outOfOrdernessMs = outOfOrdernessMs;
    }

    /** No automatic watermarks: application producers emit them themselves. */
    public static WatermarkStrategy noWatermarks()
    {
        return NONE;
    }

    /** After each element, {@code max(timestamp) - bound - 1}. */
    public static WatermarkStrategy forBoundedOutOfOrderness(final long outOfOrdernessMs)
    {
        if (outOfOrdernessMs < 0)
        {
            throw new IllegalArgumentException("out-of-orderness bound must be >= 0 ms: " + outOfOrdernessMs);
        }
        return new WatermarkStrategy(outOfOrdernessMs);
    }

    /** For ascending timestamps: a bound of 0. */
    public static WatermarkStrategy forMonotonousTimestamps()
    {
        return new WatermarkStrategy(0);
    }

    /** Whether watermarks follow the timestamps; false for {@link #noWatermarks()}. */
    public boolean isAutomatic()
    {
        return outOfOrdernessMs >= 0;
    }

    /** The bound; -1 without automatic watermarks. */
    public long outOfOrdernessMs()
    {
        return outOfOrdernessMs;
    }

    public String toString()
    {
        return isAutomatic() ? "boundedOutOfOrderness(" + outOfOrdernessMs + "ms)" : "none";
    }
}
