package io.weir.snapshot;

import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The off-heap buffers a {@link SnapshotFileWriter} writes through (a staging buffer and a block buffer per key
 * group), kept for the next file written with them.
 * <p>
 * Why. Each checkpoint, a shard's state file allocated its buffers afresh: 32 key groups of 64 KiB is 2 MiB a
 * second per shard of direct memory, freed only once a GC collects the writer. After warm-up no GC comes, so direct
 * memory grows until {@code -XX:MaxDirectMemorySize} forces a full collection, a pause in the middle of the job.
 * <p>
 * Threads. One writer at a time holds the buffers: {@link SnapshotFileWriter#open(java.nio.file.Path,
 * SnapshotHeader, SnapshotFileBuffers)} claims them (from one thread: the one opening files) and the writer gives
 * them back when it is finished or closed, on whichever thread does that. The volatile release orders the last
 * use before the next claim.
 */
public final class SnapshotFileBuffers
{
    private final int blockSizeBytes;
    private final int stagingBytes;
    private final AtomicBoolean claimed = new AtomicBoolean();
    private ByteBuffer staging;
    private UnsafeBuffer[] blocks = new UnsafeBuffer[0];

    /**
     * @param blockSizeBytes payload size at which a key group's block is flushed, at least 64 bytes.
     * @param stagingBytes   bytes gathered before each write to the file, at least 64.
     */
    public SnapshotFileBuffers(final int blockSizeBytes, final int stagingBytes)
    {
        SnapshotFileWriter.checkSizes(blockSizeBytes, stagingBytes);
        this.blockSizeBytes = blockSizeBytes;
        this.stagingBytes = stagingBytes;
    }

    public int blockSizeBytes()
    {
        return blockSizeBytes;
    }

    public int stagingBytes()
    {
        return stagingBytes;
    }

    /** Whether a writer holds the buffers (it has been opened with them, and not yet finished or closed). */
    public boolean isClaimed()
    {
        return claimed.get();
    }

    /** Claim for a file of {@code keyGroupCount} key groups, allocating what earlier files did not need. */
    void claim(final int keyGroupCount)
    {
        if (!claimed.compareAndSet(false, true))
        {
            throw new IllegalStateException(
                "snapshot file buffers are still held by an open writer: finish or close it before opening another");
        }
        if (null == staging)
        {
            staging = ByteBuffer.allocateDirect(stagingBytes);
        }
        staging.clear();
        if (blocks.length < keyGroupCount)
        {
            blocks = Arrays.copyOf(blocks, keyGroupCount);
        }
        for (int i = 0; i < keyGroupCount; i++)
        {
            if (null == blocks[i])
            {
                blocks[i] = new UnsafeBuffer(ByteBuffer.allocateDirect(blockSizeBytes));
            }
        }
    }

    ByteBuffer staging()
    {
        return staging;
    }

    /** At least as many block buffers as key groups claimed for, each allocated. */
    UnsafeBuffer[] blocks()
    {
        return blocks;
    }

    void release()
    {
        claimed.set(false);
    }
}
