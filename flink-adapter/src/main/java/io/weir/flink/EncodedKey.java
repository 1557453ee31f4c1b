package io.weir.flink;

import java.util.Arrays;

/**
 * A key of any Weir type as Flink's key: its codec's bytes, hashed and compared by content, so that it lands in
 * the same key group in every JVM (a Weir key type need not define {@code hashCode}). A Flink POJO.
 */
public final class EncodedKey
{
    /** The key's bytes, as its codec encodes it. */
    public byte[] bytes;

    /** For Flink's POJO serializer. */
    public EncodedKey()
    {
    }

    EncodedKey(final byte[] bytes)
    {
        this.bytes = bytes;
    }

    public boolean equals(final Object o)
    {
        return o instanceof EncodedKey other && Arrays.equals(bytes, other.bytes);
    }

    public int hashCode()
    {
        return Arrays.hashCode(bytes);
    }

    public String toString()
    {
        return "EncodedKey" + Arrays.toString(bytes);
    }
}
