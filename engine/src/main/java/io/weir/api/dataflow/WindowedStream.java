package io.weir.api.dataflow;

import io.weir.api.codec.Codec;
import io.weir.api.functions.AggregateFunction;
import io.weir.api.functions.OutputTag;
import io.weir.api.functions.ReduceFunction;
import io.weir.api.window.ProcessWindowFunction;

import java.util.List;
import java.util.Objects;

/** A keyed stream cut into event-time windows (Flink's {@code WindowedStream}), aggregated incrementally. */
public final class WindowedStream<K, T>
{
    private final Dataflow dataflow;
    private final Transformation input;
    private final KeySpec key;
    private final Object assigner;
    private OutputTag<T> lateDataTag;

    WindowedStream(final Dataflow dataflow, final Transformation input, final KeySpec key, final Object assigner)
    {
        this.dataflow = dataflow;
        this.input = input;
        this.key = key;
        this.assigner = assigner;
    }

    /** Send elements whose windows have all fired to {@code tag} ({@link DataStream#getSideOutput}). */
    public WindowedStream<K, T> sideOutputLateData(final OutputTag<T> tag)
    {
        this.lateDataTag = Objects.requireNonNull(tag, "tag");
        return this;
    }

    /** Aggregate each window incrementally, then make its result with {@code windowFunction}. */
    public <ACC, OUT, R> DataStream<R> aggregate(
        final AggregateFunction<T, ACC, OUT> aggregateFunction,
        final Codec<ACC> accumulatorCodec,
        final ProcessWindowFunction<K, OUT, R> windowFunction)
    {
        final WindowSpec spec = new WindowSpec(assigner, Objects.requireNonNull(aggregateFunction, "aggregateFunction"),
            Objects.requireNonNull(accumulatorCodec, "accumulatorCodec"),
            Objects.requireNonNull(windowFunction, "windowFunction"), lateDataTag);
        return new DataStream<>(dataflow,
            dataflow.add(Transformation.Kind.WINDOW, List.of(input), spec, key, null, "window"));
    }

    /** Aggregate each window incrementally; its result is the aggregate's. */
    public <ACC, OUT> DataStream<OUT> aggregate(
        final AggregateFunction<T, ACC, OUT> aggregateFunction, final Codec<ACC> accumulatorCodec)
    {
        return aggregate(aggregateFunction, accumulatorCodec, (k, window, result, out) -> out.collect(result));
    }

    /** Reduce each window's elements with {@code function}; the accumulator is kept with the stream's codec. */
    @SuppressWarnings("unchecked")
    public DataStream<T> reduce(final ReduceFunction<T> function)
    {
        Objects.requireNonNull(function, "function");
        final Codec<T> codec = (Codec<T>)input.codec();
        final DataStream<T> reduced = aggregate(new AggregateFunction<T, T, T>()
        {
            public T createAccumulator()
            {
                return null;
            }

            public T add(final T value, final T accumulator)
            {
                return null == accumulator ? value : function.reduce(accumulator, value);
            }

            public T result(final T accumulator)
            {
                return accumulator;
            }

            public T merge(final T a, final T b)
            {
                return null == a ? b : null == b ? a : function.reduce(a, b);
            }
        }, codec);
        reduced.returns(codec);
        return reduced;
    }
}
