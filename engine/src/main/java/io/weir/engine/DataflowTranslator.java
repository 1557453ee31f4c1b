package io.weir.engine;

import io.weir.engine.runtime.BroadcastProcessOperator;
import io.weir.engine.runtime.ChainedCollectors;
import io.weir.engine.runtime.ChannelOutput;
import io.weir.engine.runtime.CoProcessOperator;
import io.weir.engine.runtime.KeyEncoder;
import io.weir.engine.runtime.OutputGate;
import io.weir.engine.runtime.RingChannelOutput;
import io.weir.api.KeyedBroadcastProcessFunction;
import io.weir.api.KeyedCoProcessFunction;
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
import io.weir.api.state.MapStateDescriptor;
import io.weir.api.window.EventTimeSessionWindows;
import io.weir.api.window.ProcessWindowFunction;
import io.weir.api.window.WindowAssigner;
import io.weir.engine.runtime.window.SessionWindowOperator;
import io.weir.engine.runtime.window.WindowOperators;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * Turns a {@link Dataflow} into a {@link JobPlan}: every keyed operator (process function or window) becomes a
 * stage; the stateless operators after it are chained into its output; a keyBy into another keyed operator
 * becomes an edge (rings); the map and filter operators between a source and its keyBy run in the source's
 * producer, one producer per branch when the source's branches go into several keyed inputs. A source stream that
 * goes elsewhere (a sink, a flatMap) feeds a forward stage that spreads its elements over the shards, where those
 * operators run.
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
            if (node.kind() == Transformation.Kind.SINK)
            {
                final SinkFactory<?> sink = ApiSinks.adapt((io.weir.api.connector.SinkFactory<?>)node.function());
                sinkOf.put(node, sink);
                plan.sinks.add(sink);
            }
        }
        // A source whose every branch goes through map and filter into a keyBy routes each element from its
        // producers; any other feeds a forward stage: its elements spread over the shards, where the operators
        // after the source run. Stages keep node order, a topological order.
        for (final Transformation node : nodes)
        {
            if (isStage(node) || (node.kind() == Transformation.Kind.SOURCE && null == routesOf(node)))
            {
                stageOf.put(node.id(), stageOf.size());
            }
        }
        for (final Transformation node : nodes)
        {
            if (isStage(node))
            {
                plan.stages.add(stage(node));
            }
            else if (stageOf.containsKey(node.id()))
            {
                plan.stages.add(forwardStage(node));
            }
        }
        for (final Transformation node : nodes)
        {
            if (node.kind() == Transformation.Kind.SOURCE)
            {
                plan.sources.addAll(sources(node));
            }
        }
        return plan;
    }

    private static boolean isStage(final Transformation node)
    {
        return node.kind() == Transformation.Kind.KEYED_PROCESS || node.kind() == Transformation.Kind.WINDOW ||
            node.kind() == Transformation.Kind.CO_PROCESS || node.kind() == Transformation.Kind.BROADCAST_PROCESS;
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
        else if (node.kind() == Transformation.Kind.CO_PROCESS)
        {
            final Supplier<? extends KeyedCoProcessFunction> coFactory =
                (Supplier<? extends KeyedCoProcessFunction>)node.function();
            factory = () -> new CoProcessOperator(coFactory.get());
        }
        else if (node.kind() == Transformation.Kind.BROADCAST_PROCESS)
        {
            final Supplier<? extends KeyedBroadcastProcessFunction> broadcastFactory =
                (Supplier<? extends KeyedBroadcastProcessFunction>)node.function();
            final List<MapStateDescriptor<?, ?>> descriptors =
                (List<MapStateDescriptor<?, ?>>)node.inputs().get(1).function();
            factory = () -> new BroadcastProcessOperator(broadcastFactory.get(), descriptors);
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
                factory = WindowOperators.factory(assigner, aggregate, accumulatorCodec, windowFunction, lateTag);
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
        final JobPlan.StagePlan stage =
            new JobPlan.StagePlan(uid, codecOf(input, node), keyEncoder.keyCodec(), factory, output);
        stage.expectedEntriesPerShard = node.expectedEntriesPerShard();
        if (node.kind() == Transformation.Kind.CO_PROCESS || node.kind() == Transformation.Kind.BROADCAST_PROCESS)
        {
            stage.secondInputCodec = codecOf(node.inputs().get(1), node);
        }
        return stage;
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
                case BROADCAST:
                    targets.add(template(consumer, fromStage, false));
                    break;
                case SINK:
                    targets.add(new Sink(sinkOf.get(consumer)));
                    break;
                case KEYED_PROCESS:
                case WINDOW:
                case CO_PROCESS:
                case BROADCAST_PROCESS:
                    for (int input = 0; input < consumer.inputs().size(); input++)
                    {
                        if (consumer.inputs().get(input) == node)
                        {
                            final JobPlan.EdgePlan edge = new JobPlan.EdgePlan(plan.edges.size(), fromStage,
                                stageOf.get(consumer.id()), codecOf(node, consumer), keyEncoder(keyOf(consumer,
                                input)));
                            edge.toInput = input;
                            plan.edges.add(edge);
                            targets.add(new Edge(edge));
                        }
                    }
                    break;
                case SIDE_OUTPUT:
                    break; // the stage's side outputs
                default:
                    throw new IllegalArgumentException(consumer + " cannot read " + node);
            }
        }
        return targets.size() == 1 ? targets.get(0) : new Tee(targets);
    }

    /** How input {@code input} of a keyed node is keyed; null for a broadcast input. */
    private static KeySpec keyOf(final Transformation keyed, final int input)
    {
        if (keyed.kind() == Transformation.Kind.BROADCAST_PROCESS)
        {
            return input == 0 ? keyed.key() : null;
        }
        return input == 0 ? keyed.key() : keyed.secondKey();
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
        if (null == key)
        {
            return KeyEncoder.broadcast();
        }
        return null != key.longSelector() ? KeyEncoder.ofLong((LongKeySelector)key.longSelector()) :
            KeyEncoder.of((KeySelector)key.selector(), (Codec)key.keyCodec());
    }

    /** A keyed input a source's elements reach from its producers: the map and filter operators on the way in order. */
    private record Route(List<Transformation> chain, Transformation at, Transformation keyed, int input)
    {
    }

    /**
     * The keyed inputs a source's stream reaches through map, filter, union and broadcast only, one route per
     * input reached (a stream connected with itself reaches two); null when a branch goes anywhere else, when
     * branches share a map or filter, or when the application offers elements to a source of several routes (its
     * producer feeds one), so that the source feeds a forward stage.
     */
    private List<Route> routesOf(final Transformation source)
    {
        final List<Route> routes = new ArrayList<>();
        if (!addRoutes(source, List.of(), routes) || routes.isEmpty() ||
            (routes.size() > 1 && source.source().producers() > 0))
        {
            return null;
        }
        return routes;
    }

    /**
     * Add the routes from {@code at}, reached through {@code chain}; false when the source needs a forward stage:
     * a branch goes elsewhere, or the operators of {@code chain} would run once per route below {@code at} (a map
     * or filter shared by branches runs once an element, on the forward stage).
     */
    private boolean addRoutes(final Transformation at, final List<Transformation> chain, final List<Route> routes)
    {
        final List<Transformation> next = consumersOf(at);
        if (next.isEmpty())
        {
            return false;
        }
        final int before = routes.size();
        for (int i = 0; i < next.size(); i++)
        {
            final Transformation consumer = next.get(i);
            if (next.indexOf(consumer) != i)
            {
                continue; // listed once per input it reads this stream on
            }
            if (!isStage(consumer) && next.lastIndexOf(consumer) != i)
            {
                return false; // a stream unioned with itself: each element twice, as the forward stage does
            }
            switch (consumer.kind())
            {
                case MAP:
                case FILTER:
                    final List<Transformation> longer = new ArrayList<>(chain);
                    longer.add(consumer);
                    if (!addRoutes(consumer, longer, routes))
                    {
                        return false;
                    }
                    break;
                case UNION:
                case BROADCAST:
                    if (!addRoutes(consumer, chain, routes))
                    {
                        return false;
                    }
                    break;
                case KEYED_PROCESS:
                case WINDOW:
                case CO_PROCESS:
                case BROADCAST_PROCESS:
                    for (int input = 0; input < consumer.inputs().size(); input++)
                    {
                        if (consumer.inputs().get(input) == at)
                        {
                            routes.add(new Route(chain, at, consumer, input));
                        }
                    }
                    break;
                default:
                    return false;
            }
        }
        return chain.isEmpty() || routes.size() - before <= 1;
    }

    /** Hands on every element, on the shard its producer routed it to (see {@link #forwardKeyEncoder}). */
    private static final class Forward<T> extends KeyedProcessFunction<Long, T, T>
    {
        public void processElement(final T value, final Context ctx, final Collector<T> out)
        {
            out.collect(value);
        }
    }

    /** Spreads a producer's elements over the shards: 0, 1, 2, ... as keys. */
    private static final class RoundRobin implements LongKeySelector<Object>
    {
        private long next;

        public long key(final Object value)
        {
            return next++;
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private JobPlan.StagePlan<?, ?, ?> forwardStage(final Transformation source)
    {
        final int index = stageOf.get(source.id());
        final Template main = template(source, index, false);
        final JobPlan.OutputWiring<Object> output = (shardId, wiring) ->
        {
            final List<io.weir.api.connector.SinkWriter<?>> writers = new ArrayList<>();
            final List<ChannelOutput> channels = new ArrayList<>();
            final Collector<Object> collector = main.create(shardId, wiring, writers, channels);
            return new OutputGate<>(collector, new OutputTag<?>[0], new Collector<?>[0],
                writers.toArray(new io.weir.api.connector.SinkWriter<?>[0]), channels.toArray(new ChannelOutput[0]),
                true);
        };
        final String uid = "forward-" + source.name().replaceAll("[^A-Za-z0-9._-]", "_");
        // Its keys are a branch's key bytes or a counter (forwardKeyEncoder), of any codec: the stage keeps no state
        // and registers no timers, so nothing decodes them with this one.
        return new JobPlan.StagePlan(uid, source.codec(), io.weir.api.codec.LongCodec.INSTANCE,
            (Supplier<Forward<Object>>)Forward::new, output);
    }

    /**
     * A source's plans: one per route, the first holding its readers and any application producers, the others
     * sharing its readers; or one into its forward stage.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private List<JobPlan.SourcePlan<?>> sources(final Transformation node)
    {
        final SourceSpec spec = node.source();
        final io.weir.api.eventtime.WatermarkStrategy watermarks = spec.watermarkStrategy();
        final List<Route> routes = routesOf(node);
        if (null == routes)
        {
            return List.of(new JobPlan.SourcePlan(node.name(), spec.readers(), spec.producers(), node.codec(),
                forwardKeyEncoder(node), spec.timestampAssigner(), watermarks, null, stageOf.get(node.id())));
        }
        final List<JobPlan.SourcePlan<?>> plans = new ArrayList<>();
        for (final Route route : routes)
        {
            // The map and filter operators up to the keyBy run in the producer.
            final List<Transformation> chain = route.chain();
            final Producer.Transform transform = chain.isEmpty() ? null : value -> applyChain(chain, value);
            final JobPlan.SourcePlan source = new JobPlan.SourcePlan(node.name(), spec.readers(),
                plans.isEmpty() ? spec.producers() : 0, codecOf(route.at(), route.keyed()),
                keyEncoder(keyOf(route.keyed(), route.input())), spec.timestampAssigner(), watermarks, transform,
                stageOf.get(route.keyed().id()));
            source.input = route.input();
            source.readersOf = plans.isEmpty() ? null : plans.get(0);
            plans.add(source);
        }
        return plans;
    }

    /**
     * How a producer routes a source that feeds a forward stage: by the key of the first of the source's branches
     * into a keyed input (through map and filter operators only) that takes the element ({@link
     * KeyEncoder#byFirstBranch}), so that the forward stage hands it on to that keyed stage on its own shard and in
     * the source's order; round-robin when no such branch exists.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private KeyEncoder<?, ?> forwardKeyEncoder(final Transformation source)
    {
        final List<UnaryOperator<Object>> branches = new ArrayList<>();
        final List<KeyEncoder<Object, ?>> encoders = new ArrayList<>();
        for (final Transformation first : consumersOf(source))
        {
            final List<Transformation> chain = new ArrayList<>();
            Transformation at = source;
            Transformation consumer = first;
            while (consumer != null &&
                (consumer.kind() == Transformation.Kind.MAP || consumer.kind() == Transformation.Kind.FILTER))
            {
                chain.add(consumer);
                final List<Transformation> next = consumersOf(consumer);
                at = consumer;
                consumer = next.size() == 1 ? next.get(0) : null;
            }
            if (consumer == null || !isStage(consumer))
            {
                continue;
            }
            final KeySpec key = keyOf(consumer, consumer.inputs().indexOf(at));
            if (null != key)
            {
                branches.add(value -> branchRecord(chain, value));
                encoders.add((KeyEncoder)keyEncoder(key));
            }
        }
        return branches.isEmpty() ? KeyEncoder.ofLong(new RoundRobin()) : KeyEncoder.byFirstBranch(branches, encoders);
    }

    /** {@link #applyChain} for routing, on the producer thread: a checked exception fails the producer. */
    private static Object branchRecord(final List<Transformation> chain, final Object value)
    {
        try
        {
            return applyChain(chain, value);
        }
        catch (final RuntimeException ex)
        {
            throw ex;
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException("an operator before keyBy failed on " + value + ": " + ex, ex);
        }
    }

    /** {@code value} through map and filter operators: the mapped element, or null when a filter drops it. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Object applyChain(final List<Transformation> chain, final Object value) throws Exception
    {
        Object record = value;
        for (int i = 0, size = chain.size(); i < size; i++)
        {
            final Transformation op = chain.get(i);
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
            final io.weir.api.connector.SinkWriter<Object> writer = wiring.sinkWriter((SinkFactory<Object>)sink, shardId);
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
