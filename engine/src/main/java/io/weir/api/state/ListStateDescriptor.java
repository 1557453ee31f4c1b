package io.weir.api.state;

import io.weir.api.codec.Codec;

import java.util.Objects;

public final class ListStateDescriptor<T> extends StateDescriptor
{
    private final Codec<T> elementCodec;

    public ListStateDescriptor(final String name, final Codec<T> elementCodec)
    {
        super(name, Kind.LIST);
        this.elementCodec = Objects.requireNonNull(elementCodec, "elementCodec");
    }

    public Codec<T> elementCodec()
    {
        return elementCodec;
    }

    public String valueCodecId()
    {
        return elementCodec.id();
    }
}
