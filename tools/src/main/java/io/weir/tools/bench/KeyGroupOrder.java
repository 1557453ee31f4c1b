package io.weir.tools.bench;

import io.weir.engine.runtime.KeyGroups;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.function.LongConsumer;

/**
 * The keys {@code 0..K-1} of the bench's prefill in the order a sorted store keeps them: each shard's key groups in
 * ascending order, and the keys of a group ascending (a composite key starts with the big-endian key group and ends
 * with the big-endian long key), so a B-tree store loads them as appends. The shards' groups are interleaved, so
 * every shard is fed at once.
 * <p>
 * Why: keys {@code 0..K-1} in numeric order reach the store in the random order of the key-group hash. Measured with
 * LMDB at 50M keys, a random-order load ran at 60-130k puts/s and left leaf pages about 70% full; an ordered one ran
 * at 300-800k puts/s and left them full (1.95 GB).
 * <p>
 * The keys are found in passes over {@code 0..K-1}, a window of key groups at a time, so at most about
 * {@link #WINDOW_KEYS} keys are held. Keys of {@code 2^40} and more are given in numeric order. Producer thread only.
 */
final class KeyGroupOrder
{
    /** Keys held per pass (8 bytes each). */
    static final int WINDOW_KEYS = 4 << 20;
    private static final int KEY_BITS = 40;
    private static final long KEY_MASK = (1L << KEY_BITS) - 1;

    private KeyGroupOrder()
    {
    }

    /**
     * Calls {@code consumer} with every key of {@code 0..keys-1} once, in key-group order.
     *
     * @param maxParallelism the job's number of key groups.
     * @param shards         the job's shards.
     */
    static void forEach(final long keys, final int maxParallelism, final int shards, final LongConsumer consumer)
    {
        forEach(keys, maxParallelism, shards, WINDOW_KEYS, consumer);
    }

    /** {@link #forEach(long, int, int, LongConsumer)} holding about {@code windowKeys} keys per pass. */
    static void forEach(
        final long keys, final int maxParallelism, final int shards, final int windowKeys, final LongConsumer consumer)
    {
        if (keys > KEY_MASK)
        {
            for (long k = 0; k < keys; k++)
            {
                consumer.accept(k);
            }
            return;
        }
        final int[] rankOfGroup = interleavedRanks(maxParallelism, shards);
        final UnsafeBuffer keyBytes = new UnsafeBuffer(new byte[Long.BYTES]);
        final int ranksPerPass = (int)Math.max(1, Math.min(maxParallelism, windowKeys * (long)maxParallelism / keys));
        long[] window = new long[(int)Math.min(keys, windowKeys) + 1024];
        for (int firstRank = 0; firstRank < maxParallelism; firstRank += ranksPerPass)
        {
            int count = 0;
            for (long k = 0; k < keys; k++)
            {
                keyBytes.putLong(0, k, ByteOrder.BIG_ENDIAN);
                final int rank = rankOfGroup[KeyGroups.keyGroup(keyBytes, 0, Long.BYTES, maxParallelism)] - firstRank;
                if (rank >= 0 && rank < ranksPerPass)
                {
                    if (count == window.length)
                    {
                        window = Arrays.copyOf(window, count + (count >> 1));
                    }
                    window[count++] = ((long)rank << KEY_BITS) | k;
                }
            }
            Arrays.sort(window, 0, count);
            for (int i = 0; i < count; i++)
            {
                consumer.accept(window[i] & KEY_MASK);
            }
        }
    }

    /** Rank of each key group: round-robin over the shards, each shard's groups ascending. */
    static int[] interleavedRanks(final int maxParallelism, final int shards)
    {
        final int[] rankOfGroup = new int[maxParallelism];
        int rank = 0;
        for (int offset = 0; rank < maxParallelism; offset++)
        {
            for (int shard = 0; shard < shards; shard++)
            {
                final int group = KeyGroups.firstKeyGroup(shard, maxParallelism, shards) + offset;
                final int end = shard + 1 == shards ? maxParallelism :
                    KeyGroups.firstKeyGroup(shard + 1, maxParallelism, shards);
                if (group < end)
                {
                    rankOfGroup[group] = rank++;
                }
            }
        }
        return rankOfGroup;
    }
}
