package io.weir.api;

/** Which clock fired a timer. */
public enum TimeDomain
{
    /** Timers that fire as the watermark passes them. */
    EVENT_TIME,
    /** Timers that fire by the wall clock. */
    PROCESSING_TIME
}
