package io.weir.api.state;

import io.weir.api.codec.Codec;

import java.util.Objects;

/** Describes a {@link ValueState}: a name and the value's codec. */
public final class ValueStateDescriptor<T> extends StateDescriptor
{
    private final Codec<T> codec;

    /** A descriptor of value state {@code name}, values stored through {@code codec}. */
    public ValueStateDescriptor(final String name, final Codec<T> codec)
    {
        super(name, Kind.VALUE);
        this.codec = Objects.requireNonNull(codec, "codec");
    }

    /** The codec the value is stored through. */
    public Codec<T> codec()
    {
        return codec;
    }

    public String valueCodecId()
    {
        return codec.id();
    }
}
