package io.weir.flink;

import io.weir.api.dataflow.KeySpec;
import io.weir.api.dataflow.Transformation;
import io.weir.api.dataflow.WindowSpec;
import io.weir.api.window.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;

/** A Weir window function over Flink's: the key, the window and the aggregate's one result. */
final class WindowFunctionAdapter<K, IN, R>
    extends org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction<IN, R, Object, TimeWindow>
{
    private static final long serialVersionUID = 1L;
    private final GraphRef graph;
    private final int nodeId;
    private transient ProcessWindowFunction<K, IN, R> function;
    private transient KeySpec key;
    private transient io.weir.api.window.TimeWindow window;
    private transient CollectorBridge<R> out;

    WindowFunctionAdapter(final GraphRef graph, final int nodeId)
    {
        this.graph = graph;
        this.nodeId = nodeId;
    }

    @SuppressWarnings("unchecked")
    public void process(final Object flinkKey, final Context context, final Iterable<IN> results,
        final Collector<R> collector)
    {
        if (function == null)
        {
            final Transformation node = graph.node(nodeId);
            function = (ProcessWindowFunction<K, IN, R>)((WindowSpec)node.function()).windowFunction();
            key = node.key();
            window = new io.weir.api.window.TimeWindow();
            out = new CollectorBridge<>();
        }
        final K weirKey = Keys.decode(key, flinkKey);
        window.set(context.window().getStart(), context.window().getEnd());
        for (final IN result : results)
        {
            function.process(weirKey, window, result, out.on(collector));
        }
    }
}
