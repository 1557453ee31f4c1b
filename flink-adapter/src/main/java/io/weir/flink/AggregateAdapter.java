package io.weir.flink;

import org.apache.flink.api.common.functions.AggregateFunction;

/** A Weir aggregate function as Flink's; same contract, one call each. */
final class AggregateAdapter<IN, ACC, OUT> implements AggregateFunction<IN, ACC, OUT>
{
    private static final long serialVersionUID = 1L;
    private final transient io.weir.api.functions.AggregateFunction<IN, ACC, OUT> function;
    private final GraphRef graph;
    private final int nodeId;
    private transient io.weir.api.functions.AggregateFunction<IN, ACC, OUT> resolved;

    /** Used inside a task (state descriptors): never serialized. */
    AggregateAdapter(final io.weir.api.functions.AggregateFunction<IN, ACC, OUT> function)
    {
        this.function = function;
        this.graph = null;
        this.nodeId = -1;
    }

    /** The aggregate of window node {@code nodeId}, found in the task's JVM. */
    AggregateAdapter(final GraphRef graph, final int nodeId)
    {
        this.function = null;
        this.graph = graph;
        this.nodeId = nodeId;
    }

    @SuppressWarnings("unchecked")
    private io.weir.api.functions.AggregateFunction<IN, ACC, OUT> function()
    {
        if (resolved == null)
        {
            resolved = function != null ? function : (io.weir.api.functions.AggregateFunction<IN, ACC, OUT>)
                ((io.weir.api.dataflow.WindowSpec)graph.node(nodeId).function()).aggregateFunction();
        }
        return resolved;
    }

    public ACC createAccumulator()
    {
        return function().createAccumulator();
    }

    public ACC add(final IN value, final ACC accumulator)
    {
        return function().add(value, accumulator);
    }

    public OUT getResult(final ACC accumulator)
    {
        return function().result(accumulator);
    }

    public ACC merge(final ACC a, final ACC b)
    {
        return function().merge(a, b);
    }
}
