package io.weir.flink;

import io.weir.api.connector.SinkFactory;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

/**
 * A Weir sink as a Flink {@link Sink}: subtask {@code i} of {@code n} writes through the Weir writer
 * {@code createWriter(i, n)}, which is told the end of its input when Flink flushes at the end; the
 * {@link SinkFactory} is told the job's outcome by whoever ran it ({@link FlinkJob}), as Weir does; on a remote
 * cluster, by the task manager when its writers have all ended.
 */
final class SinkAdapter<T> implements Sink<T>
{
    private static final long serialVersionUID = 1L;
    private static final java.util.Map<SinkFactory<?>, Integer> ENDED =
        java.util.Collections.synchronizedMap(new java.util.IdentityHashMap<>());
    private final GraphRef graph;
    private final int nodeId;

    SinkAdapter(final GraphRef graph, final int nodeId)
    {
        this.graph = graph;
        this.nodeId = nodeId;
    }

    /**
     * On a remote cluster's task manager, the last of the sink's writers to end publishes the output: the sink's
     * subtasks must share one task manager (one with as many slots as the job's parallelism).
     */
    private static void writersEnded(final SinkFactory<?> factory, final int writers)
    {
        final int ended = ENDED.merge(factory, 1, Integer::sum);
        if (ended == writers)
        {
            ENDED.remove(factory);
            factory.onJobSucceeded();
        }
    }

    @SuppressWarnings("unchecked")
    public SinkWriter<T> createWriter(final WriterInitContext context)
    {
        final SinkFactory<T> factory = (SinkFactory<T>)graph.node(nodeId).function();
        final io.weir.api.connector.SinkWriter<T> writer = factory.createWriter(
            context.getTaskInfo().getIndexOfThisSubtask(), context.getTaskInfo().getNumberOfParallelSubtasks());
        return new SinkWriter<>()
        {
            private boolean ended;

            public void write(final T element, final Context ctx)
            {
                writer.collect(element);
            }

            public void flush(final boolean endOfInput)
            {
                if (endOfInput && !ended)
                {
                    ended = true;
                    writer.onEndOfInput();
                }
            }

            public void close()
            {
                writer.close();
                if (ended && graph.rebuiltHere())
                {
                    writersEnded(factory, context.getTaskInfo().getNumberOfParallelSubtasks());
                }
            }
        };
    }
}
