package io.weir.engine.runtime;

import io.weir.api.TimerService;

/**
 * The engine's own view of timers, with a namespace (e.g. a window) per timer, as used by window operators.
 * {@code ctx.timerService()} of every context handed to a function implements it. Shard thread only.
 */
public interface InternalTimerService extends TimerService
{
    void registerEventTimeTimer(long namespace, long timestampMs);

    void deleteEventTimeTimer(long namespace, long timestampMs);

    /** Namespace of the timer being fired (0 for timers registered through {@link TimerService}). */
    long currentTimerNamespace();
}
