package io.weir.state.changes;

import org.agrona.BitUtil;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.Arrays;

/**
 * Off-heap chunks kept from one use to the next (a snapshot's pre-images, an interval's delta log), so that the
 * records appended to them allocate nothing once the state has warmed up. Chunks are 64-byte aligned and at least
 * {@code chunkBytes}; a record larger than that gets a chunk of its own, a power of two that fits it.
 * <p>
 * Chunks are prepared by one thread; their memory is written by the thread that owns the structure at the time
 * (a delta log's dead-record bits are set by its reading thread). A chunk's view is never re-wrapped once handed out (a bigger chunk gets a new view), so
 * a reader that was handed a record's position by a happens-before edge reads it through the same view.
 */
public final class ReusedChunks
{
    private final int chunkBytes;
    private UnsafeBuffer[] chunks = new UnsafeBuffer[8];
    private int count;

    public ReusedChunks(final int chunkBytes)
    {
        this.chunkBytes = chunkBytes;
    }

    public UnsafeBuffer get(final int index)
    {
        return chunks[index];
    }

    /** Writer: chunk {@code index}, able to hold a record of {@code recordLength} at offset 0. */
    public UnsafeBuffer prepare(final int index, final int recordLength)
    {
        if (index >= chunks.length)
        {
            chunks = Arrays.copyOf(chunks, Math.max(index + 1, chunks.length * 2));
        }
        if (index >= count || chunks[index].capacity() < recordLength)
        {
            // Reused chunks stay; only a record larger than a chunk replaces one with a bigger buffer.
            chunks[index] = new UnsafeBuffer(BufferUtil.allocateDirectAligned(
                BitUtil.findNextPositivePowerOfTwo(Math.max(chunkBytes, recordLength)), 64));
            count = Math.max(count, index + 1);
        }
        return chunks[index];
    }
}
