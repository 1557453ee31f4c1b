package io.weir.engine;

import io.weir.engine.runtime.KeyEncoder;
import io.weir.engine.runtime.OutputGate;
import io.weir.api.KeyedProcessFunction;
import io.weir.api.codec.Codec;
import io.weir.api.eventtime.WatermarkStrategy;
import io.weir.api.functions.AggregateFunction;
import io.weir.api.functions.KeySelector;
import io.weir.api.functions.LongKeySelector;
import io.weir.api.functions.OutputTag;
import io.weir.api.functions.TimestampAssigner;
import io.weir.api.window.EventTimeSessionWindows;
import io.weir.api.window.ProcessWindowFunction;
import io.weir.api.window.WindowAssigner;
import io.weir.engine.runtime.window.WindowOperators;
import io.weir.snapshot.DirectoryLock;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Builds a job in Flink's shape: source(s) &rarr; keyBy &rarr; process &rarr; sink, plus side outputs.
 * <pre>{@code
 * WeirJob<Event, Row> job = JobBuilder.named("rolling-sum", EventCodec.INSTANCE)
 *     .source(new CsvEventReader(path))
 *     .timestamps(Event::timestamp, WatermarkStrategy.forBoundedOutOfOrderness(5000))
 *     .keyBy(Event::key)
 *     .process(RollingSum::new)
 *     .sink(rows)
 *     .build(new WeirContext().shards(2));
 * }</pre>
 * The process function is given as a factory: every shard gets its own instance. Single use; not thread-safe.
 *
 * @param <I> the element type, encoded into the rings with the given codec.
 */
public final class JobBuilder<I>
{
    private final String name;
    private final Codec<I> codec;
    private final List<SourceReader<I>> sources = new ArrayList<>();
    private TimestampAssigner<I> timestampAssigner;
    private WatermarkStrategy watermarkStrategy = WatermarkStrategy.noWatermarks();

    private JobBuilder(final String name, final Codec<I> codec)
    {
        this.name = Objects.requireNonNull(name, "name");
        this.codec = Objects.requireNonNull(codec, "codec");
    }

    /** Starts a job called {@code name} whose input elements are encoded by {@code codec}. */
    public static <I> JobBuilder<I> named(final String name, final Codec<I> codec)
    {
        return new JobBuilder<>(name, codec);
    }

    /** Add a source; each runs on its own thread with its own producer. */
    public JobBuilder<I> source(final SourceReader<I> reader)
    {
        sources.add(Objects.requireNonNull(reader, "reader"));
        return this;
    }

    /** Event time of each element and how producers derive watermarks from it. */
    public JobBuilder<I> timestamps(final TimestampAssigner<I> assigner, final WatermarkStrategy strategy)
    {
        this.timestampAssigner = Objects.requireNonNull(assigner, "assigner");
        this.watermarkStrategy = Objects.requireNonNull(strategy, "strategy");
        return this;
    }

    /** Key by a primitive long: the allocation-free path. */
    public KeyedBuilder<I, Long> keyBy(final LongKeySelector<I> selector)
    {
        return new KeyedBuilder<>(this, KeyEncoder.ofLong(Objects.requireNonNull(selector, "selector")));
    }

    /** Key by any type, serialized with {@code keyCodec}. */
    public <K> KeyedBuilder<I, K> keyBy(final KeySelector<I, K> selector, final Codec<K> keyCodec)
    {
        return new KeyedBuilder<>(this, KeyEncoder.of(selector, keyCodec));
    }

    /** The keyed stage, waiting for its process function. */
    public static final class KeyedBuilder<I, K>
    {
        private final JobBuilder<I> job;
        private final KeyEncoder<I, K> keyEncoder;

        private KeyedBuilder(final JobBuilder<I> job, final KeyEncoder<I, K> keyEncoder)
        {
            this.job = job;
            this.keyEncoder = keyEncoder;
        }

        /** Processes each key's elements with a function made by {@code functionFactory}, one instance per shard. */
        public <O> ProcessBuilder<I, K, O> process(
            final Supplier<? extends KeyedProcessFunction<K, I, O>> functionFactory)
        {
            return new ProcessBuilder<>(job, keyEncoder, Objects.requireNonNull(functionFactory, "functionFactory"));
        }

        /** Event-time windows of fixed size (tumbling or sliding), aggregated incrementally. */
        public WindowedBuilder<I, K> window(final WindowAssigner assigner)
        {
            return new WindowedBuilder<>(this, Objects.requireNonNull(assigner, "assigner"));
        }

        /** Event-time session windows (merging), aggregated incrementally. */
        public SessionWindowedBuilder<I, K> window(final EventTimeSessionWindows assigner)
        {
            return new SessionWindowedBuilder<>(this, Objects.requireNonNull(assigner, "assigner"));
        }
    }

    /** The windowed stage: late-data handling, then the aggregation. */
    public static final class WindowedBuilder<I, K>
    {
        private final KeyedBuilder<I, K> keyed;
        private final WindowAssigner assigner;
        private OutputTag<I> lateDataTag;

