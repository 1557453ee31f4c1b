package io.weir.api.window;

/** Non-overlapping windows of a fixed size, aligned to the epoch plus an offset (Flink's semantics). */
public final class TumblingEventTimeWindows implements WindowAssigner
{
    private final long sizeMs;
    private final long offsetMs;

    private TumblingEventTimeWindows(final long sizeMs, final long offsetMs)
    {
        if (sizeMs <= 0)
        {
            throw new IllegalArgumentException("tumbling window size must be positive: " + sizeMs + " ms");
        }
        if (Math.abs(offsetMs) >= sizeMs)
        {
            throw new IllegalArgumentException("tumbling window offset " + offsetMs + " ms must be smaller than " +
                "the size " + sizeMs + " ms");
        }
        this.sizeMs = sizeMs;
        this.offsetMs = offsetMs;
    }

    /** Back-to-back windows of {@code sizeMs} ms, aligned to the epoch. */
    public static TumblingEventTimeWindows of(final long sizeMs)
    {
        return new TumblingEventTimeWindows(sizeMs, 0);
    }

    /** Back-to-back windows of {@code sizeMs} ms, shifted by {@code offsetMs}. */
    public static TumblingEventTimeWindows of(final long sizeMs, final long offsetMs)
    {
        return new TumblingEventTimeWindows(sizeMs, offsetMs);
    }

    public long sizeMs()
    {
        return sizeMs;
    }

    public void assignWindows(final long timestamp, final WindowStartConsumer consumer)
    {
        consumer.onWindowStart(TimeWindow.windowStart(timestamp, offsetMs, sizeMs));
    }

    public String toString()
    {
        return "TumblingEventTimeWindows(" + sizeMs + "ms)";
    }
}
