package io.weir.flink;

import io.weir.api.dataflow.Dataflow;
import io.weir.api.dataflow.SourceSpec;
import io.weir.api.dataflow.Transformation;
import io.weir.api.dataflow.WindowSpec;
import io.weir.api.functions.OutputTag;
import io.weir.api.window.EventTimeSessionWindows;
import io.weir.api.window.SlidingEventTimeWindows;
import io.weir.api.window.TumblingEventTimeWindows;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.BroadcastStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.datastream.WindowedStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Walks a Weir {@link Dataflow} in node order (a topological order) and adds the same program to a Flink
 * environment: a source per Weir source (one subtask per reader), map/filter/flatMap/sinks at their input's
 * parallelism (so they chain, as in Weir, and keep the input's order), keyed operators at the environment's
 * parallelism. Weir functions run wrapped, found by node id in the task's JVM ({@link GraphRef}).
 * A new kind of node is one more case of {@link #translate(Transformation)}. On the building thread.
 */
final class FlinkTranslator
{
    private final StreamExecutionEnvironment env;
    private final GraphRef graph;
    private final Tags tags;
    private final Map<Integer, DataStream<?>> streams = new HashMap<>();
    private final Map<Integer, BroadcastStream<?>> broadcasts = new HashMap<>();

    FlinkTranslator(final StreamExecutionEnvironment env, final GraphRef graph, final Dataflow dataflow)
    {
        this.env = env;
        this.graph = graph;
        this.tags = new Tags(dataflow);
    }

    void translate(final Dataflow dataflow)
    {
        for (final Transformation node : dataflow.transformations())
        {
            streams.put(node.id(), translate(node));
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private DataStream<?> translate(final Transformation node)
    {
        final int id = node.id();
        final DataStream<Object> input = node.inputs().isEmpty() ? null : input(node, 0);
        final TypeInformation<Object> type = Tags.Types.of(node.codec());
        switch (node.kind())
        {
            case SOURCE:
            {
                final SourceSpec<?> spec = node.source();
                if (spec.readers().isEmpty())
                {
                    throw new UnsupportedOperationException(node + ": a source fed by application producers " +
                        "cannot run on Flink; give it SourceReaders");
                }
                final SingleOutputStreamOperator<Object> source = env.fromSource(
                    new ReaderSource<>(graph, id, spec.readers().size()),
                    PerElementWatermarks.of(graph, id, spec.watermarkStrategy()), node.name(), type)
                    .setParallelism(spec.readers().size());
                return named(source, node);
            }
            case MAP:
                return named(input.map(new StatelessAdapters.Map<>(graph, id), type)
                    .setParallelism(input.getParallelism()), node);
            case FILTER:
                return named(input.filter(new StatelessAdapters.Filter<>(graph, id))
                    .setParallelism(input.getParallelism()), node);
            case FLAT_MAP:
                return named(input.flatMap(new StatelessAdapters.FlatMap<>(graph, id), type)
                    .setParallelism(input.getParallelism()), node);
            case UNION:
            {
                final DataStream<Object>[] others = new DataStream[node.inputs().size() - 1];
                for (int i = 1; i < node.inputs().size(); i++)
                {
                    others[i - 1] = input(node, i);
                }
                return input.union(others);
            }
            case KEYED_PROCESS:
                return named(keyed(input, node, false).process(new KeyedProcessAdapter<>(graph, id), type), node);
            case WINDOW:
                return named(window(keyed(input, node, false), node, type), node);
            case CO_PROCESS:
                return named(input.connect(input(node, 1))
                    .keyBy(new Keys<>(graph, id, false), new Keys<>(graph, id, true), Keys.type(node.key()))
                    .process(new CoProcessAdapter<>(graph, id), type), node);
            case BROADCAST:
                broadcasts.put(id, input.broadcast(BroadcastProcessAdapter.flinkDescriptors(node)));
                return null;
            case BROADCAST_PROCESS:
            {
                final BroadcastStream<Object> broadcast = (BroadcastStream<Object>)broadcasts.get(
                    node.inputs().get(1).id());
                if (broadcast == null)
                {
                    throw new IllegalStateException(node + ": its input " + node.inputs().get(1) + " is not a " +
                        "broadcast stream");
                }
                return named(keyed(input, node, false).connect(broadcast)
                    .process(new BroadcastProcessAdapter<>(graph, id), type), node);
            }
            case SIDE_OUTPUT:
                return ((SingleOutputStreamOperator<Object>)input).getSideOutput(
                    tags.flink((OutputTag<Object>)node.sideOutputTag()));
            case SINK:
            {
                final var sink = input.sinkTo(new SinkAdapter<>(graph, id)).name(node.name())
                    .setParallelism(input.getParallelism());
                if (node.uid() != null)
                {
                    sink.uid(node.uid());
                }
                return null;
            }
            default:
                throw new UnsupportedOperationException(node + ": no Flink translation for " + node.kind());
        }
    }

    @SuppressWarnings("unchecked")
    private DataStream<Object> input(final Transformation node, final int index)
    {
        final DataStream<Object> stream = (DataStream<Object>)streams.get(node.inputs().get(index).id());
        if (stream == null)
        {
            throw new IllegalStateException(node + ": its input " + node.inputs().get(index) + " has no stream");
        }
        return stream;
    }

    private KeyedStream<Object, Object> keyed(final DataStream<Object> input, final Transformation node,
        final boolean second)
    {
        return input.keyBy(new Keys<>(graph, node.id(), second), Keys.type(second ? node.secondKey() : node.key()));
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private SingleOutputStreamOperator<Object> window(
        final KeyedStream<Object, Object> keyed, final Transformation node, final TypeInformation<Object> type)
    {
        final WindowSpec spec = (WindowSpec)node.function();
        final WindowedStream<Object, Object, TimeWindow> windowed;
        if (spec.assigner() instanceof TumblingEventTimeWindows tumbling)
        {
            windowed = keyed.window(org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows.of(
                Duration.ofMillis(tumbling.sizeMs()), Duration.ofMillis(offset(tumbling, tumbling.sizeMs()))));
        }
        else if (spec.assigner() instanceof SlidingEventTimeWindows sliding)
        {
            windowed = keyed.window(org.apache.flink.streaming.api.windowing.assigners.SlidingEventTimeWindows.of(
                Duration.ofMillis(sliding.sizeMs()), Duration.ofMillis(sliding.slideMs()),
                Duration.ofMillis(offset(sliding, sliding.slideMs()))));
        }
        else if (spec.assigner() instanceof EventTimeSessionWindows sessions)
        {
            windowed = keyed.window(org.apache.flink.streaming.api.windowing.assigners.EventTimeSessionWindows
                .withGap(Duration.ofMillis(sessions.gapMs())));
        }
        else
        {
            throw new UnsupportedOperationException(node + ": no Flink translation for the window assigner " +
                spec.assigner());
        }
        if (spec.lateDataTag() != null)
        {
            windowed.sideOutputLateData(tags.flink((OutputTag<Object>)spec.lateDataTag()));
        }
        return windowed.aggregate(new AggregateAdapter<>(graph, node.id()),
            new WindowFunctionAdapter<>(graph, node.id()), Tags.Types.of(spec.accumulatorCodec()),
            Tags.Types.GENERIC, type);
    }

    /** A fixed-size assigner's offset, from where it starts the window holding time 0 (it does not expose it). */
    private static long offset(final io.weir.api.window.WindowAssigner assigner, final long period)
    {
        final long[] start = new long[1];
        assigner.assignWindows(0, windowStart ->
        {
            start[0] = windowStart;
            return false;
        });
        return Math.floorMod(start[0], period);
    }

    private static <T> SingleOutputStreamOperator<T> named(
        final SingleOutputStreamOperator<T> operator, final Transformation node)
    {
        operator.name(node.name());
        if (node.uid() != null)
        {
            operator.uid(node.uid());
        }
        return operator;
    }

    /** The SINK nodes of {@code dataflow}, told the job's outcome. */
    static List<io.weir.api.connector.SinkFactory<?>> sinks(final Dataflow dataflow)
    {
        final List<io.weir.api.connector.SinkFactory<?>> sinks = new ArrayList<>();
        for (final Transformation node : dataflow.transformations())
        {
            if (node.kind() == Transformation.Kind.SINK)
            {
                sinks.add((io.weir.api.connector.SinkFactory<?>)node.function());
            }
        }
        return sinks;
    }
}
