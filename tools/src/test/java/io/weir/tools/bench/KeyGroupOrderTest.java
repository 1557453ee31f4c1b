package io.weir.tools.bench;

import io.weir.engine.runtime.KeyGroups;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KeyGroupOrderTest
{
    @Test
    void shouldGiveEveryKeyOnceInEachShardsStoreOrderInterleavingTheShards()
    {
        final long keys = 100_003;
        final int maxParallelism = 128;
        final int shards = 3;
        // A small window: many passes, each of a few key groups.
        final List<Long> order = new ArrayList<>();
        KeyGroupOrder.forEach(keys, maxParallelism, shards, 5_000, order::add);

        assertEquals(keys, order.size());
        final BitSet seen = new BitSet();
        final long[] lastCompositeOfShard = new long[shards];
        java.util.Arrays.fill(lastCompositeOfShard, -1);
        final BitSet shardsEarly = new BitSet();
        final UnsafeBuffer keyBytes = new UnsafeBuffer(new byte[Long.BYTES]);
        for (int i = 0; i < order.size(); i++)
        {
            final long key = order.get(i);
            assertFalse(seen.get((int)key), "key " + key + " given twice");
            seen.set((int)key);
            keyBytes.putLong(0, key, ByteOrder.BIG_ENDIAN);
            final int group = KeyGroups.keyGroup(keyBytes, 0, Long.BYTES, maxParallelism);
            final int shard = KeyGroups.shardForKeyGroup(group, maxParallelism, shards);
            // The store's order: the big-endian key group first, then the big-endian key.
            final long composite = ((long)group << 40) | key;
            assertTrue(composite > lastCompositeOfShard[shard], "shard " + shard + " got key " + key + " (group " +
                group + ") after a larger composite key, at position " + i);
            lastCompositeOfShard[shard] = composite;
            if (i < 3 * keys / maxParallelism * 3 / 2) // about one key group per shard, and half again
            {
                shardsEarly.set(shard);
            }
        }
        assertEquals(shards, shardsEarly.cardinality(), "every shard is fed from the start");
    }
}
