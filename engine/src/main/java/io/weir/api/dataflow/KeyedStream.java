package io.weir.api.dataflow;

import io.weir.api.KeyedProcessFunction;
import io.weir.api.window.EventTimeSessionWindows;
import io.weir.api.window.WindowAssigner;

import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/** A stream partitioned by key (Flink's {@code KeyedStream}): what a keyed operator reads. */
public final class KeyedStream<K, T>
{
    private final Dataflow dataflow;
    private final Transformation input;
    private final KeySpec key;

    KeyedStream(final Dataflow dataflow, final Transformation input, final KeySpec key)
    {
        this.dataflow = dataflow;
        this.input = input;
        this.key = key;
    }

    /**
     * Process each key's elements with a function made by {@code functionFactory}: one instance per thread, with
     * keyed state and timers.
     */
    public <R> DataStream<R> process(final Supplier<? extends KeyedProcessFunction<K, T, R>> functionFactory)
    {
        return new DataStream<>(dataflow, dataflow.add(Transformation.Kind.KEYED_PROCESS, List.of(input),
            Objects.requireNonNull(functionFactory, "functionFactory"), key, null, "process"));
    }

    /** Event-time windows of fixed size (tumbling or sliding). */
    public WindowedStream<K, T> window(final WindowAssigner assigner)
    {
        return new WindowedStream<>(dataflow, input, key, Objects.requireNonNull(assigner, "assigner"));
    }

    /** Event-time session windows. */
    public WindowedStream<K, T> window(final EventTimeSessionWindows assigner)
    {
        return new WindowedStream<>(dataflow, input, key, Objects.requireNonNull(assigner, "assigner"));
    }

    /** This stream and the broadcast stream {@code broadcast} as the inputs of one keyed broadcast operator. */
    public <B> BroadcastConnectedStream<T, B> connect(final BroadcastStream<B> broadcast)
    {
        if (broadcast.dataflow != dataflow)
        {
            throw new IllegalArgumentException("connect of streams of different dataflows: " + broadcast.node);
        }
        new DataStream<>(dataflow, input).checkCodec();
        return new BroadcastConnectedStream<>(dataflow, input, key, broadcast.node);
    }

    Transformation input()
    {
        return input;
    }

    /** Join this stream (left) with {@code other} (right) on the key, by time: bound it with {@code between}. */
    public <T2> IntervalJoin<T2> intervalJoin(final KeyedStream<K, T2> other)
    {
        if (other.dataflow != dataflow)
        {
            throw new IllegalArgumentException("interval join of streams of different dataflows: " + other.input);
        }
        return new IntervalJoin<>(other);
    }

    /** An interval join waiting for its bounds. */
    public final class IntervalJoin<T2>
    {
        private final KeyedStream<K, T2> right;

        private IntervalJoin(final KeyedStream<K, T2> right)
        {
            this.right = right;
        }

        /** Pairs with {@code left.ts + lowerBoundMs <= right.ts <= left.ts + upperBoundMs}. */
        public IntervalJoined<T2> between(final long lowerBoundMs, final long upperBoundMs)
        {
            if (lowerBoundMs > upperBoundMs)
            {
                throw new IllegalArgumentException("interval join bounds: lower " + lowerBoundMs + " ms > upper " +
                    upperBoundMs + " ms");
            }
            return new IntervalJoined<>(right, lowerBoundMs, upperBoundMs);
        }
    }

    /** A bounded interval join waiting for its process join function. */
    public final class IntervalJoined<T2>
    {
        private final KeyedStream<K, T2> right;
        private long lowerBound;
        private long upperBound;

        private IntervalJoined(final KeyedStream<K, T2> right, final long lowerBound, final long upperBound)
        {
            this.right = right;
            this.lowerBound = lowerBound;
            this.upperBound = upperBound;
        }

        /** The lower bound is exclusive. */
        public IntervalJoined<T2> lowerBoundExclusive()
        {
            lowerBound++;
            return this;
        }

        /** The upper bound is exclusive. */
        public IntervalJoined<T2> upperBoundExclusive()
        {
            upperBound--;
            return this;
        }

        /** Call a function made by {@code functionFactory} (one per thread) for every joined pair. */
        @SuppressWarnings("unchecked")
        public <R> DataStream<R> process(
            final Supplier<? extends io.weir.api.ProcessJoinFunction<T, T2, R>> functionFactory)
        {
            Objects.requireNonNull(functionFactory, "functionFactory");
            new DataStream<>(dataflow, input).checkCodec();
            new DataStream<>(dataflow, right.input).checkCodec();
            final io.weir.api.codec.Codec<T> leftCodec = (io.weir.api.codec.Codec<T>)input.codec();
            final io.weir.api.codec.Codec<T2> rightCodec = (io.weir.api.codec.Codec<T2>)right.input.codec();
            final long lower = lowerBound;
            final long upper = upperBound;
            final Supplier<IntervalJoinOperator<K, T, T2, R>> operator = () ->
                new IntervalJoinOperator<>(functionFactory.get(), leftCodec, rightCodec, lower, upper);
            final Transformation node = dataflow.add(Transformation.Kind.CO_PROCESS, List.of(input, right.input),
                operator, key, null, "intervalJoin");
            node.secondKey(right.key);
            return new DataStream<>(dataflow, node);
        }
    }
}
