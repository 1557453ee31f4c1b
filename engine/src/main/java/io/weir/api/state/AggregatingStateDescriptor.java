package io.weir.api.state;

import io.weir.api.codec.Codec;
import io.weir.api.functions.AggregateFunction;

import java.util.Objects;

public final class AggregatingStateDescriptor<IN, ACC, OUT> extends StateDescriptor
{
    private final AggregateFunction<IN, ACC, OUT> aggregateFunction;
    private final Codec<ACC> accumulatorCodec;

    public AggregatingStateDescriptor(
        final String name, final AggregateFunction<IN, ACC, OUT> aggregateFunction, final Codec<ACC> accumulatorCodec)
    {
        super(name, Kind.AGGREGATING);
        this.aggregateFunction = Objects.requireNonNull(aggregateFunction, "aggregateFunction");
        this.accumulatorCodec = Objects.requireNonNull(accumulatorCodec, "accumulatorCodec");
    }

    public AggregateFunction<IN, ACC, OUT> aggregateFunction()
    {
        return aggregateFunction;
    }

    public Codec<ACC> accumulatorCodec()
    {
        return accumulatorCodec;
    }

    public String valueCodecId()
    {
        return accumulatorCodec.id();
    }
}
