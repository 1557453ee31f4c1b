package io.weir.api.window;

/**
 * Assigns an element's timestamp to the fixed-size event-time windows it belongs to (tumbling or sliding).
 * Immutable and thread-safe. Windows are identified by their start; every window has {@link #sizeMs()}.
 */
public interface WindowAssigner
{
    /** The length of each window, in ms. */
    long sizeMs();

    /** Receives the start of each window a timestamp belongs to. */
    @FunctionalInterface
    interface WindowStartConsumer
    {
        /** @return false to stop the assignment early. */
        boolean onWindowStart(long windowStart);
    }

    /** Report the start of every window containing {@code timestamp}, latest first. */
    void assignWindows(long timestamp, WindowStartConsumer consumer);
}
