package io.weir.engine;

/**
 * How a producer derives watermarks from the timestamps it sends. Immutable; each producer keeps its own
 * watermark state.
 */
public final class WatermarkStrategy
{
    private static final WatermarkStrategy NONE = new WatermarkStrategy(-1);

    private final long outOfOrdernessMs;

    private WatermarkStrategy(final long outOfOrdernessMs)
    {
        this.outOfOrdernessMs = outOfOrdernessMs;
    }

    /** No automatic watermarks: the producer emits them itself with {@code Producer.emitWatermark}. */
    public static WatermarkStrategy none()
    {
        return NONE;
    }

    /** Flink's {@code BoundedOutOfOrdernessWatermarks}: after each element, {@code max(ts) - bound - 1}. */
    public static WatermarkStrategy forBoundedOutOfOrderness(final long outOfOrdernessMs)
    {
        if (outOfOrdernessMs < 0)
        {
            throw new IllegalArgumentException("out-of-orderness bound must be >= 0 ms: " + outOfOrdernessMs);
        }
        return new WatermarkStrategy(outOfOrdernessMs);
    }

    public boolean isAutomatic()
    {
        return outOfOrdernessMs >= 0;
    }

    public long outOfOrdernessMs()
    {
        return outOfOrdernessMs;
    }

    public String toString()
    {
        return isAutomatic() ? "boundedOutOfOrderness(" + outOfOrdernessMs + "ms)" : "none";
    }
}
