package io.weir.flink;

import io.weir.api.codec.Codec;
import io.weir.api.codec.ListCodec;

import java.io.Serializable;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A serializable reference to a Weir {@link Codec}, which Flink needs inside its serializers and their snapshots
 * (they travel in the job graph and in checkpoints). A codec that is {@link Serializable} travels as itself; a
 * singleton (a {@code public static final INSTANCE} field of its class) as its class name; a {@link ListCodec} as
 * the reference of its element codec; any other codec by a number valid in this JVM only (enough for the embedded
 * mini-cluster; on a remote cluster such a codec must be made {@link Serializable}). Thread-safe.
 */
final class CodecRef implements Serializable
{
    private static final long serialVersionUID = 1L;
    private static final Map<Long, Codec<?>> LOCAL = new ConcurrentHashMap<>();
    private static final Map<Codec<?>, Long> LOCAL_IDS = new ConcurrentHashMap<>();
    private static final AtomicLong NEXT_LOCAL = new AtomicLong();

    private final String codecId;
    private final Serializable serializable;
    private final String singletonClass;
    private final CodecRef listElement;
    private final long localId;
    private transient Codec<?> codec;

    private CodecRef(
        final Codec<?> codec,
        final Serializable serializable,
        final String singletonClass,
        final CodecRef listElement,
        final long localId)
    {
        this.codec = codec;
        this.codecId = codec.id();
        this.serializable = serializable;
        this.singletonClass = singletonClass;
        this.listElement = listElement;
        this.localId = localId;
    }

    static CodecRef of(final Codec<?> codec)
    {
        if (codec instanceof Serializable)
        {
            return new CodecRef(codec, (Serializable)codec, null, null, -1);
        }
        if (codec instanceof ListCodec<?> list)
        {
            return new CodecRef(codec, null, null, of(list.elementCodec()), -1);
        }
        try
        {
            final Field instance = codec.getClass().getField("INSTANCE");
            if (Modifier.isStatic(instance.getModifiers()) && instance.get(null) == codec)
            {
                return new CodecRef(codec, null, codec.getClass().getName(), null, -1);
            }
        }
        catch (final NoSuchFieldException | IllegalAccessException ignored)
        {
            // not a singleton: referenced by number below
        }
        final long id = LOCAL_IDS.computeIfAbsent(codec, c ->
        {
            final long next = NEXT_LOCAL.incrementAndGet();
            LOCAL.put(next, c);
            return next;
        });
        return new CodecRef(codec, null, null, null, id);
    }

    /** The codec's {@link Codec#id()}. */
    String codecId()
    {
        return codecId;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    <T> Codec<T> codec()
    {
        Codec<?> resolved = codec;
        if (resolved == null)
        {
            if (serializable != null)
            {
                resolved = (Codec<?>)serializable;
            }
            else if (listElement != null)
            {
                resolved = new ListCodec(listElement.codec());
            }
            else if (singletonClass != null)
            {
                try
                {
                    resolved = (Codec<?>)Class.forName(singletonClass, true, Thread.currentThread()
                        .getContextClassLoader()).getField("INSTANCE").get(null);
                }
                catch (final ReflectiveOperationException ex)
                {
                    throw new IllegalStateException("codec " + codecId + ": cannot load " + singletonClass +
                        ".INSTANCE: " + ex, ex);
                }
            }
            else
            {
                resolved = LOCAL.get(localId);
                if (resolved == null)
                {
                    throw new IllegalStateException("codec " + codecId + " is neither Serializable nor a singleton " +
                        "(a static INSTANCE field): it can run only on the embedded Flink mini-cluster");
                }
            }
            codec = resolved;
        }
        return (Codec<T>)resolved;
    }
}
