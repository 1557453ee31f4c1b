package io.weir.flink;

import io.weir.api.dataflow.Dataflow;
import io.weir.api.dataflow.Transformation;

import java.io.Serializable;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a Flink function holds of the Weir graph it runs: a serializable reference, resolved in the task's JVM.
 * In the JVM that submitted the job (the embedded mini-cluster) it is the submitted {@link Dataflow} itself; in
 * another JVM (a remote cluster) the graph is built again there by the job's {@link DataflowFactory}. Thread-safe.
 */
final class GraphRef implements Serializable
{
    private static final long serialVersionUID = 1L;
    private static final Map<String, Dataflow> GRAPHS = new ConcurrentHashMap<>();

    private final String key;
    private final DataflowFactory factory;

    private GraphRef(final String key, final DataflowFactory factory)
    {
        this.key = key;
        this.factory = factory;
    }

    /** Registers {@code dataflow} in this JVM until {@link #release()}. */
    static GraphRef register(final Dataflow dataflow, final DataflowFactory factory)
    {
        final GraphRef ref = new GraphRef(java.util.UUID.randomUUID().toString(), factory);
        GRAPHS.put(ref.key, Objects.requireNonNull(dataflow));
        return ref;
    }

    void release()
    {
        GRAPHS.remove(key);
    }

    Dataflow dataflow()
    {
        final Dataflow local = GRAPHS.get(key);
        if (local != null)
        {
            return local;
        }
        if (factory == null)
        {
            throw new IllegalStateException("the Weir dataflow of this Flink job is not in this JVM: a job run on a " +
                "remote cluster needs a DataflowFactory (FlinkRunner.factory) to build it on the task managers");
        }
        return GRAPHS.computeIfAbsent(key, k ->
        {
            try
            {
                return factory.create();
            }
            catch (final Exception ex)
            {
                throw new IllegalStateException("cannot build the Weir dataflow on this task manager: " + ex, ex);
            }
        });
    }

    Transformation node(final int id)
    {
        return dataflow().transformations().get(id);
    }
}
