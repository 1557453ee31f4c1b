package io.weir.flink;

import io.weir.api.functions.FilterFunction;
import io.weir.api.functions.FlatMapFunction;
import io.weir.api.functions.MapFunction;
import org.apache.flink.util.Collector;

/** Weir's map, filter and flatMap as Flink's; the Weir function is the node's, found in the task's JVM. */
final class StatelessAdapters
{
    private StatelessAdapters()
    {
    }

    static final class Map<T, R> implements org.apache.flink.api.common.functions.MapFunction<T, R>
    {
        private static final long serialVersionUID = 1L;
        private final GraphRef graph;
        private final int nodeId;
        private transient MapFunction<T, R> function;

        Map(final GraphRef graph, final int nodeId)
        {
            this.graph = graph;
            this.nodeId = nodeId;
        }

        @SuppressWarnings("unchecked")
        public R map(final T value) throws Exception
        {
            if (function == null)
            {
                function = (MapFunction<T, R>)graph.node(nodeId).function();
            }
            return function.map(value);
        }
    }

    static final class Filter<T> implements org.apache.flink.api.common.functions.FilterFunction<T>
    {
        private static final long serialVersionUID = 1L;
        private final GraphRef graph;
        private final int nodeId;
        private transient FilterFunction<T> function;

        Filter(final GraphRef graph, final int nodeId)
        {
            this.graph = graph;
            this.nodeId = nodeId;
        }

        @SuppressWarnings("unchecked")
        public boolean filter(final T value) throws Exception
        {
            if (function == null)
            {
                function = (FilterFunction<T>)graph.node(nodeId).function();
            }
            return function.filter(value);
        }
    }

    static final class FlatMap<T, R> implements org.apache.flink.api.common.functions.FlatMapFunction<T, R>
    {
        private static final long serialVersionUID = 1L;
        private final GraphRef graph;
        private final int nodeId;
        private transient FlatMapFunction<T, R> function;
        private transient CollectorBridge<R> out;

        FlatMap(final GraphRef graph, final int nodeId)
        {
            this.graph = graph;
            this.nodeId = nodeId;
        }

        @SuppressWarnings("unchecked")
        public void flatMap(final T value, final Collector<R> collector) throws Exception
        {
            if (function == null)
            {
                function = (FlatMapFunction<T, R>)graph.node(nodeId).function();
                out = new CollectorBridge<>();
            }
            function.flatMap(value, out.on(collector));
        }
    }
}
