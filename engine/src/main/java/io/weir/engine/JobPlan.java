package io.weir.engine;

import io.weir.engine.runtime.KeyEncoder;
import io.weir.engine.runtime.OutputGate;
import io.weir.engine.runtime.RingChannelOutput;
import io.weir.api.KeyedProcessFunction;
import io.weir.api.codec.Codec;
import io.weir.api.eventtime.WatermarkStrategy;
import io.weir.api.functions.TimestampAssigner;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * What {@link WeirJob} wires: sources feeding keyed stages, stages feeding each other through keyed edges, and
 * every sink. Built by {@link JobBuilder} (one stage) or from a dataflow ({@link DataflowTranslator}); read on
 * the wiring thread only.
 */
final class JobPlan
{
    final String name;
    final List<SourcePlan<?>> sources = new ArrayList<>();
    /** In topological order: a stage's inputs come from sources and from stages before it. */
    final List<StagePlan<?, ?, ?>> stages = new ArrayList<>();
    final List<EdgePlan> edges = new ArrayList<>();
    /** Every sink of the job: told when it succeeded or failed, restored for exactly-once. */
    final List<SinkFactory<?>> sinks = new ArrayList<>();

    JobPlan(final String name)
    {
        this.name = name;
    }

    /** A source: one producer per reader (each on its own thread), or application producers. */
    static final class SourcePlan<S>
    {
        final String name;
        final List<io.weir.api.connector.SourceReader<S>> readers;
        final int applicationProducers;
        /** The input of its stage it feeds: 0, or 1 for a two-input stage's second. */
        int input;
        /**
         * The plan of another route of the same source whose readers this one shares, one producer per reader
         * driven by that route's source agent; null when it has readers of its own.
         */
        SourcePlan<S> readersOf;
        final Codec<Object> codec;
        final KeyEncoder<Object, ?> keyEncoder;
        final TimestampAssigner<S> timestampAssigner;
        final WatermarkStrategy watermarkStrategy;
        /** The stateless operators between the source and its keyBy; null when there are none. */
        final Producer.Transform<S> transform;
        final int stage;

        @SuppressWarnings("unchecked")
        SourcePlan(
            final String name,
            final List<? extends io.weir.api.connector.SourceReader<S>> readers,
            final int applicationProducers,
            final Codec<?> codec,
            final KeyEncoder<?, ?> keyEncoder,
            final TimestampAssigner<S> timestampAssigner,
            final WatermarkStrategy watermarkStrategy,
            final Producer.Transform<S> transform,
            final int stage)
        {
            this.name = name;
            this.readers = List.copyOf(readers);
            this.applicationProducers = applicationProducers;
            this.codec = (Codec<Object>)codec;
            this.keyEncoder = (KeyEncoder<Object, ?>)keyEncoder;
            this.timestampAssigner = timestampAssigner;
            this.watermarkStrategy = watermarkStrategy;
            this.transform = transform;
            this.stage = stage;
        }

        int producers()
        {
            return readers.size() + applicationProducers;
        }
    }

    /** A keyed stage: one instance per shard, each with its own state store. */
    static final class StagePlan<K, I, O>
    {
        /** Names the stage's state store and checkpoint files; null for the only stage of a one-stage job. */
        final String uid;
        final Codec<I> inputCodec;
        final Codec<K> keyCodec;
        final Supplier<? extends KeyedProcessFunction<K, I, O>> functionFactory;
        final OutputWiring<O> output;
        /** The second input's codec of a two-input stage; null for one input. */
        Codec<?> secondInputCodec;
        /** The stage's own store sizing hint per shard; 0 for the job's. */
        long expectedEntriesPerShard;

        StagePlan(
            final String uid,
            final Codec<I> inputCodec,
            final Codec<K> keyCodec,
            final Supplier<? extends KeyedProcessFunction<K, I, O>> functionFactory,
            final OutputWiring<O> output)
        {
            this.uid = uid;
            this.inputCodec = inputCodec;
            this.keyCodec = keyCodec;
            this.functionFactory = functionFactory;
            this.output = output;
        }
    }

    /**
     * Records one stage's output sends, keyed, to another stage: one single-producer ring per (upstream instance,
     * downstream instance).
     */
    static final class EdgePlan
    {
        /** Its index in {@link JobPlan#edges}. */
        final int index;
        final int fromStage;
        final int toStage;
        /** The input of the downstream stage: 0, or 1 for a two-input stage's second. */
        int toInput;
        final Codec<Object> codec;
        final KeyEncoder<Object, ?> keyEncoder;

        @SuppressWarnings("unchecked")
        EdgePlan(final int index, final int fromStage, final int toStage, final Codec<?> codec,
            final KeyEncoder<?, ?> keyEncoder)
        {
            this.index = index;
            this.fromStage = fromStage;
            this.toStage = toStage;
            this.codec = (Codec<Object>)codec;
            this.keyEncoder = (KeyEncoder<Object, ?>)keyEncoder;
        }
    }

    /** Makes a stage instance's output gate; called once per shard on the wiring thread. */
    @FunctionalInterface
    interface OutputWiring<O>
    {
        OutputGate<O> create(int shardId, Wiring wiring);
    }

    /** What an {@link OutputWiring} may ask the job for. */
    interface Wiring
    {
        /** The shard's writer of {@code sink}, counted in the job's metrics. */
        <X> io.weir.api.connector.SinkWriter<X> sinkWriter(SinkFactory<X> sink, int shardId);

        /** The sending end of {@code edge} for upstream instance {@code shardId}. */
        <X> RingChannelOutput<X> channel(EdgePlan edge, int shardId);
    }
}
