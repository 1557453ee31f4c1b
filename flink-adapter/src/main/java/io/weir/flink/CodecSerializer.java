package io.weir.flink;

import io.weir.api.codec.Codec;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.util.InstantiationUtil;

import java.io.IOException;
import java.util.Objects;

/**
 * A Weir {@link Codec} as a Flink {@link TypeSerializer}: {@code [length i32][the codec's bytes]}, so that records,
 * keys and state of Weir types work on the heap and RocksDB backends and in Flink checkpoints. Not thread-safe
 * (Flink duplicates a serializer per thread, {@link #duplicate()}).
 */
final class CodecSerializer<T> extends TypeSerializer<T>
{
    private static final long serialVersionUID = 1L;
    private final CodecRef ref;
    private transient ExpandableArrayBuffer encodeBuffer;
    private transient UnsafeBuffer decodeBuffer;
    private transient byte[] bytes;

    CodecSerializer(final CodecRef ref)
    {
        this.ref = ref;
    }

    static <T> CodecSerializer<T> of(final Codec<T> codec)
    {
        return new CodecSerializer<>(CodecRef.of(codec));
    }

    CodecRef ref()
    {
        return ref;
    }

    private Codec<T> codec()
    {
        return ref.codec();
    }

    public boolean isImmutableType()
    {
        return false;
    }

    public TypeSerializer<T> duplicate()
    {
        return new CodecSerializer<>(ref);
    }

    public T createInstance()
    {
        return null;
    }

    /** A deep copy: encoded and decoded, as Weir's state stores values. */
    public T copy(final T from)
    {
        if (from == null)
        {
            return null;
        }
        final int length = encode(from);
        return codec().decode(encodeBuffer, 0, length, null);
    }

    public T copy(final T from, final T reuse)
    {
        return copy(from);
    }

    public int getLength()
    {
        return -1;
    }

    public void serialize(final T record, final DataOutputView target) throws IOException
    {
        final int length = encode(record);
        target.writeInt(length);
        target.write(encodeBuffer.byteArray(), 0, length);
    }

    public T deserialize(final DataInputView source) throws IOException
    {
        final int length = source.readInt();
        if (bytes == null || bytes.length < length)
        {
            bytes = new byte[Math.max(length, 64)];
            decodeBuffer = new UnsafeBuffer(bytes);
        }
        source.readFully(bytes, 0, length);
        return codec().decode(decodeBuffer, 0, length, null);
    }

    public T deserialize(final T reuse, final DataInputView source) throws IOException
    {
        return deserialize(source);
    }

    public void copy(final DataInputView source, final DataOutputView target) throws IOException
    {
        final int length = source.readInt();
        target.writeInt(length);
        target.write(source, length);
    }

    private int encode(final T value)
    {
        if (encodeBuffer == null)
        {
            encodeBuffer = new ExpandableArrayBuffer(256);
        }
        final Codec<T> codec = codec();
        final int length = codec.encodedLength(value);
        encodeBuffer.checkLimit(length);
        return codec.encode(value, encodeBuffer, 0);
    }

    public boolean equals(final Object o)
    {
        return o instanceof CodecSerializer<?> other && other.ref.codecId().equals(ref.codecId());
    }

    public int hashCode()
    {
        return ref.codecId().hashCode();
    }

    public TypeSerializerSnapshot<T> snapshotConfiguration()
    {
        return new Snapshot<>(ref);
    }

    public String toString()
    {
        return "CodecSerializer(" + ref.codecId() + ")";
    }

    /** What a checkpoint records of the serializer: the codec's reference; compatible when the codec id matches. */
    public static final class Snapshot<T> implements TypeSerializerSnapshot<T>
    {
        private CodecRef ref;

        /** For Flink, which reads snapshots by class name. */
        public Snapshot()
        {
        }

        Snapshot(final CodecRef ref)
        {
            this.ref = ref;
        }

        public int getCurrentVersion()
        {
            return 1;
        }

        public void writeSnapshot(final DataOutputView out) throws IOException
        {
            final byte[] serialized = InstantiationUtil.serializeObject(ref);
            out.writeInt(serialized.length);
            out.write(serialized);
        }

        public void readSnapshot(final int readVersion, final DataInputView in, final ClassLoader classLoader)
            throws IOException
        {
            final byte[] serialized = new byte[in.readInt()];
            in.readFully(serialized);
            try
            {
                ref = InstantiationUtil.deserializeObject(serialized, classLoader);
            }
            catch (final ClassNotFoundException ex)
            {
                throw new IOException("cannot read the codec of a Weir serializer snapshot: " + ex, ex);
            }
        }

        public TypeSerializer<T> restoreSerializer()
        {
            return new CodecSerializer<>(Objects.requireNonNull(ref, "snapshot not read"));
        }

        public TypeSerializerSchemaCompatibility<T> resolveSchemaCompatibility(
            final TypeSerializerSnapshot<T> oldSnapshot)
        {
            if (oldSnapshot instanceof Snapshot<T> old && old.ref.codecId().equals(ref.codecId()))
            {
                return TypeSerializerSchemaCompatibility.compatibleAsIs();
            }
            return TypeSerializerSchemaCompatibility.incompatible();
        }
    }
}
