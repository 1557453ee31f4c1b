package io.weir.engine;

import io.weir.api.KeyedProcessFunction;
import io.weir.api.codec.Codec;
import io.weir.api.dataflow.Dataflow;
import io.weir.api.dataflow.KeySpec;
import io.weir.api.dataflow.SourceSpec;
import io.weir.api.dataflow.Transformation;
import io.weir.api.dataflow.WindowSpec;
import io.weir.api.functions.AggregateFunction;
import io.weir.api.functions.Collector;
import io.weir.api.functions.FilterFunction;
import io.weir.api.functions.FlatMapFunction;
import io.weir.api.functions.KeySelector;
import io.weir.api.functions.LongKeySelector;
import io.weir.api.functions.MapFunction;
import io.weir.api.functions.OutputTag;
import io.weir.api.window.EventTimeSessionWindows;
import io.weir.api.window.ProcessWindowFunction;
import io.weir.api.window.WindowAssigner;
import io.weir.engine.window.SessionWindowOperator;
import io.weir.engine.window.WindowOperator;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Turns a {@link Dataflow} into a {@link JobPlan}: every keyed operator (process function or window) becomes a
 * stage; the stateless operators after it are chained into its output; a keyBy into another keyed operator
 * becomes an edge (rings); the stateless operators between a source and its keyBy run in the source's producer.
 * On the wiring thread.
 */
final class DataflowTranslator
{
    private final Dataflow dataflow;
    private final JobPlan plan;
    private final Map<Integer, List<Transformation>> consumers = new HashMap<>();
    private final Map<Integer, Integer> stageOf = new HashMap<>();
    private final Map<Transformation, SinkFactory<?>> sinkOf = new HashMap<>();

    private DataflowTranslator(final Dataflow dataflow)
    {
        this.dataflow = dataflow;
        this.plan = new JobPlan(dataflow.name());
    }

    /** Translate and wire {@code dataflow} (not started); what {@link WeirContext#build} does. */
    static WeirJob<Object, Object> build(final Dataflow dataflow, final WeirContext context)
    {
        final JobPlan plan = translate(dataflow);
        context.conclude();
        // Held before anything in the directory is read or changed; released by the job's close.
        final io.weir.snapshot.DirectoryLock checkpointLock = context.checkpoints().enabled() ?
            io.weir.snapshot.DirectoryLock.acquire(context.checkpoints().directory(), "checkpoint directory",
                "job '" + plan.name + "'") : null;
        try
        {
            return new WeirJob<>(plan, context, checkpointLock);
        }
        catch (final RuntimeException | Error ex)
        {
            try
            {
                for (final SinkFactory<?> sink : plan.sinks)
                {
                    sink.onJobFailed();
                }
            }
            catch (final RuntimeException cleanup)
            {
                ex.addSuppressed(cleanup);
            }
            if (checkpointLock != null)
            {
                checkpointLock.close();
            }
            throw ex;
        }
    }

    static JobPlan translate(final Dataflow dataflow)
    {
        return new DataflowTranslator(dataflow).translate();
    }

    private JobPlan translate()
    {
        final List<Transformation> nodes = dataflow.transformations();
        for (final Transformation node : nodes)
        {
            for (final Transformation input : node.inputs())
            {
                consumers.computeIfAbsent(input.id(), id -> new ArrayList<>()).add(node);
            }
            if (isStage(node))
            {
                stageOf.put(node.id(), stageOf.size());
            }
            else if (node.kind() == Transformation.Kind.SINK)
            {
                final SinkFactory<?> sink = ApiSinks.adapt((io.weir.api.connector.SinkFactory<?>)node.function());
                sinkOf.put(node, sink);
                plan.sinks.add(sink);
            }
        }
        if (stageOf.isEmpty())
        {
            throw new IllegalArgumentException("dataflow '" + dataflow.name() + "' has no keyed operator: key a " +
                "stream (keyBy) and process or window it");
        }
        for (final Transformation node : nodes)
        {
            if (isStage(node))
            {
                plan.stages.add(stage(node));
            }
        }
        for (final Transformation node : nodes)
        {
            if (node.kind() == Transformation.Kind.SOURCE)
            {
                plan.sources.add(source(node));
            }
        }
        return plan;
    }

    private static boolean isStage(final Transformation node)
    {
        return node.kind() == Transformation.Kind.KEYED_PROCESS || node.kind() == Transformation.Kind.WINDOW;
    }

