package io.weir.engine.runtime;

import io.weir.api.TimerService;

/**
 * The engine's own view of timers, with a namespace (e.g. a window) per timer, as used by window operators.
 * {@code ctx.timerService()} of every context handed to a function implements it. Shard thread only.
 */
public interface InternalTimerService extends TimerService
{
    void registerEventTimeTimer(long namespace, long timestampMs);

    /**
     * Register an event-time timer that the current key does not have yet at this namespace and timestamp, and that
     * is never deleted: it only fires. Cheaper than {@link #registerEventTimeTimer(long, long)}, as nothing is
     * looked up; a duplicate registered this way would fire twice, and a delete would not find it, so the two must
     * not be mixed for one namespace and timestamp. A restore registers such timers again as ordinary ones.
     */
    void registerNewEventTimeTimer(long namespace, long timestampMs);

    void deleteEventTimeTimer(long namespace, long timestampMs);

    /** Namespace of the timer being fired (0 for timers registered through {@link TimerService}). */
    long currentTimerNamespace();
}
