package io.weir.api.window;

/** Overlapping windows of a fixed size starting every {@code slide} ms (Flink's semantics). */
public final class SlidingEventTimeWindows implements WindowAssigner
{
    private final long sizeMs;
    private final long slideMs;
    private final long offsetMs;

    private SlidingEventTimeWindows(final long sizeMs, final long slideMs, final long offsetMs)
    {
        if (sizeMs <= 0 || slideMs <= 0)
        {
            throw new IllegalArgumentException(
                "sliding window size and slide must be positive: size=" + sizeMs + " slide=" + slideMs);
        }
        if (Math.abs(offsetMs) >= slideMs)
        {
            throw new IllegalArgumentException(
                "sliding window offset " + offsetMs + " ms must be smaller than the slide " + slideMs + " ms");
        }
        this.sizeMs = sizeMs;
        this.slideMs = slideMs;
        this.offsetMs = offsetMs;
    }

    /** Windows of {@code sizeMs} ms starting every {@code slideMs} ms, aligned to the epoch. */
    public static SlidingEventTimeWindows of(final long sizeMs, final long slideMs)
    {
        return new SlidingEventTimeWindows(sizeMs, slideMs, 0);
    }

    /** Windows of {@code sizeMs} ms starting every {@code slideMs} ms, shifted by {@code offsetMs}. */
    public static SlidingEventTimeWindows of(final long sizeMs, final long slideMs, final long offsetMs)
    {
        return new SlidingEventTimeWindows(sizeMs, slideMs, offsetMs);
    }

    public long sizeMs()
    {
        return sizeMs;
    }

    /** The time between the starts of two windows, in ms. */
    public long slideMs()
    {
        return slideMs;
    }

    /** The shift of the windows' starts from the epoch, in ms. */
    public long offsetMs()
    {
        return offsetMs;
    }

    public void assignWindows(final long timestamp, final WindowStartConsumer consumer)
    {
        final long lastStart = TimeWindow.windowStart(timestamp, offsetMs, slideMs);
        for (long start = lastStart; start > timestamp - sizeMs; start -= slideMs)
        {
            if (!consumer.onWindowStart(start))
            {
                return;
            }
        }
    }

    public String toString()
    {
        return "SlidingEventTimeWindows(" + sizeMs + "ms, " + slideMs + "ms)";
    }
}