    private List<Transformation> consumersOf(final Transformation node)
    {
        return consumers.getOrDefault(node.id(), List.of());
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private JobPlan.StagePlan<?, ?, ?> stage(final Transformation node)
    {
        final int index = stageOf.get(node.id());
        final String uid = null == node.uid() ? "operator-" + node.id() : node.uid();
        final Transformation input = node.inputs().get(0);
        final KeyEncoder<?, ?> keyEncoder = keyEncoder(node.key());
        final Supplier<? extends KeyedProcessFunction<?, ?, ?>> factory;
        if (node.kind() == Transformation.Kind.KEYED_PROCESS)
        {
            factory = (Supplier<? extends KeyedProcessFunction<?, ?, ?>>)node.function();
        }
        else
        {
            final WindowSpec window = (WindowSpec)node.function();
            final AggregateFunction aggregate = window.aggregateFunction();
            final Codec accumulatorCodec = window.accumulatorCodec();
            final ProcessWindowFunction windowFunction = window.windowFunction();
            final OutputTag lateTag = window.lateDataTag();
            if (window.assigner() instanceof EventTimeSessionWindows)
            {
                final EventTimeSessionWindows assigner = (EventTimeSessionWindows)window.assigner();
                factory = () -> new SessionWindowOperator(assigner, aggregate, accumulatorCodec, windowFunction,
                    lateTag);
            }
            else
            {
                final WindowAssigner assigner = (WindowAssigner)window.assigner();
                factory = () -> new WindowOperator(assigner, aggregate, accumulatorCodec, windowFunction, lateTag);
            }
        }
        // The output tree: planned once, instantiated per shard.
        final Template main = template(node, index, false);
        final List<OutputTag<?>> tags = new ArrayList<>();
        final List<Template> sides = new ArrayList<>();
        for (final Transformation consumer : consumersOf(node))
        {
            if (consumer.kind() == Transformation.Kind.SIDE_OUTPUT)
            {
                final int at = tags.indexOf(consumer.sideOutputTag());
                if (at < 0)
                {
                    tags.add(consumer.sideOutputTag());
                    sides.add(template(consumer, index, false));
                }
                else
                {
                    sides.set(at, new Tee(List.of(sides.get(at), template(consumer, index, false))));
                }
            }
        }
        final OutputTag<?>[] tagArray = tags.toArray(new OutputTag<?>[0]);
        final JobPlan.OutputWiring<Object> output = (shardId, wiring) ->
        {
            final List<io.weir.api.connector.SinkWriter<?>> writers = new ArrayList<>();
            final List<ChannelOutput> channels = new ArrayList<>();
            final Collector<Object> mainCollector = main.create(shardId, wiring, writers, channels);
            final Collector<?>[] sideCollectors = new Collector<?>[sides.size()];
            for (int i = 0; i < sideCollectors.length; i++)
            {
                sideCollectors[i] = sides.get(i).create(shardId, wiring, writers, channels);
            }
            return new OutputGate<>(mainCollector, tagArray, sideCollectors,
                writers.toArray(new io.weir.api.connector.SinkWriter<?>[0]), channels.toArray(new ChannelOutput[0]),
                true);
        };
        return new JobPlan.StagePlan(uid, codecOf(input, node), keyEncoder.keyCodec(), factory, output);
    }

    /**
     * The operators reading {@code node}'s output, as a tree to instantiate per shard. From a source
     * ({@code fromStage} -1), only the chained map and filter, then one keyBy.
     */
    private Template template(final Transformation node, final int fromStage, final boolean skipSideOutputs)
    {
        final List<Template> targets = new ArrayList<>();
        for (final Transformation consumer : consumersOf(node))
        {
            switch (consumer.kind())
            {
                case MAP:
                    targets.add(new Chained(consumer, template(consumer, fromStage, false)));
                    break;
                case FILTER:
                    targets.add(new Chained(consumer, template(consumer, fromStage, false)));
                    break;
                case FLAT_MAP:
                    targets.add(new Chained(consumer, template(consumer, fromStage, false)));
                    break;
                case UNION:
                    targets.add(template(consumer, fromStage, false));
                    break;
                case SINK:
                    targets.add(new Sink(sinkOf.get(consumer)));
                    break;
                case KEYED_PROCESS:
                case WINDOW:
                    final JobPlan.EdgePlan edge = new JobPlan.EdgePlan(plan.edges.size(), fromStage,
                        stageOf.get(consumer.id()), codecOf(node, consumer), keyEncoder(consumer.key()));
                    plan.edges.add(edge);
                    targets.add(new Edge(edge));
                    break;
                case SIDE_OUTPUT:
                    break; // the stage's side outputs
                default:
                    throw new IllegalArgumentException(consumer + " cannot read " + node);
            }
        }
        return targets.size() == 1 ? targets.get(0) : new Tee(targets);
    }

    private static Codec<?> codecOf(final Transformation node, final Transformation keyed)
    {
        if (null == node.codec())
        {
            throw new IllegalStateException("keyBy after " + node + " into " + keyed + ": its elements cross " +
                "threads and need a codec; call returns(codec) on that stream");
        }
        return node.codec();
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static KeyEncoder<?, ?> keyEncoder(final KeySpec key)
    {
        return null != key.longSelector() ? KeyEncoder.ofLong((LongKeySelector)key.longSelector()) :
            KeyEncoder.of((KeySelector)key.selector(), (Codec)key.keyCodec());
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private JobPlan.SourcePlan<?> source(final Transformation node)
    {
        final SourceSpec spec = node.source();
        // Walk the chain to the one keyBy: map and filter only, no fan-out.
        final List<Transformation> chain = new ArrayList<>();
        Transformation at = node;
        Transformation keyed = null;
        while (keyed == null)
        {
            final List<Transformation> next = consumersOf(at);
            if (next.size() != 1)
            {
                throw new IllegalArgumentException(next.isEmpty() ? "source '" + node.name() + "' is not read: key " +
                    "it (keyBy) into a keyed operator" : "source '" + node.name() + "' is read by " + next.size() +
                    " operators " + next + " before its keyBy; a source stream feeds one keyBy (fan out after it)");
            }
            final Transformation consumer = next.get(0);
            switch (consumer.kind())
            {
                case MAP:
                case FILTER:
                    chain.add(consumer);
                    at = consumer;
                    break;
                case UNION:
                    at = consumer;
                    break;
                case KEYED_PROCESS:
                case WINDOW:
                    keyed = consumer;
                    break;
                default:
                    throw new IllegalArgumentException(consumer + " reads source '" + node.name() + "' before its " +
                        "keyBy: only map and filter run there; move it after a keyed operator");
            }
        }
        final Producer.Transform transform = chain.isEmpty() ? null : value ->
        {
            Object record = value;
            for (final Transformation op : chain)
            {
                if (op.kind() == Transformation.Kind.MAP)
                {
                    record = ((MapFunction)op.function()).map(record);
                }
                else if (!((FilterFunction)op.function()).filter(record))
                {
                    return null;
                }
            }
            return record;
        };
        final io.weir.api.eventtime.WatermarkStrategy strategy = spec.watermarkStrategy();
        return new JobPlan.SourcePlan(node.name(), spec.readers(), spec.producers(), codecOf(at, keyed),
            keyEncoder(keyed.key()), spec.timestampAssigner(), strategy.isAutomatic() ?
            WatermarkStrategy.forBoundedOutOfOrderness(strategy.outOfOrdernessMs()) : WatermarkStrategy.none(),
            transform, stageOf.get(keyed.id()));
    }

    /** A node of a stage's output tree. */
    private interface Template
    {
        Collector<Object> create(int shardId, JobPlan.Wiring wiring,
            List<io.weir.api.connector.SinkWriter<?>> writers, List<ChannelOutput> channels);
    }

    private record Tee(List<Template> targets) implements Template
    {
        public Collector<Object> create(final int shardId, final JobPlan.Wiring wiring,
            final List<io.weir.api.connector.SinkWriter<?>> writers, final List<ChannelOutput> channels)
        {
            if (targets.isEmpty())
            {
                return ChainedCollectors.discard();
            }
            final Collector<?>[] collectors = new Collector<?>[targets.size()];
            for (int i = 0; i < collectors.length; i++)
            {
                collectors[i] = targets.get(i).create(shardId, wiring, writers, channels);
            }
            return ChainedCollectors.tee(collectors);
        }
    }

    private record Chained(Transformation node, Template next) implements Template
    {
        @SuppressWarnings({"unchecked", "rawtypes"})
        public Collector<Object> create(final int shardId, final JobPlan.Wiring wiring,
            final List<io.weir.api.connector.SinkWriter<?>> writers, final List<ChannelOutput> channels)
        {
            final Collector<Object> downstream = next.create(shardId, wiring, writers, channels);
            final String name = node.toString();
            switch (node.kind())
            {
                case MAP:
                    return ChainedCollectors.map(name, (MapFunction)node.function(), downstream);
                case FILTER:
                    return ChainedCollectors.filter(name, (FilterFunction)node.function(), downstream);
                default:
                    return ChainedCollectors.flatMap(name, (FlatMapFunction)node.function(), downstream);
            }
        }
    }

    private record Sink(SinkFactory<?> sink) implements Template
    {
        @SuppressWarnings("unchecked")
        public Collector<Object> create(final int shardId, final JobPlan.Wiring wiring,
            final List<io.weir.api.connector.SinkWriter<?>> writers, final List<ChannelOutput> channels)
        {
            final SinkWriter<Object> writer = wiring.sinkWriter((SinkFactory<Object>)sink, shardId);
            writers.add(writer);
            return writer;
        }
    }

    private record Edge(JobPlan.EdgePlan edge) implements Template
    {
        public Collector<Object> create(final int shardId, final JobPlan.Wiring wiring,
            final List<io.weir.api.connector.SinkWriter<?>> writers, final List<ChannelOutput> channels)
        {
            final RingChannelOutput<Object> channel = wiring.channel(edge, shardId);
            channels.add(channel);
            return channel;
        }
    }
}
