package io.weir.api.dataflow;

import io.weir.api.KeyedCoProcessFunction;
import io.weir.api.codec.Codec;
import io.weir.api.functions.KeySelector;
import io.weir.api.functions.LongKeySelector;

import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Two streams connected as the inputs of one operator (Flink's {@code ConnectedStreams}); key both alike, then
 * process them with a {@link KeyedCoProcessFunction}, which shares the key's state and timers between them.
 */
public final class ConnectedStreams<T1, T2>
{
    private final Dataflow dataflow;
    private final Transformation first;
    private final Transformation second;

    ConnectedStreams(final Dataflow dataflow, final Transformation first, final Transformation second)
    {
        this.dataflow = dataflow;
        this.first = first;
        this.second = second;
    }

    /** Key both inputs by a primitive long. */
    public Keyed<Long, T1, T2> keyBy(final LongKeySelector<T1> firstKey, final LongKeySelector<T2> secondKey)
    {
        checkCodecs();
        return new Keyed<>(new KeySpec(Objects.requireNonNull(firstKey, "firstKey"), null, null),
            new KeySpec(Objects.requireNonNull(secondKey, "secondKey"), null, null));
    }

    /** Key both inputs by keys of one type, serialized with {@code keyCodec}. */
    public <K> Keyed<K, T1, T2> keyBy(
        final KeySelector<T1, K> firstKey, final KeySelector<T2, K> secondKey, final Codec<K> keyCodec)
    {
        checkCodecs();
        Objects.requireNonNull(keyCodec, "keyCodec");
        return new Keyed<>(new KeySpec(null, Objects.requireNonNull(firstKey, "firstKey"), keyCodec),
            new KeySpec(null, Objects.requireNonNull(secondKey, "secondKey"), keyCodec));
    }

    private void checkCodecs()
    {
        new DataStream<>(dataflow, first).checkCodec();
        new DataStream<>(dataflow, second).checkCodec();
    }

    /** The connected streams, keyed alike: waiting for their co-process function. */
    public final class Keyed<K, A, B>
    {
        private final KeySpec firstKey;
        private final KeySpec secondKey;

        private Keyed(final KeySpec firstKey, final KeySpec secondKey)
        {
            this.firstKey = firstKey;
            this.secondKey = secondKey;
        }

        /** Process both inputs with a function made by {@code functionFactory}, one instance per thread. */
        public <R> DataStream<R> process(
            final Supplier<? extends KeyedCoProcessFunction<K, A, B, R>> functionFactory)
        {
            final Transformation node = dataflow.add(Transformation.Kind.CO_PROCESS, List.of(first, second),
                Objects.requireNonNull(functionFactory, "functionFactory"), firstKey, null, "coProcess");
            node.secondKey(secondKey);
            return new DataStream<>(dataflow, node);
        }
    }
}
