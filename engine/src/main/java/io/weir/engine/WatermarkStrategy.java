package io.weir.engine;

/**
 * How a producer derives watermarks from the timestamps it sends. Immutable; each producer keeps its own
 * watermark state.
 */
public final class WatermarkStrategy
{
    private static final WatermarkStrategy NONE = new WatermarkStrategy(-1, 0);

    private final long outOfOrdernessMs;
    private final long idleTimeoutMs;

    private WatermarkStrategy(final long outOfOrdernessMs, final long idleTimeoutMs)
    {
        this.outOfOrdernessMs = outOfOrdernessMs;
        this.idleTimeoutMs = idleTimeoutMs;
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
        return new WatermarkStrategy(outOfOrdernessMs, 0);
    }

    /** This strategy, and a producer that offered nothing for {@code idleTimeoutMs} is idle; 0 for never. */
    public WatermarkStrategy withIdleness(final long idleTimeoutMs)
    {
        if (idleTimeoutMs < 0)
        {
            throw new IllegalArgumentException("idle timeout must be >= 0 ms: " + idleTimeoutMs);
        }
        return new WatermarkStrategy(outOfOrdernessMs, idleTimeoutMs);
    }

    /** The idle timeout in ms; 0 when the producer is never idle. */
    public long idleTimeoutMs()
    {
        return idleTimeoutMs;
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
