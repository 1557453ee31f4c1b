package io.weir.engine.state;

import io.weir.api.state.StateTtlConfig;

/** The TTL settings a view consults per access, unpacked from {@link StateTtlConfig}. Immutable. */
final class TtlPolicy
{
    final long ttlMs;
    final boolean refreshOnRead;
    final boolean returnExpired;
    final boolean cleanupOnAccess;

    TtlPolicy(final StateTtlConfig config)
    {
        this.ttlMs = config.ttlMs();
        this.refreshOnRead = config.updateType() == StateTtlConfig.UpdateType.ON_READ_AND_WRITE;
        this.returnExpired = config.visibility() == StateTtlConfig.StateVisibility.RETURN_EXPIRED_IF_NOT_CLEANED_UP;
        this.cleanupOnAccess = config.cleanupOnAccess();
    }

    /** Flink's rule: expired when {@code lastAccess + ttl <= now}. */
    static boolean isExpired(final long lastAccessMs, final long ttlMs, final long nowMs)
    {
        return nowMs - lastAccessMs >= ttlMs;
    }

    boolean isExpired(final long lastAccessMs, final long nowMs)
    {
        return isExpired(lastAccessMs, ttlMs, nowMs);
    }

    static TtlPolicy of(final StateTtlConfig config)
    {
        return config.isEnabled() ? new TtlPolicy(config) : null;
    }
}
