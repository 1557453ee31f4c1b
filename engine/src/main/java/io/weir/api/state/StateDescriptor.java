package io.weir.api.state;

import java.util.Objects;

/**
 * Names a piece of keyed state and how to store it. Created once, when the job is built; the shard turns it
 * into a state view in {@code open}.
 */
public abstract class StateDescriptor
{
    /** The state primitive a descriptor creates; recorded in checkpoints. */
    public enum Kind
    {
        /** A {@link ValueState} or {@link LongValueState}. */
        VALUE,
        /** A {@link ListState} or {@link LongListState}. */
        LIST,
        /** A {@link MapState}. */
        MAP,
        /** A {@link ReducingState}. */
        REDUCING,
        /** An {@link AggregatingState}. */
        AGGREGATING
    }

    private final String name;
    private final Kind kind;
    private StateTtlConfig ttlConfig = StateTtlConfig.DISABLED;

    /** A descriptor of state {@code name}, unique within a function, of the given kind. */
    protected StateDescriptor(final String name, final Kind kind)
    {
        if (name == null || name.isEmpty())
        {
            throw new IllegalArgumentException("state name must not be empty");
        }
        this.name = name;
        this.kind = Objects.requireNonNull(kind);
    }

    /** The state's name, unique within a function. */
    public final String name()
    {
        return name;
    }

    /** What kind of state this describes. */
    public final Kind kind()
    {
        return kind;
    }

    /** Give every value (list element, map entry) of this state a time to live. */
    public final void enableTimeToLive(final StateTtlConfig ttlConfig)
    {
        this.ttlConfig = Objects.requireNonNull(ttlConfig);
    }

    /** The time-to-live of this state; {@link StateTtlConfig#DISABLED} unless enabled. */
    public final StateTtlConfig ttlConfig()
    {
        return ttlConfig;
    }

    /** Codec id of the stored value, recorded in manifests. */
    public abstract String valueCodecId();

    /** Codec id of a map's user key, or the empty string. */
    public String userKeyCodecId()
    {
        return "";
    }
}
