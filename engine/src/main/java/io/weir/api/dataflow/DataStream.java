package io.weir.api.dataflow;

import io.weir.api.codec.Codec;
import io.weir.api.connector.SinkFactory;
import io.weir.api.functions.FilterFunction;
import io.weir.api.functions.FlatMapFunction;
import io.weir.api.functions.KeySelector;
import io.weir.api.functions.LongKeySelector;
import io.weir.api.functions.MapFunction;
import io.weir.api.functions.OutputTag;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A stream of elements of one type (Flink's {@code DataStream}). Stateless operations are chained into the
 * operator before them; {@link #keyBy} starts a new keyed stage, whose input crosses threads encoded with the
 * stream's codec ({@link #returns}).
 */
public class DataStream<T>
{
    final Dataflow dataflow;
    final Transformation node;

    DataStream(final Dataflow dataflow, final Transformation node)
    {
        this.dataflow = dataflow;
        this.node = node;
    }

    /** The node this stream is the output of. */
    public Transformation transformation()
    {
        return node;
    }

    public <R> DataStream<R> map(final MapFunction<T, R> function)
    {
        return add(Transformation.Kind.MAP, Objects.requireNonNull(function, "function"), "map");
    }

    public DataStream<T> filter(final FilterFunction<T> function)
    {
        final DataStream<T> filtered =
            add(Transformation.Kind.FILTER, Objects.requireNonNull(function, "function"), "filter");
        filtered.node.codec(node.codec());
        return filtered;
    }

    public <R> DataStream<R> flatMap(final FlatMapFunction<T, R> function)
    {
        return add(Transformation.Kind.FLAT_MAP, Objects.requireNonNull(function, "function"), "flatMap");
    }

    /** The codec of this stream's elements, needed where they cross threads (a {@link #keyBy} after it). */
    public DataStream<T> returns(final Codec<T> codec)
    {
        node.codec(Objects.requireNonNull(codec, "codec"));
        return this;
    }

    /** Key by a primitive long: the allocation-free path. */
    public KeyedStream<Long, T> keyBy(final LongKeySelector<T> selector)
    {
        checkCodec();
        return new KeyedStream<>(dataflow, node, new KeySpec(Objects.requireNonNull(selector, "selector"), null, null));
    }

    /** Key by any type, serialized with {@code keyCodec}. */
    public <K> KeyedStream<K, T> keyBy(final KeySelector<T, K> selector, final Codec<K> keyCodec)
    {
        checkCodec();
        return new KeyedStream<>(dataflow, node, new KeySpec(null, Objects.requireNonNull(selector, "selector"),
            Objects.requireNonNull(keyCodec, "keyCodec")));
    }

    /** This stream and {@code others} as one stream. */
    @SafeVarargs
    public final DataStream<T> union(final DataStream<T>... others)
    {
        final List<Transformation> inputs = new ArrayList<>();
        inputs.add(node);
        for (final DataStream<T> other : others)
        {
            if (other.dataflow != dataflow)
            {
                throw new IllegalArgumentException("union of streams of different dataflows: " + other.node);
            }
            inputs.add(other.node);
        }
        final Transformation union = dataflow.add(Transformation.Kind.UNION, inputs, null, null, null, "union");
        union.codec(node.codec());
        return new DataStream<>(dataflow, union);
    }

    /** This stream and {@code other} as the two inputs of one operator ({@link ConnectedStreams#keyBy}). */
    public <R> ConnectedStreams<T, R> connect(final DataStream<R> other)
    {
        if (other.dataflow != dataflow)
        {
            throw new IllegalArgumentException("connect of streams of different dataflows: " + other.node);
        }
        return new ConnectedStreams<>(dataflow, node, other.node);
    }

    /**
     * This stream broadcast to every instance of the operator that reads it, which keeps the broadcast states
     * {@code descriptors} ({@link KeyedStream#connect(BroadcastStream)}).
     */
    public BroadcastStream<T> broadcast(final io.weir.api.state.MapStateDescriptor<?, ?>... descriptors)
    {
        final List<io.weir.api.state.MapStateDescriptor<?, ?>> states = new ArrayList<>();
        final java.util.Set<String> names = new java.util.HashSet<>();
        for (final io.weir.api.state.MapStateDescriptor<?, ?> descriptor : descriptors)
        {
            if (!names.add(Objects.requireNonNull(descriptor, "descriptor").name()))
            {
                throw new IllegalArgumentException("broadcast of " + node + ": two broadcast states named '" +
                    descriptor.name() + "'");
            }
            states.add(descriptor);
        }
        checkCodec();
        final Transformation broadcast = dataflow.add(Transformation.Kind.BROADCAST, List.of(node),
            List.copyOf(states), null, null, "broadcast");
        broadcast.codec(node.codec());
        return new BroadcastStream<>(dataflow, broadcast);
    }

    /** Write this stream to {@code sink}: one writer per thread. */
    public DataStreamSink sinkTo(final SinkFactory<T> sink)
    {
        final Transformation node = dataflow.add(Transformation.Kind.SINK, List.of(this.node),
            Objects.requireNonNull(sink, "sink"), null, null, "sink");
        return new DataStreamSink(dataflow, node);
    }

    /** The elements this stream's keyed operator emitted to {@code tag}. */
    public <X> DataStream<X> getSideOutput(final OutputTag<X> tag)
    {
        Objects.requireNonNull(tag, "tag");
        if (node.kind() != Transformation.Kind.KEYED_PROCESS && node.kind() != Transformation.Kind.WINDOW &&
            node.kind() != Transformation.Kind.CO_PROCESS && node.kind() != Transformation.Kind.BROADCAST_PROCESS)
        {
            throw new IllegalArgumentException("getSideOutput(" + tag + ") on " + node + ": side outputs come from " +
                "a keyed process function or window");
        }
        return new DataStream<>(dataflow, dataflow.add(Transformation.Kind.SIDE_OUTPUT, List.of(node), null, null,
            tag, "side output " + tag.id()));
    }

    /** The stable id of this operator: its state and checkpoint files are named by it. */
    public DataStream<T> uid(final String uid)
    {
        Objects.requireNonNull(uid, "uid");
        if (uid.isEmpty() || !uid.matches("[A-Za-z0-9._-]+"))
        {
            throw new IllegalArgumentException("uid '" + uid + "' of " + node + ": use letters, digits, '.', '_' " +
                "and '-' (it names files)");
        }
        dataflow.checkUid(uid, node);
        node.uid(uid);
        return this;
    }

    /**
     * Sizing hint for this keyed operator's state store in each shard: the entries it will hold (a value state is
     * one entry per key, a list or map one per element plus a head, a window one per key and window). Overrides
     * the job's {@code WeirContext.expectedEntriesPerShard} for this operator, so that a small operator (one
     * window per merchant) does not get the store a big one needs (several states per card). Chronicle Map sizes
     * its memory from it; a store outgrows it at the cost of a copy.
     */
    public DataStream<T> expectedEntriesPerShard(final long entries)
    {
        if (node.kind() != Transformation.Kind.KEYED_PROCESS && node.kind() != Transformation.Kind.WINDOW &&
            node.kind() != Transformation.Kind.CO_PROCESS && node.kind() != Transformation.Kind.BROADCAST_PROCESS)
        {
            throw new IllegalArgumentException("expectedEntriesPerShard(" + entries + ") on " + node + ": only a " +
                "keyed operator (process, window, connect or broadcast) has a state store");
        }
        if (entries < 1)
        {
            throw new IllegalArgumentException("expectedEntriesPerShard of " + node + " must be positive: " + entries);
        }
        node.expectedEntriesPerShard(entries);
        return this;
    }

    /** The operator's name, for errors and metrics. */
    public DataStream<T> name(final String name)
    {
        node.name(Objects.requireNonNull(name, "name"));
        return this;
    }

    private <R> DataStream<R> add(final Transformation.Kind kind, final Object function, final String name)
    {
        return new DataStream<>(dataflow, dataflow.add(kind, List.of(node), function, null, null, name));
    }

    void checkCodec()
    {
        if (null == node.codec())
        {
            throw new IllegalStateException("keyBy or broadcast after " + node + ": its elements cross threads and need a codec; " +
                "call returns(codec) on that stream first");
        }
    }
}
