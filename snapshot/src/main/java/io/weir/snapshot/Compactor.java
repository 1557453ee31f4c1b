package io.weir.snapshot;

import java.nio.file.Path;
import java.util.List;

/**
 * Compacts a delta chain into a new FULL base holding exactly the resolved state, so later deltas can build on it
 * and the old chain can be retired. Called from the snapshot-writer thread or a tool.
 */
public final class Compactor
{
    private Compactor()
    {
    }

    /**
     * Compacts the chain with the default block size.
     *
     * @see #compact(ChainResolver, Path, long, long, int)
     */
    public static SnapshotFileResult compact(
        final List<Path> chain, final Path target, final long checkpointId, final long creationTimeMs)
    {
        try (ChainResolver resolver = ChainResolver.open(chain))
        {
            return compact(resolver, target, checkpointId, creationTimeMs, SnapshotFileDescriptor.DEFAULT_BLOCK_SIZE_BYTES);
        }
    }

    /**
     * Writes the resolved state of {@code resolver} as a FULL file with the chain's backend, shard and
     * key-group range, published atomically like any other snapshot file.
     *
     * @param resolver       chain to compact.
     * @param target         final path of the new FULL file.
     * @param checkpointId   of the new file.
     * @param creationTimeMs of the new file.
     * @param blockSizeBytes for the writer.
     * @return what was written.
     */
    public static SnapshotFileResult compact(
        final ChainResolver resolver,
        final Path target,
        final long checkpointId,
        final long creationTimeMs,
        final int blockSizeBytes)
    {
        final SnapshotHeader head = resolver.headHeader();
        final SnapshotHeader header = SnapshotHeader.full(head.backendName(), head.shardId(), head.firstKeyGroup(),
            head.lastKeyGroup(), head.maxParallelism(), checkpointId, creationTimeMs);
        try (SnapshotFileWriter writer = SnapshotFileWriter.open(target, header, blockSizeBytes))
        {
            resolver.forEach(writer::put);
            return writer.finish();
        }
    }
}
