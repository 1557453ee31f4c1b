package io.weir.api.state;

/**
 * Time to live of state values, as Flink's {@code StateTtlConfig}. TTL runs on processing time from the job's
 * clock (injectable, so tests are deterministic), read once per work cycle of the shard: the time the cycle started,
 * which {@code TimerService.currentProcessingTime()} returns too. A value written in a cycle is stamped with that
 * time, and is seen expired from the first cycle that starts at its expiry or later. The cleanup of a full snapshot
 * ({@link Builder#cleanupFullSnapshot()}) reads the clock when the snapshot is written, and may leave out a value
 * that the shard's current cycle still sees. Immutable; build with {@link #newBuilder(long)}.
 */
public final class StateTtlConfig
{
    /** When the last-access timestamp of a value is refreshed. */
    public enum UpdateType
    {
        /** TTL is off. */
        DISABLED,
        /** Refreshed when the value is created or written. */
        ON_CREATE_AND_WRITE,
        /** Refreshed on reads too. */
        ON_READ_AND_WRITE
    }

    /** Whether an expired value that has not yet been removed may still be returned. */
    public enum StateVisibility
    {
        /** An expired value is never returned. */
        NEVER_RETURN_EXPIRED,
        /** An expired value is returned until it is removed. */
        RETURN_EXPIRED_IF_NOT_CLEANED_UP
    }

    /** No time-to-live: values never expire. */
    public static final StateTtlConfig DISABLED =
        new StateTtlConfig(0, UpdateType.DISABLED, StateVisibility.NEVER_RETURN_EXPIRED, true, 0, false, false);

    private final long ttlMs;
    private final UpdateType updateType;
    private final StateVisibility visibility;
    private final boolean cleanupOnAccess;
    private final int incrementalCleanupSize;
    private final boolean incrementalCleanupPerRecord;
    private final boolean cleanupInSnapshot;

    private StateTtlConfig(
        final long ttlMs,
        final UpdateType updateType,
        final StateVisibility visibility,
        final boolean cleanupOnAccess,
        final int incrementalCleanupSize,
        final boolean incrementalCleanupPerRecord,
        final boolean cleanupInSnapshot)
    {
        this.ttlMs = ttlMs;
        this.updateType = updateType;
        this.visibility = visibility;
        this.cleanupOnAccess = cleanupOnAccess;
        this.incrementalCleanupSize = incrementalCleanupSize;
        this.incrementalCleanupPerRecord = incrementalCleanupPerRecord;
        this.cleanupInSnapshot = cleanupInSnapshot;
    }

    /** A builder of a configuration whose values expire {@code ttlMs} ms after their last refresh. */
    public static Builder newBuilder(final long ttlMs)
    {
        return new Builder(ttlMs);
    }

    /** True if values expire. */
    public boolean isEnabled()
    {
        return updateType != UpdateType.DISABLED;
    }

    /** How long a value lives after its last refresh, in ms. */
    public long ttlMs()
    {
        return ttlMs;
    }

    /** Which accesses refresh a value. */
    public UpdateType updateType()
    {
        return updateType;
    }

    /** Whether an expired value not yet removed may be returned. */
    public StateVisibility visibility()
    {
        return visibility;
    }

    /** Expired values found by a read are removed at once. */
    public boolean cleanupOnAccess()
    {
        return cleanupOnAccess;
    }

    /** Entries examined per incremental cleanup step (0 = no incremental cleanup). */
    public int incrementalCleanupSize()
    {
        return incrementalCleanupSize;
    }

    /**
     * True: a cleanup step runs on every state access; false: once per shard duty cycle that did work (read
     * events, fired timers or moved output; an idle shard walks nothing).
     */
    public boolean incrementalCleanupPerRecord()
    {
        return incrementalCleanupPerRecord;
    }

    /** Expired values are left out of full snapshots. */
    public boolean cleanupInSnapshot()
    {
        return cleanupInSnapshot;
    }

    public String toString()
    {
        return "StateTtlConfig{ttlMs=" + ttlMs + ", updateType=" + updateType + ", visibility=" + visibility +
            ", cleanupOnAccess=" + cleanupOnAccess + ", incrementalCleanupSize=" + incrementalCleanupSize +
            ", cleanupInSnapshot=" + cleanupInSnapshot + '}';
    }

    /** Single-use builder. Defaults follow Flink: on create and write, never return expired, cleanup on access. */
    public static final class Builder
    {
        private final long ttlMs;
        private UpdateType updateType = UpdateType.ON_CREATE_AND_WRITE;
        private StateVisibility visibility = StateVisibility.NEVER_RETURN_EXPIRED;
        private boolean cleanupOnAccess = true;
        private int incrementalCleanupSize;
        private boolean incrementalCleanupPerRecord;
        private boolean cleanupInSnapshot;

        private Builder(final long ttlMs)
        {
            if (ttlMs <= 0)
            {
                throw new IllegalArgumentException("state TTL must be positive, got " + ttlMs + " ms");
            }
            this.ttlMs = ttlMs;
        }

        /** Which accesses refresh a value (default: creation and writes). */
        public Builder updateType(final UpdateType updateType)
        {
            if (updateType == UpdateType.DISABLED)
            {
                throw new IllegalArgumentException("use StateTtlConfig.DISABLED to turn TTL off");
            }
            this.updateType = updateType;
            return this;
        }

        /** Whether an expired value not yet removed may be returned (default: never). */
        public Builder stateVisibility(final StateVisibility visibility)
        {
            this.visibility = visibility;
            return this;
        }

        /** Does not remove an expired value when it is read. */
        public Builder disableCleanupOnAccess()
        {
            this.cleanupOnAccess = false;
            return this;
        }

        /**
         * @param cleanupSize          entries examined per step.
         * @param runCleanupPerRecord  true to step on every state access, false to step once per duty cycle that
         *                             did work (read events, fired timers or moved output).
         */
        public Builder cleanupIncrementally(final int cleanupSize, final boolean runCleanupPerRecord)
        {
            if (cleanupSize <= 0)
            {
                throw new IllegalArgumentException("incremental cleanup size must be positive: " + cleanupSize);
            }
            this.incrementalCleanupSize = cleanupSize;
            this.incrementalCleanupPerRecord = runCleanupPerRecord;
            return this;
        }

        /** Also leaves expired values out of full snapshots. */
        public Builder cleanupFullSnapshot()
        {
            this.cleanupInSnapshot = true;
            return this;
        }

        /** The configuration built. */
        public StateTtlConfig build()
        {
            return new StateTtlConfig(
                ttlMs, updateType, visibility, cleanupOnAccess, incrementalCleanupSize,
                incrementalCleanupPerRecord, cleanupInSnapshot);
        }
    }
}
