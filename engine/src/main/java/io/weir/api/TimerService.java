package io.weir.api;

/**
 * Timers and time for the current key. Called only from the shard thread, inside {@code processElement} or
 * {@code onTimer}. Timers are per (key, timestamp): registering the same one twice gives one timer, deleting
 * one that does not exist is a no-op.
 */
public interface TimerService
{
    /** Processing time in ms, from the job's clock. */
    long currentProcessingTime();

    /** The shard's current event-time watermark ({@code Long.MIN_VALUE} before the first one). */
    long currentWatermark();

    /** Fire {@code onTimer} once the watermark reaches {@code timestampMs}. */
    void registerEventTimeTimer(long timestampMs);

    /** Fire {@code onTimer} once processing time reaches {@code timestampMs}. */
    void registerProcessingTimeTimer(long timestampMs);

    /** Deletes the current key's event-time timer at {@code timestampMs}; does nothing if there is none. */
    void deleteEventTimeTimer(long timestampMs);

    /** Deletes the current key's processing-time timer at {@code timestampMs}; does nothing if there is none. */
    void deleteProcessingTimeTimer(long timestampMs);
}
