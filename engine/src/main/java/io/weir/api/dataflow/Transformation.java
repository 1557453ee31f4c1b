package io.weir.api.dataflow;

import io.weir.api.codec.Codec;
import io.weir.api.functions.OutputTag;

import java.util.List;

/**
 * One node of a {@link Dataflow}: what a {@link DataStream} method added, as Flink's {@code Transformation}. The
 * runtime reads the graph through these accessors when it builds the job; user code does not need them.
 */
public final class Transformation
{
    /** What a node does. */
    public enum Kind
    {
        /** A source: records from a reader or from application producers. */
        SOURCE,
        /** A {@link io.weir.api.functions.MapFunction}, chained. */
        MAP,
        /** A {@link io.weir.api.functions.FilterFunction}, chained. */
        FILTER,
        /** A {@link io.weir.api.functions.FlatMapFunction}, chained. */
        FLAT_MAP,
        /** Several streams of one type as one. */
        UNION,
        /** A keyed process function on a keyed stream: a new stage, with its own state and timers. */
        KEYED_PROCESS,
        /** An event-time window aggregation on a keyed stream: a new stage. */
        WINDOW,
        /** A keyed co-process function on two connected keyed streams: a new two-input stage. */
        CO_PROCESS,
        /** A stream broadcast to every instance of the operator reading it; its function is the state descriptors. */
        BROADCAST,
        /**
         * A keyed broadcast process function: a new two-input stage, input 0 keyed, input 1 a {@link #BROADCAST}.
         */
        BROADCAST_PROCESS,
        /** The elements a keyed stage emitted to a side output. */
        SIDE_OUTPUT,
        /** A sink. */
        SINK
    }

    private final int id;
    private final Kind kind;
    private final List<Transformation> inputs;
    private final Object function;
    private final KeySpec key;
    private KeySpec secondKey;
    private final OutputTag<?> sideOutputTag;
    private String name;
    private String uid;
    /** The operator's own store sizing hint, 0 for the job's. */
    private long expectedEntriesPerShard;
    private Codec<?> codec;
    private SourceSpec<?> source;

    Transformation(
        final int id,
        final Kind kind,
        final List<Transformation> inputs,
        final Object function,
        final KeySpec key,
        final OutputTag<?> sideOutputTag,
        final String name)
    {
        this.id = id;
        this.kind = kind;
        this.inputs = List.copyOf(inputs);
        this.function = function;
        this.key = key;
        this.sideOutputTag = sideOutputTag;
        this.name = name;
    }

    /** Unique within its dataflow, in the order nodes were added (a topological order). */
    public int id()
    {
        return id;
    }

    public Kind kind()
    {
        return kind;
    }

    /** The nodes this one reads (one, except for a union and a two-input operator). */
    public List<Transformation> inputs()
    {
        return inputs;
    }

    /**
     * The user function: a MapFunction, FilterFunction, FlatMapFunction, a {@code Supplier} of the keyed process
     * function (co-process and broadcast process functions too), a {@link WindowSpec}, the {@code SinkFactory}, or
     * a BROADCAST node's list of {@code MapStateDescriptor}s; null for sources, unions and side outputs.
     */
    public Object function()
    {
        return function;
    }

    /** How a keyed node's input is keyed; null for other nodes. */
    public KeySpec key()
    {
        return key;
    }

    /** How a two-input node's second input is keyed; null for other nodes. */
    public KeySpec secondKey()
    {
        return secondKey;
    }

    void secondKey(final KeySpec secondKey)
    {
        this.secondKey = secondKey;
    }

    /** The tag a SIDE_OUTPUT node selects. */
    public OutputTag<?> sideOutputTag()
    {
        return sideOutputTag;
    }

    public String name()
    {
        return name;
    }

    /** The stable id naming the operator's state and checkpoint files; null if none was given. */
    public String uid()
    {
        return uid;
    }

    /** The operator's store sizing hint per shard, 0 when it takes the job's. */
    public long expectedEntriesPerShard()
    {
        return expectedEntriesPerShard;
    }

    void expectedEntriesPerShard(final long entries)
    {
        this.expectedEntriesPerShard = entries;
    }

    /** The codec of this node's output records, where they cross threads; null if not given. */
    public Codec<?> codec()
    {
        return codec;
    }

    /** A SOURCE node's readers, producers and event time. */
    public SourceSpec<?> source()
    {
        return source;
    }

    void name(final String name)
    {
        this.name = name;
    }

    void uid(final String uid)
    {
        this.uid = uid;
    }

    void codec(final Codec<?> codec)
    {
        this.codec = codec;
    }

    void source(final SourceSpec<?> source)
    {
        this.source = source;
    }

    public String toString()
    {
        return kind + " '" + name + "'" + (uid == null ? "" : " (uid " + uid + ")");
    }
}
