package io.weir.api.state;

import io.weir.api.codec.LongCodec;

/** Describes a {@link LongListState}: a list of primitive longs per key, each stored as 8 big-endian bytes. */
public final class LongListStateDescriptor extends StateDescriptor
{
    /** A descriptor of primitive long list state {@code name}. */
    public LongListStateDescriptor(final String name)
    {
        super(name, Kind.LIST);
    }

    public String valueCodecId()
    {
        return LongCodec.INSTANCE.id();
    }

    /** The same state as a {@code ListState<Long>} (name and TTL), for a runtime without primitive lists. */
    public ListStateDescriptor<Long> asListStateDescriptor()
    {
        final ListStateDescriptor<Long> descriptor = new ListStateDescriptor<>(name(), LongCodec.INSTANCE);
        if (ttlConfig().isEnabled())
        {
            descriptor.enableTimeToLive(ttlConfig());
        }
        return descriptor;
    }
}
