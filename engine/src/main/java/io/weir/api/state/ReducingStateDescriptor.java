package io.weir.api.state;

import io.weir.api.codec.Codec;
import io.weir.api.functions.ReduceFunction;

import java.util.Objects;

public final class ReducingStateDescriptor<T> extends StateDescriptor
{
    private final ReduceFunction<T> reduceFunction;
    private final Codec<T> codec;

    public ReducingStateDescriptor(final String name, final ReduceFunction<T> reduceFunction, final Codec<T> codec)
    {
        super(name, Kind.REDUCING);
        this.reduceFunction = Objects.requireNonNull(reduceFunction, "reduceFunction");
        this.codec = Objects.requireNonNull(codec, "codec");
    }

    public ReduceFunction<T> reduceFunction()
    {
        return reduceFunction;
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
