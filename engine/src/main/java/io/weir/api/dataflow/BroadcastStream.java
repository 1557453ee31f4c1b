package io.weir.api.dataflow;

import io.weir.api.state.MapStateDescriptor;

import java.util.List;

/**
 * A stream whose every element goes to every instance of the operator that reads it (Flink's
 * {@code BroadcastStream}), with the broadcast states that operator keeps: {@link DataStream#broadcast}, then
 * {@link KeyedStream#connect(BroadcastStream)}. Elements of one producer (or one upstream instance) reach every
 * instance in the same order; a rules stream fed by one producer is seen in one order everywhere.
 */
public final class BroadcastStream<T>
{
    final Dataflow dataflow;
    final Transformation node;

    BroadcastStream(final Dataflow dataflow, final Transformation node)
    {
        this.dataflow = dataflow;
        this.node = node;
    }

    /** The broadcast states declared for this stream. */
    @SuppressWarnings("unchecked")
    public List<MapStateDescriptor<?, ?>> descriptors()
    {
        return (List<MapStateDescriptor<?, ?>>)node.function();
    }
}
