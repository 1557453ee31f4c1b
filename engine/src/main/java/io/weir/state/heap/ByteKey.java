package io.weir.state.heap;

import org.agrona.DirectBuffer;

import java.util.Arrays;

/** An immutable copy of a composite key with value equality, for use as a hash-map key. */
final class ByteKey
{
    final byte[] bytes;
    private final int hash;

    ByteKey(final byte[] bytes)
    {
        this.bytes = bytes;
        this.hash = Arrays.hashCode(bytes);
    }

    static ByteKey copyOf(final DirectBuffer buffer, final int length)
    {
        final byte[] bytes = new byte[length];
        buffer.getBytes(0, bytes);
        return new ByteKey(bytes);
    }

    public boolean equals(final Object o)
    {
        return o instanceof ByteKey && Arrays.equals(bytes, ((ByteKey)o).bytes);
    }

    public int hashCode()
    {
        return hash;
    }
}
