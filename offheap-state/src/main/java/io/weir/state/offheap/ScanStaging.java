package io.weir.state.offheap;

import org.agrona.BitUtil;
import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.OneToOneConcurrentArrayQueue;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The entries of a full snapshot scan, copied by the shard segment by segment and read by the checkpoint thread:
 * so that only the shard ever holds a segment lock (see {@link ChronicleStoreSnapshot#captureByOwner()}).
 * <p>
 * Records {@code [key length i32][value length i32][key][value]} fill off-heap chunks of {@value #CHUNK_BYTES} bytes
 * (a record never spans two; a larger one gets a chunk of its own); a chunk's first {@value #HEADER_BYTES} bytes
 * hold the length of its records. The shard publishes a filled chunk on a single-producer queue and takes empty ones
 * back from another: at most {@value #MAX_CHUNKS} regular chunks exist, which bounds how far the shard copies ahead
 * of the writer, and they are kept from one full snapshot to the next (the store reuses this object), so a scan
 * allocates nothing once the first one has run.
 * <p>
 * Threads: {@link #append}, {@link #publish}, {@link #finish} and {@link #abandon} on the shard; {@link #poll},
 * {@link #recycle}, {@link #isFinished} and {@link #isAbandoned} on the reading thread; {@link #reset} on the shard
 * once the reader released the snapshot (each queue has one producer and one consumer at a time: the release, a
 * volatile write read by the shard, orders the reader's last accesses before the shard's). The queues order a
 * chunk's bytes before the other thread's accesses.
 */
final class ScanStaging
{
    static final int CHUNK_BYTES = 1 << 20;
    static final int MAX_CHUNKS = 8;
    static final int HEADER_BYTES = 8;
    static final int RECORD_HEADER_BYTES = 8;

    private final OneToOneConcurrentArrayQueue<UnsafeBuffer> filled = new OneToOneConcurrentArrayQueue<>(64);
    private final OneToOneConcurrentArrayQueue<UnsafeBuffer> empty = new OneToOneConcurrentArrayQueue<>(64);
    private int regularChunks;
    private UnsafeBuffer current;
    private int currentOffset;
    private volatile boolean finished;
    private volatile boolean abandoned;

    /**
     * Shard: append the record of {@code length} bytes at {@code offset} of {@code src} (already laid out as above).
     *
     * @return false when no chunk has room and none is free: the reader has not caught up; try again later.
     */
    boolean append(final DirectBuffer src, final int offset, final int length)
    {
        if (null != current && currentOffset + length > current.capacity())
        {
            if (currentOffset > HEADER_BYTES)
            {
                if (!publish())
                {
                    return false;
                }
            }
            else
            {
                recycle(current); // empty, and too small for this record
                current = null;
            }
        }
        if (null == current && !takeChunk(length))
        {
            return false;
        }
        current.putBytes(currentOffset, src, offset, length);
        currentOffset += length;
        return true;
    }

    /** Shard: hand the current chunk to the reader. False when the queue is full (only with many large records). */
    boolean publish()
    {
        if (null == current || currentOffset == HEADER_BYTES)
        {
            return true;
        }
        current.putInt(0, currentOffset - HEADER_BYTES);
        if (!filled.offer(current))
        {
            return false;
        }
        current = null;
        return true;
    }

    /** Shard: everything is copied; publishes the last chunk. False when it could not be published yet. */
    boolean finish()
    {
        if (!publish())
        {
            return false;
        }
        finished = true;
        return true;
    }

    /** Shard: it stops before the copy is complete. */
    void abandon()
    {
        abandoned = true;
    }

    /** Reader: the next filled chunk (its records' length at offset 0), or null. */
    UnsafeBuffer poll()
    {
        return filled.poll();
    }

    /** Reader: done with a chunk from {@link #poll}. */
    void recycle(final UnsafeBuffer chunk)
    {
        if (chunk.capacity() == CHUNK_BYTES)
        {
            empty.offer(chunk);
        }
    }

    boolean isFinished()
    {
        return finished;
    }

    boolean isAbandoned()
    {
        return abandoned;
    }

    /** Shard, when the reader released the snapshot: every chunk is free again. */
    void reset()
    {
        for (UnsafeBuffer chunk; null != (chunk = filled.poll()); )
        {
            recycle(chunk);
        }
        if (null != current)
        {
            recycle(current);
            current = null;
        }
        finished = false;
        abandoned = false;
    }

    private boolean takeChunk(final int recordLength)
    {
        final int needed = HEADER_BYTES + recordLength;
        UnsafeBuffer chunk = null;
        if (needed > CHUNK_BYTES)
        {
            chunk = new UnsafeBuffer(BufferUtil.allocateDirectAligned(BitUtil.findNextPositivePowerOfTwo(needed), 64));
        }
        else
        {
            chunk = empty.poll();
            if (null == chunk)
            {
                if (regularChunks == MAX_CHUNKS)
                {
                    return false;
                }
                chunk = new UnsafeBuffer(BufferUtil.allocateDirectAligned(CHUNK_BYTES, 64));
                regularChunks++;
            }
        }
        current = chunk;
        currentOffset = HEADER_BYTES;
        return true;
    }
}
