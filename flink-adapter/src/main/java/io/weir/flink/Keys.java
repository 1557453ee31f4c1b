package io.weir.flink;

import io.weir.api.codec.Codec;
import io.weir.api.dataflow.KeySpec;
import io.weir.api.dataflow.Transformation;
import io.weir.api.functions.LongKeySelector;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * A Weir key selector as Flink's: a long key as a {@code Long}, any other key as the {@link EncodedKey} of its
 * codec's bytes. {@link #decode} turns a Flink key back into the Weir key.
 */
final class Keys<T> implements org.apache.flink.api.java.functions.KeySelector<T, Object>
{
    private static final long serialVersionUID = 1L;
    private final GraphRef graph;
    private final int nodeId;
    private final boolean second;
    private transient KeySpec spec;
    private transient ExpandableArrayBuffer buffer;

    /** The key of node {@code nodeId}'s first input, or its second ({@code second}). */
    Keys(final GraphRef graph, final int nodeId, final boolean second)
    {
        this.graph = graph;
        this.nodeId = nodeId;
        this.second = second;
    }

    static TypeInformation<Object> type(final KeySpec spec)
    {
        @SuppressWarnings({"unchecked", "rawtypes"})
        final TypeInformation<Object> type = spec.longSelector() != null ?
            (TypeInformation)org.apache.flink.api.common.typeinfo.Types.LONG :
            (TypeInformation)TypeInformation.of(EncodedKey.class);
        return type;
    }

    private KeySpec spec()
    {
        if (spec == null)
        {
            final Transformation node = graph.node(nodeId);
            spec = second ? node.secondKey() : node.key();
        }
        return spec;
    }

    @SuppressWarnings("unchecked")
    public Object getKey(final T value)
    {
        final KeySpec spec = spec();
        if (spec.longSelector() != null)
        {
            return ((LongKeySelector<T>)spec.longSelector()).key(value);
        }
        final Object key = ((io.weir.api.functions.KeySelector<T, Object>)spec.selector()).key(value);
        final Codec<Object> codec = (Codec<Object>)spec.keyCodec();
        if (buffer == null)
        {
            buffer = new ExpandableArrayBuffer(64);
        }
        buffer.checkLimit(codec.encodedLength(key));
        final int length = codec.encode(key, buffer, 0);
        final byte[] bytes = new byte[length];
        buffer.getBytes(0, bytes);
        return new EncodedKey(bytes);
    }

    /** The Weir key of a Flink key of a node keyed by {@code spec}. */
    @SuppressWarnings("unchecked")
    static <K> K decode(final KeySpec spec, final Object flinkKey)
    {
        if (spec.longSelector() != null)
        {
            return (K)flinkKey;
        }
        final byte[] bytes = ((EncodedKey)flinkKey).bytes;
        return ((Codec<K>)spec.keyCodec()).decode(new UnsafeBuffer(bytes), 0, bytes.length, null);
    }
}
