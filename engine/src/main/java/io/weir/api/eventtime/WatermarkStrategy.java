package io.weir.api.eventtime;

/**
 * How a source derives watermarks from the timestamps of its elements (Flink's {@code WatermarkStrategy}, the
 * bounded-out-of-orderness subset, with idleness). Immutable.
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
        return new WatermarkStrategy(outOfOrdernessMs, 0);
    }

    /** For ascending timestamps: a bound of 0. */
    public static WatermarkStrategy forMonotonousTimestamps()
    {
        return new WatermarkStrategy(0, 0);
    }

    /**
     * This strategy, and a source instance that produced no element for {@code idleTimeout} (processing time) is
     * idle (Flink's {@code withIdleness}): the operators it feeds leave it out of their watermark, the minimum over
     * their inputs, until it produces again; its watermark then counts once it has caught up with theirs.
     * Elements it produces after being idle may be late.
     */
    public WatermarkStrategy withIdleness(final java.time.Duration idleTimeout)
    {
        return withIdleness(idleTimeout.toMillis());
    }

    /** {@link #withIdleness(java.time.Duration)} in milliseconds. */
    public WatermarkStrategy withIdleness(final long idleTimeoutMs)
    {
        if (idleTimeoutMs <= 0)
        {
            throw new IllegalArgumentException("idle timeout must be > 0 ms: " + idleTimeoutMs);
        }
        return new WatermarkStrategy(outOfOrdernessMs, idleTimeoutMs);
    }

    /** The idle timeout in ms; 0 when the source is never idle. */
    public long idleTimeoutMs()
    {
        return idleTimeoutMs;
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
        final String watermarks = isAutomatic() ? "boundedOutOfOrderness(" + outOfOrdernessMs + "ms)" : "none";
        return idleTimeoutMs > 0 ? watermarks + ".withIdleness(" + idleTimeoutMs + "ms)" : watermarks;
    }
}
