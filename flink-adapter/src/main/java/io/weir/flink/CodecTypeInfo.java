package io.weir.flink;

import io.weir.api.codec.Codec;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/** The Flink type of elements encoded with a Weir codec: serialized by {@link CodecSerializer}. */
final class CodecTypeInfo<T> extends TypeInformation<T>
{
    private static final long serialVersionUID = 1L;
    private final CodecRef ref;

    CodecTypeInfo(final Codec<T> codec)
    {
        this.ref = CodecRef.of(codec);
    }

    public boolean isBasicType()
    {
        return false;
    }

    public boolean isTupleType()
    {
        return false;
    }

    public int getArity()
    {
        return 1;
    }

    public int getTotalFields()
    {
        return 1;
    }

    @SuppressWarnings("unchecked")
    public Class<T> getTypeClass()
    {
        return (Class<T>)(Class<?>)Object.class;
    }

    public boolean isKeyType()
    {
        return true;
    }

    public TypeSerializer<T> createSerializer(final SerializerConfig config)
    {
        return new CodecSerializer<>(ref);
    }

    public String toString()
    {
        return "WeirCodec(" + ref.codecId() + ")";
    }

    public boolean equals(final Object o)
    {
        return o instanceof CodecTypeInfo<?> other && other.ref.codecId().equals(ref.codecId());
    }

    public int hashCode()
    {
        return ref.codecId().hashCode();
    }

    public boolean canEqual(final Object o)
    {
        return o instanceof CodecTypeInfo;
    }
}
