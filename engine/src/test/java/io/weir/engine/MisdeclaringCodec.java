package io.weir.engine;

import io.weir.api.codec.Codec;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.util.function.Predicate;

/**
 * A codec that lies: it declares the lengths of {@code codec}, but for values that {@code misdeclared} accepts,
 * encode returns {@code extraBytes} more (or, if negative, fewer) bytes than it declared, and writes the extra ones.
 */
public final class MisdeclaringCodec<T> implements Codec<T>
{
    private final String id;
    private final Codec<T> codec;
    private final Predicate<T> misdeclared;
    private final int extraBytes;

    public MisdeclaringCodec(final String id, final Codec<T> codec, final Predicate<T> misdeclared, final int extraBytes)
    {
        this.id = id;
        this.codec = codec;
        this.misdeclared = misdeclared;
        this.extraBytes = extraBytes;
    }

    public String id()
    {
        return id;
    }

    public int fixedLength()
    {
        return VARIABLE_LENGTH;
    }

    public int encodedLength(final T value)
    {
        return codec.encodedLength(value);
    }

    public int encode(final T value, final MutableDirectBuffer buffer, final int offset)
    {
        final int written = codec.encode(value, buffer, offset);
        if (!misdeclared.test(value))
        {
            return written;
        }
        for (int i = 0; i < extraBytes; i++)
        {
            buffer.putByte(offset + written + i, (byte)0xFF);
        }
        return written + extraBytes;
    }

    public T decode(final DirectBuffer buffer, final int offset, final int length, final T reuse)
    {
        return codec.decode(buffer, offset, length, reuse);
    }
}
