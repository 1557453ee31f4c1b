package io.weir.flink;

import io.weir.api.codec.Codec;
import io.weir.api.dataflow.Dataflow;
import io.weir.api.dataflow.Transformation;
import io.weir.api.dataflow.WindowSpec;
import io.weir.api.functions.OutputTag;
import org.apache.flink.api.common.typeinfo.TypeInformation;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Weir's side-output tags (compared by identity) as Flink's (compared by id and type): the Flink tag has the Weir
 * tag's id, and the type of the codec its side-output stream declares ({@code returns}), else a generic type. The
 * translator and the running functions make them alike from the same graph. One instance per task.
 */
final class Tags
{
    private final Dataflow dataflow;
    private final Map<OutputTag<?>, org.apache.flink.util.OutputTag<?>> tags = new IdentityHashMap<>();

    Tags(final Dataflow dataflow)
    {
        this.dataflow = dataflow;
    }

    @SuppressWarnings("unchecked")
    <X> org.apache.flink.util.OutputTag<X> flink(final OutputTag<X> tag)
    {
        return (org.apache.flink.util.OutputTag<X>)tags.computeIfAbsent(tag, t -> new org.apache.flink.util.OutputTag<>(
            t.id(), (TypeInformation<Object>)typeOf(t)));
    }

    private TypeInformation<?> typeOf(final OutputTag<?> tag)
    {
        for (final Transformation node : dataflow.transformations())
        {
            if (node.kind() == Transformation.Kind.SIDE_OUTPUT && node.sideOutputTag() == tag && node.codec() != null)
            {
                return Types.of(node.codec());
            }
            if (node.kind() == Transformation.Kind.WINDOW && ((WindowSpec)node.function()).lateDataTag() == tag &&
                node.inputs().get(0).codec() != null)
            {
                return Types.of(node.inputs().get(0).codec());
            }
        }
        return Types.GENERIC;
    }

    /** Flink types of Weir streams. */
    static final class Types
    {
        static final TypeInformation<Object> GENERIC = TypeInformation.of(Object.class);

        private Types()
        {
        }

        @SuppressWarnings("unchecked")
        static <T> TypeInformation<T> of(final Codec<?> codec)
        {
            return codec == null ? (TypeInformation<T>)GENERIC : new CodecTypeInfo<>((Codec<T>)codec);
        }
    }
}
