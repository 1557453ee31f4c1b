package io.weir.api.window;

/**
 * An event-time window {@code [start, end)}. Instances handed to window functions are reused: copy the bounds
 * if you keep them.
 */
public final class TimeWindow
{
    private long start;
    private long end;

    /** An empty window, for {@link #set} to fill. */
    public TimeWindow()
    {
    }

    /** The window {@code [start, end)}. */
    public TimeWindow(final long start, final long end)
    {
        set(start, end);
    }

    /** Sets the bounds to {@code [start, end)}; returns this window. */
    public TimeWindow set(final long start, final long end)
    {
        this.start = start;
        this.end = end;
        return this;
    }

    /** The window's first millisecond. */
    public long start()
    {
        return start;
    }

    /** The first millisecond after the window. */
    public long end()
    {
        return end;
    }

    /** The last millisecond inside the window: when it fires. */
    public long maxTimestamp()
    {
        return end - 1;
    }

    /**
     * Flink's {@code TimeWindow.getWindowStartWithOffset}: the start of the window of size {@code windowSize}
     * containing {@code timestamp} (Java's {@code %}, so negative timestamps behave as in Flink).
     */
    public static long windowStart(final long timestamp, final long offset, final long windowSize)
    {
        final long remainder = (timestamp - offset) % windowSize;
        return remainder < 0 ? timestamp - (remainder + windowSize) : timestamp - remainder;
    }

    public boolean equals(final Object o)
    {
        return o instanceof TimeWindow && ((TimeWindow)o).start == start && ((TimeWindow)o).end == end;
    }

    public int hashCode()
    {
        return Long.hashCode(start * 31 + end);
    }

    public String toString()
    {
        return "TimeWindow[" + start + ", " + end + ")";
    }
}
