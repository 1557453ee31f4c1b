package io.weir.api.state;

/** Describes a {@link LongValueState}: a primitive long per key, stored as 8 big-endian bytes. */
public final class LongValueStateDescriptor extends StateDescriptor
{
    /** A descriptor of primitive long state {@code name}. */
    public LongValueStateDescriptor(final String name)
    {
        super(name, Kind.VALUE);
    }

    public String valueCodecId()
    {
        return "long";
    }
}
