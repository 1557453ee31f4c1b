package io.weir.api.state;

import io.weir.api.codec.Codec;
import io.weir.api.functions.ReduceFunction;

import java.util.Objects;

/** Describes a {@link ReducingState}: a name, the reduce function and the value codec. */
public final class ReducingStateDescriptor<T> extends StateDescriptor
{
    private final ReduceFunction<T> reduceFunction;
    private final Codec<T> codec;

    /**
     * A descriptor of state {@code name} combining values with {@code reduceFunction}, stored through {@code codec}.
     */
    public ReducingStateDescriptor(final String name, final ReduceFunction<T> reduceFunction, final Codec<T> codec)
    {
        super(name, Kind.REDUCING);
        this.reduceFunction = Objects.requireNonNull(reduceFunction, "reduceFunction");
        this.codec = Objects.requireNonNull(codec, "codec");
    }

    /** The function that combines values. */
    public ReduceFunction<T> reduceFunction()
    {
        return reduceFunction;
    }

    /** The codec the reduced value is stored through. */
    public Codec<T> codec()
    {
        return codec;
    }

    public String valueCodecId()
    {
        return codec.id();
    }
}
