package io.weir.engine.runtime;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(10)
class KeyGroupsTest
{
    @Test
    void shouldAssignEveryKeyGroupToExactlyOneShardInContiguousRanges()
    {
        for (final int maxParallelism : new int[]{1, 7, 128, 1000})
        {
            for (int shards = 1; shards <= Math.min(maxParallelism, 17); shards++)
            {
                int expectedFirst = 0;
                for (int shard = 0; shard < shards; shard++)
                {
                    final int first = KeyGroups.firstKeyGroup(shard, maxParallelism, shards);
                    final int last = KeyGroups.lastKeyGroup(shard, maxParallelism, shards);
                    assertEquals(expectedFirst, first, "ranges are contiguous");
                    for (int kg = first; kg <= last; kg++)
                    {
                        assertEquals(shard, KeyGroups.shardForKeyGroup(kg, maxParallelism, shards));
                    }
                    expectedFirst = last + 1;
                }
                assertEquals(maxParallelism, expectedFirst, "ranges cover every key group");
            }
        }
    }

    @Test
    void shouldSpreadKeysOverAllKeyGroups()
    {
        final UnsafeBuffer key = new UnsafeBuffer(new byte[8]);
        final int[] counts = new int[128];
        for (long k = 0; k < 128_000; k++)
        {
            key.putLong(0, k);
            counts[KeyGroups.keyGroup(key, 0, 8, 128)]++;
        }
        for (final int count : counts)
        {
            assertTrue(count > 800 && count < 1200, "key groups are balanced: " + count);
        }
    }

    @Test
    void shouldHashEqualBytesEqually()
    {
        final UnsafeBuffer a = new UnsafeBuffer(new byte[32]);
        final UnsafeBuffer b = new UnsafeBuffer(new byte[40]);
        for (int i = 0; i < 13; i++)
        {
            a.putByte(i, (byte)(i * 7));
            b.putByte(i + 5, (byte)(i * 7));
        }
        assertEquals(KeyGroups.hash(a, 0, 13), KeyGroups.hash(b, 5, 13));
    }
}
