package io.weir.flink;

import io.weir.api.dataflow.Dataflow;
import io.weir.api.dataflow.Transformation;

import java.io.Serializable;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a Flink function holds of the Weir graph it runs: a serializable reference, resolved in the task's JVM.
 * In the JVM that submitted the job (the embedded mini-cluster) it is the submitted {@link Dataflow} itself; in
 * another JVM (a remote cluster) the graph is built again there by the job's factory ({@link FlinkRunner#factory}). Thread-safe.
 */
final class GraphRef implements Serializable
{
    private static final long serialVersionUID = 1L;
    private static final Map<String, Dataflow> GRAPHS = new ConcurrentHashMap<>();
    private static final Set<String> REBUILT = ConcurrentHashMap.newKeySet();

    private final String key;
    private final Callable<Dataflow> factory;

    private GraphRef(final String key, final Callable<Dataflow> factory)
    {
        this.key = key;
        this.factory = factory;
    }

    /** Registers {@code dataflow} in this JVM until {@link #release()}. */
    static GraphRef register(final Dataflow dataflow, final Callable<Dataflow> factory)
    {
        final GraphRef ref = new GraphRef(java.util.UUID.randomUUID().toString(), factory);
        GRAPHS.put(ref.key, Objects.requireNonNull(dataflow));
        return ref;
    }

    void release()
    {
        GRAPHS.remove(key);
    }

    /** True if this JVM built the graph again (a task manager of a remote cluster), rather than submitted it. */
    boolean rebuiltHere()
    {
        return REBUILT.contains(key);
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
                "remote cluster needs a factory (FlinkRunner.factory) to build it on the task managers");
        }
        return GRAPHS.computeIfAbsent(key, k ->
        {
            try
            {
                REBUILT.add(k);
                return factory.call();
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
