package io.weir.flink;

import io.weir.api.TimerService;

/** Weir's timer service over Flink's: the same calls, one to one (Flink dedups timers per key and time too). */
final class TimerBridge implements TimerService
{
    private org.apache.flink.streaming.api.TimerService flink;

    TimerBridge on(final org.apache.flink.streaming.api.TimerService flink)
    {
        this.flink = flink;
        return this;
    }

    public long currentProcessingTime()
    {
        return flink.currentProcessingTime();
    }

    public long currentWatermark()
    {
        return flink.currentWatermark();
    }

    public void registerEventTimeTimer(final long timestampMs)
    {
        flink.registerEventTimeTimer(timestampMs);
    }

    public void registerProcessingTimeTimer(final long timestampMs)
    {
        flink.registerProcessingTimeTimer(timestampMs);
    }

    public void deleteEventTimeTimer(final long timestampMs)
    {
        flink.deleteEventTimeTimer(timestampMs);
    }

    public void deleteProcessingTimeTimer(final long timestampMs)
    {
        flink.deleteProcessingTimeTimer(timestampMs);
    }

    /**
     * Weir gives the records a timer emits the timer's time as their timestamp, processing-time timers included;
     * Flink erases the timestamp of a processing-time timer's records. This restores Weir's.
     */
    static void stampTimerOutput(final Object collector, final long timestampMs)
    {
        if (collector instanceof org.apache.flink.streaming.api.operators.TimestampedCollector<?> timestamped)
        {
            timestamped.setAbsoluteTimestamp(timestampMs);
        }
    }
}
