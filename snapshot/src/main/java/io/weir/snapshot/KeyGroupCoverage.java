package io.weir.snapshot;

import java.util.Arrays;
import java.util.List;

/**
 * Whether a checkpoint's shards tile its key groups: each operator's instances hold every key group of
 * {@code [0, maxParallelism)} once. A checkpoint that does not would restore some keys' state twice or not at all.
 * Stateless: any thread.
 */
public final class KeyGroupCoverage
{
    private KeyGroupCoverage()
    {
    }

    /**
     * Adds to {@code problems} a line for each key group range of an operator among {@code operators} that no shard
     * or two shards hold (every shard of the manifest, if it names no operator).
     *
     * @param manifestPath where the manifest is, to begin each line with.
     */
    public static void check(
        final String manifestPath, final CheckpointManifest manifest, final List<String> operators,
        final List<String> problems)
    {
        for (final String uid : operators)
        {
            final String where = manifestPath + (uid.isEmpty() ? "" : ": operator '" + uid + "'");
            check(where, manifest.forOperator(uid), problems);
        }
        if (manifest.operators().isEmpty())
        {
            check(manifestPath, manifest, problems);
        }
    }

    private static void check(final String where, final CheckpointManifest manifest, final List<String> problems)
    {
        final int maxParallelism = manifest.maxParallelism();
        final int[] owner = new int[maxParallelism];
        Arrays.fill(owner, -1);
        for (final CheckpointManifest.ShardState shard : manifest.shards())
        {
            if (shard.lastKeyGroup() >= maxParallelism)
            {
                problems.add(where + ": shard " + shard.shardId() + " key groups [" + shard.firstKeyGroup() + ", " +
                    shard.lastKeyGroup() + "] exceed maxParallelism " + maxParallelism);
            }
            for (int g = shard.firstKeyGroup(); g <= Math.min(shard.lastKeyGroup(), maxParallelism - 1); g++)
            {
                if (owner[g] >= 0)
                {
                    problems.add(where + ": key group " + g + " belongs to both shard " + owner[g] + " and shard " +
                        shard.shardId());
                    break;
                }
                owner[g] = shard.shardId();
            }
        }
        for (int g = 0; g < maxParallelism; g++)
        {
            if (owner[g] < 0)
            {
                int last = g;
                while (last + 1 < maxParallelism && owner[last + 1] < 0)
                {
                    last++;
                }
                problems.add(where + ": key groups [" + g + ", " + last + "] belong to no shard");
                g = last;
            }
        }
    }
}
