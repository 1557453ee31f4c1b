package io.weir.api.state;

import io.weir.api.codec.Codec;

import java.util.Objects;

/** Describes a {@link ListState}: a name and the elements' codec. */
public final class ListStateDescriptor<T> extends StateDescriptor
{
    private final Codec<T> elementCodec;

    /** A descriptor of list state {@code name}, elements stored through {@code elementCodec}. */
    public ListStateDescriptor(final String name, final Codec<T> elementCodec)
    {
        super(name, Kind.LIST);
        this.elementCodec = Objects.requireNonNull(elementCodec, "elementCodec");
    }

    /** The codec each element is stored through. */
    public Codec<T> elementCodec()
    {
        return elementCodec;
    }

    public String valueCodecId()
    {
        return elementCodec.id();
    }
}
