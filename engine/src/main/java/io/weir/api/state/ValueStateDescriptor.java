package io.weir.api.state;

import io.weir.api.codec.Codec;

import java.util.Objects;

public final class ValueStateDescriptor<T> extends StateDescriptor
{
    private final Codec<T> codec;

    public ValueStateDescriptor(final String name, final Codec<T> codec)
    {
        super(name, Kind.VALUE);
        this.codec = Objects.requireNonNull(codec, "codec");
    }

    public Codec<T> codec()
    {
        return codec;
    }

    public String valueCodecId()
    {
        return codec.id();
    }
}
