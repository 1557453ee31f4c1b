package io.weir.snapshot;

import java.nio.file.Path;

/**
 * Outcome of {@link SnapshotFileWriter#finish()}: what was published, durably.
 *
 * @param path       final (renamed) path of the file.
 * @param sizeBytes  length of the file in bytes; recorded in the manifest and checked on restore.
 * @param entryCount number of entries (puts and tombstones) written.
 * @param blockCount number of blocks written.
 * @param indexCrc   CRC32C of the index, as recorded in the footer.
 */
public record SnapshotFileResult(Path path, long sizeBytes, long entryCount, int blockCount, int indexCrc)
{
}
