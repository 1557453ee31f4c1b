package io.weir.engine.runtime;

import org.agrona.DirectBuffer;

/**
 * Keys to key groups, key groups to shards. {@code keyGroup = mix(hash(keyBytes)) mod maxParallelism}; key groups
 * map to shards in contiguous ranges with Flink's formula, so that rescaling moves whole ranges.
 * Stateless and thread-safe.
 */
public final class KeyGroups
{
    public static final int DEFAULT_MAX_PARALLELISM = 128;
    public static final int MAX_MAX_PARALLELISM = 1 << 15;

    private KeyGroups()
    {
    }

    /** Hash of a serialized key: 64-bit FNV-style mixing of the bytes, finalised with SplitMix64. */
    public static long hash(final DirectBuffer buffer, final int offset, final int length)
    {
        long h = 0x9E3779B97F4A7C15L ^ length;
        int i = 0;
        for (; i + 8 <= length; i += 8)
        {
            h = (h ^ buffer.getLong(offset + i)) * 0xBF58476D1CE4E5B9L;
            h ^= h >>> 29;
        }
        for (; i < length; i++)
        {
            h = (h ^ (buffer.getByte(offset + i) & 0xFF)) * 0x94D049BB133111EBL;
        }
        return mix(h);
    }

    public static long mix(final long value)
    {
        long z = value;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    public static int keyGroup(final DirectBuffer buffer, final int offset, final int length, final int maxParallelism)
    {
        return (int)Long.remainderUnsigned(hash(buffer, offset, length), maxParallelism);
    }

    /** Flink's {@code computeOperatorIndexForKeyGroup}. */
    public static int shardForKeyGroup(final int keyGroup, final int maxParallelism, final int shards)
    {
        return keyGroup * shards / maxParallelism;
    }

    /** First key group owned by {@code shard} (Flink's {@code computeKeyGroupRangeForOperatorIndex}). */
    public static int firstKeyGroup(final int shard, final int maxParallelism, final int shards)
    {
        return (shard * maxParallelism + shards - 1) / shards;
    }

    /** Last key group (inclusive) owned by {@code shard}. */
    public static int lastKeyGroup(final int shard, final int maxParallelism, final int shards)
    {
        return ((shard + 1) * maxParallelism - 1) / shards;
    }
}
