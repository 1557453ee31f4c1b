package io.weir.api.dataflow;

import io.weir.api.KeyedBroadcastProcessFunction;

import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * A keyed stream connected with a broadcast stream (Flink's {@code BroadcastConnectedStream}): process them with a
 * {@link KeyedBroadcastProcessFunction}.
 */
public final class BroadcastConnectedStream<T, B>
{
    private final Dataflow dataflow;
    private final Transformation keyed;
    private final KeySpec key;
    private final Transformation broadcast;

    BroadcastConnectedStream(
        final Dataflow dataflow, final Transformation keyed, final KeySpec key, final Transformation broadcast)
    {
        this.dataflow = dataflow;
        this.keyed = keyed;
        this.key = key;
        this.broadcast = broadcast;
    }

    /**
     * Process both inputs with a function made by {@code functionFactory}, one instance per thread; the function
     * object is {@link Transformation#function()} of the node, the broadcast states are its broadcast input's.
     */
    public <K, R> DataStream<R> process(
        final Supplier<? extends KeyedBroadcastProcessFunction<K, T, B, R>> functionFactory)
    {
        final Transformation node = dataflow.add(Transformation.Kind.BROADCAST_PROCESS, List.of(keyed, broadcast),
            Objects.requireNonNull(functionFactory, "functionFactory"), key, null, "broadcastProcess");
        return new DataStream<>(dataflow, node);
    }
}