        private WindowedBuilder(final KeyedBuilder<I, K> keyed, final WindowAssigner assigner)
        {
            this.keyed = keyed;
            this.assigner = assigner;
        }

        /** Send elements whose windows have all fired to this side output (declare its sink on the next stage). */
        public WindowedBuilder<I, K> sideOutputLateData(final OutputTag<I> tag)
        {
            this.lateDataTag = Objects.requireNonNull(tag, "tag");
            return this;
        }

        /**
         * Aggregates each window incrementally with {@code aggregate}, then hands the result to {@code windowFunction}.
         */
        public <ACC, OUT, R> ProcessBuilder<I, K, R> aggregate(
            final AggregateFunction<I, ACC, OUT> aggregateFunction,
            final Codec<ACC> accumulatorCodec,
            final ProcessWindowFunction<K, OUT, R> windowFunction)
        {
            Objects.requireNonNull(aggregateFunction, "aggregateFunction");
            Objects.requireNonNull(accumulatorCodec, "accumulatorCodec");
            Objects.requireNonNull(windowFunction, "windowFunction");
            final OutputTag<I> tag = lateDataTag;
            return keyed.process(WindowOperators.factory(assigner, aggregateFunction, accumulatorCodec,
                windowFunction, tag));
        }
    }

    /** The final stage: outputs and build. */
    public static final class ProcessBuilder<I, K, O>
    {
        private final JobBuilder<I> job;
        private final KeyEncoder<I, K> keyEncoder;
        private final Supplier<? extends KeyedProcessFunction<K, I, O>> functionFactory;
        private final List<OutputTag<?>> sideTags = new ArrayList<>();
        private final List<SinkFactory<?>> sideSinks = new ArrayList<>();
        private SinkFactory<O> sink;

        private ProcessBuilder(
            final JobBuilder<I> job,
            final KeyEncoder<I, K> keyEncoder,
            final Supplier<? extends KeyedProcessFunction<K, I, O>> functionFactory)
        {
            this.job = job;
            this.keyEncoder = keyEncoder;
            this.functionFactory = functionFactory;
        }

        /** Where the function's results go. */
        public ProcessBuilder<I, K, O> sink(final SinkFactory<O> sink)
        {
            this.sink = Objects.requireNonNull(sink, "sink");
            return this;
        }

        /** Route {@code ctx.output(tag, value)} to {@code sink}. */
        public <X> ProcessBuilder<I, K, O> sideOutput(final OutputTag<X> tag, final SinkFactory<X> sink)
        {
            Objects.requireNonNull(tag, "tag");
            if (sideTags.contains(tag))
            {
                throw new IllegalArgumentException("side output " + tag + " declared twice");
            }
            sideTags.add(tag);
            sideSinks.add(Objects.requireNonNull(sink, "sink"));
            return this;
        }

        /** The job as one source group feeding one keyed stage, whose outputs are sinks. */
        private JobPlan plan(final int applicationProducers)
        {
            final JobPlan plan = new JobPlan(job.name);
            plan.sources.add(new JobPlan.SourcePlan<>("source", job.sources, applicationProducers,
                job.codec, keyEncoder, job.timestampAssigner, job.watermarkStrategy, null, 0));
            final OutputTag<?>[] tags = sideTags.toArray(new OutputTag<?>[0]);
            final SinkFactory<O> mainSink = sink;
            final List<SinkFactory<?>> sides = List.copyOf(sideSinks);
            plan.stages.add(new JobPlan.StagePlan<>(null, job.codec, keyEncoder.keyCodec(), functionFactory,
                (shardId, wiring) ->
                {
                    final io.weir.api.connector.SinkWriter<?>[] sideWriters =
                        new io.weir.api.connector.SinkWriter<?>[sides.size()];
                    for (int i = 0; i < sideWriters.length; i++)
                    {
                        sideWriters[i] = wiring.sinkWriter(sides.get(i), shardId);
                    }
                    return OutputGate.toSinks(wiring.sinkWriter(mainSink, shardId), tags, sideWriters);
                }));
            plan.sinks.add(mainSink);
            plan.sinks.addAll(sides);
            return plan;
        }

        /** Validate the context and wire the job (not started). */
        public WeirJob<I, O> build(final WeirContext context)
        {
            if (sink == null)
            {
                throw new IllegalStateException("job '" + job.name + "' has no sink: call sink(...) before build");
            }
            if (job.timestampAssigner == null)
            {
                throw new IllegalStateException("job '" + job.name + "' has no timestamps: call timestamps(...)");
            }
            context.conclude();
            // Held before anything in the directory is read or changed; released by the job's close.
            final DirectoryLock checkpointLock = context.checkpoints().enabled() ? DirectoryLock.acquire(
                context.checkpoints().directory(), "checkpoint directory", "job '" + job.name + "'") : null;
            try
            {
                return new WeirJob<>(plan(context.externalProducers()), context, checkpointLock);
            }
            catch (final RuntimeException | Error ex)
            {
                // Let go of what the wiring took: the sinks' directories, then the checkpoint directory.
                try
                {
                    sink.onJobFailed();
                    for (final SinkFactory<?> sideSink : sideSinks)
                    {
                        sideSink.onJobFailed();
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
    }
}
