package io.weir.state.offheap;

import java.util.Arrays;

/**
 * Content-compared key bytes for on-heap maps. Owned instances copy their bytes; a probe instance can be
 * re-pointed ({@link #probe}) at a slice of a reused array so look-ups do not allocate. A probe must never be
 * stored in a map.
 */
final class ByteKey
{
    private byte[] bytes;
    private int offset;
    private int length;
    private int hash;

    ByteKey()
    {
    }

    static ByteKey copyOf(final byte[] src, final int offset, final int length)
    {
        final ByteKey key = new ByteKey();
        key.bytes = Arrays.copyOfRange(src, offset, offset + length);
        key.length = length;
        key.hash = hash(key.bytes, 0, length);
        return key;
    }

    ByteKey probe(final byte[] src, final int offset, final int length)
    {
        this.bytes = src;
        this.offset = offset;
        this.length = length;
        this.hash = hash(src, offset, length);
        return this;
    }

    byte[] bytes()
    {
        return bytes;
    }

    int offset()
    {
        return offset;
    }

    int length()
    {
        return length;
    }

    static int hash(final byte[] src, final int offset, final int length)
    {
        int h = 1;
        for (int i = offset, end = offset + length; i < end; i++)
        {
            h = 31 * h + src[i];
        }
        return h ^ (h >>> 16);
    }

    public int hashCode()
    {
        return hash;
    }

    public boolean equals(final Object o)
    {
        if (!(o instanceof ByteKey))
        {
            return false;
        }
        final ByteKey that = (ByteKey)o;
        return that.hash == hash && Arrays.equals(bytes, offset, offset + length, that.bytes, that.offset,
            that.offset + that.length);
    }
}
