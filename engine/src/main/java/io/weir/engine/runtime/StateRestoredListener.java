package io.weir.engine.runtime;

/**
 * An engine operator that derives structures of its own from its keyed state (not written to checkpoints) and must
 * rebuild them once a restore has loaded that state: the stage calls {@link #onStateRestored} after loading its
 * state and timers, before the first element or timer. Shard thread only.
 */
public interface StateRestoredListener
{
    /** @param timers the stage's timers, for timers the rebuilt structures need (the current key is the caller's). */
    void onStateRestored(InternalTimerService timers);
}
