package io.weir.api.window;

/**
 * Event-time session windows with a fixed gap (Flink's {@code EventTimeSessionWindows.withGap}): an element with
 * timestamp {@code ts} starts in the window {@code [ts, ts + gap)}, and windows of the same key that intersect
 * (touching counts: {@code a.start <= b.end && b.start <= a.end}) merge into their cover. A session therefore
 * closes once no element of its key arrives within {@code gap} ms of its last one. Immutable and thread-safe.
 */
public final class EventTimeSessionWindows
{
    private final long gapMs;

    private EventTimeSessionWindows(final long gapMs)
    {
        if (gapMs <= 0)
        {
            throw new IllegalArgumentException("session gap must be positive: " + gapMs + " ms");
        }
        this.gapMs = gapMs;
    }

    /** Sessions per key that close after {@code gapMs} ms without events. */
    public static EventTimeSessionWindows withGap(final long gapMs)
    {
        return new EventTimeSessionWindows(gapMs);
    }

    /** The gap, in ms, that closes a session. */
    public long gapMs()
    {
        return gapMs;
    }

    /**
     * The exclusive end of the window an element with {@code timestamp} is first assigned: {@code timestamp + gap},
     * saturated at {@link Long#MAX_VALUE} instead of overflowing.
     */
    public long windowEnd(final long timestamp)
    {
        final long end = timestamp + gapMs;
        return end < timestamp ? Long.MAX_VALUE : end;
    }

    /** Flink's {@code TimeWindow.intersects}: the windows overlap or touch. */
    public static boolean intersects(final long startA, final long endA, final long startB, final long endB)
    {
        return startA <= endB && startB <= endA;
    }

    public String toString()
    {
        return "EventTimeSessionWindows(" + gapMs + "ms)";
    }
}
