package io.weir.api.state;

import io.weir.api.codec.Codec;
import io.weir.api.functions.AggregateFunction;

import java.util.Objects;

/** Describes an {@link AggregatingState}: a name, the aggregate function and the accumulator's codec. */
public final class AggregatingStateDescriptor<IN, ACC, OUT> extends StateDescriptor
{
    private final AggregateFunction<IN, ACC, OUT> aggregateFunction;
    private final Codec<ACC> accumulatorCodec;

    /**
     * A descriptor of state {@code name} aggregating with {@code aggregateFunction}, accumulators stored through {@code
     * accumulatorCodec}.
     */
    public AggregatingStateDescriptor(
        final String name, final AggregateFunction<IN, ACC, OUT> aggregateFunction, final Codec<ACC> accumulatorCodec)
    {
        super(name, Kind.AGGREGATING);
        this.aggregateFunction = Objects.requireNonNull(aggregateFunction, "aggregateFunction");
        this.accumulatorCodec = Objects.requireNonNull(accumulatorCodec, "accumulatorCodec");
    }

    /** The function that folds values into the accumulator. */
    public AggregateFunction<IN, ACC, OUT> aggregateFunction()
    {
        return aggregateFunction;
    }

    /** The codec the accumulator is stored through. */
    public Codec<ACC> accumulatorCodec()
    {
        return accumulatorCodec;
    }

    public String valueCodecId()
    {
        return accumulatorCodec.id();
    }
}
