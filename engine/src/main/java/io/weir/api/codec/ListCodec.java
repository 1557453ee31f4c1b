package io.weir.api.codec;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.util.ArrayList;
import java.util.List;

/** A list of elements of one codec: {@code [count i32]} then per element {@code [length i32][bytes]}. */
public final class ListCodec<T> implements Codec<List<T>>
{
    private final Codec<T> elementCodec;

    public ListCodec(final Codec<T> elementCodec)
    {
        this.elementCodec = elementCodec;
    }

    /** The codec of each element. */
    public Codec<T> elementCodec()
    {
        return elementCodec;
    }

    public String id()
    {
        return "list<" + elementCodec.id() + ">";
    }

    public int fixedLength()
    {
        return VARIABLE_LENGTH;
    }

    public int encodedLength(final List<T> value)
    {
        int length = Integer.BYTES;
        for (final T element : value)
        {
            length += Integer.BYTES + elementCodec.encodedLength(element);
        }
        return length;
    }

    public int encode(final List<T> value, final MutableDirectBuffer buffer, final int offset)
    {
        buffer.putInt(offset, value.size());
        int at = offset + Integer.BYTES;
        for (final T element : value)
        {
            final int length = elementCodec.encode(element, buffer, at + Integer.BYTES);
            buffer.putInt(at, length);
            at += Integer.BYTES + length;
        }
        return at - offset;
    }

    public List<T> decode(final DirectBuffer buffer, final int offset, final int length, final List<T> reuse)
    {
        final int count = buffer.getInt(offset);
        final List<T> list = new ArrayList<>(count);
        int at = offset + Integer.BYTES;
        for (int i = 0; i < count; i++)
        {
            final int elementLength = buffer.getInt(at);
            list.add(elementCodec.decode(buffer, at + Integer.BYTES, elementLength, null));
            at += Integer.BYTES + elementLength;
        }
        return list;
    }
}
