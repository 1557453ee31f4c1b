package io.weir.engine;

import io.weir.engine.runtime.EncodedLengths;
import io.weir.api.codec.Codec;
import org.agrona.BitUtil;
import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.nio.ByteBuffer;

/**
 * Results delivered to ONE application thread through a many-to-one ring: every shard encodes its results into
 * it, and the application polls them from its own thread, decoded into one reused instance. When the ring is
 * full a shard waits (idling with the given strategy) until the application has polled: back-pressure reaches
 * the producers instead of results being dropped.
 * <p>
 * Use {@link #sink()} as the job's sink; call {@link #poll} from the one consuming thread; {@link #close()} after
 * the job is closed.
 */
public final class OutputRing<O> implements AutoCloseable
{
    private static final int RESULT_MSG_TYPE = 1;

    private final ByteBuffer memory;
    private final ManyToOneRingBuffer ring;
    private final Codec<O> codec;
    private final java.util.function.Supplier<IdleStrategy> shardIdleStrategy;
    private final MessageHandler decoder = this::onMessage;
    private ResultHandler<O> pollHandler;
    private O reusable;

    public OutputRing(
        final int capacityBytes, final Codec<O> codec, final java.util.function.Supplier<IdleStrategy> idleStrategy)
    {
        if (!BitUtil.isPowerOfTwo(capacityBytes))
        {
            throw new IllegalArgumentException("output ring capacity must be a power of two: " + capacityBytes);
        }
        this.memory = ByteBuffer.allocateDirect(capacityBytes + RingBufferDescriptor.TRAILER_LENGTH);
        this.ring = new ManyToOneRingBuffer(new UnsafeBuffer(memory));
        this.codec = codec;
        this.shardIdleStrategy = idleStrategy;
    }

    /** The job's sink: each shard writes into this ring. */
    public SinkFactory<O> sink()
    {
        return (shardId, shards) -> new Writer(shardId, shardIdleStrategy.get());
    }

    /**
     * Deliver up to {@code limit} results to {@code handler} on the calling thread (the one consumer).
     *
     * @return number of results delivered.
     */
    public int poll(final ResultHandler<O> handler, final int limit)
    {
        pollHandler = handler;
        return ring.read(decoder, limit);
    }

    private void onMessage(final int msgTypeId, final DirectBuffer buffer, final int index, final int length)
    {
        final int shardId = buffer.getInt(index);
        reusable = codec.decode(buffer, index + Integer.BYTES, length - Integer.BYTES, reusable);
        pollHandler.onResult(shardId, reusable);
    }

    public void close()
    {
        BufferUtil.free(memory);
    }

    private final class Writer implements SinkWriter<O>
    {
        private final int shardId;
        private final IdleStrategy idleStrategy;

        Writer(final int shardId, final IdleStrategy idleStrategy)
        {
            this.shardId = shardId;
            this.idleStrategy = idleStrategy;
        }

        public void collect(final O value)
        {
            final int valueLength = codec.encodedLength(value);
            final int length = Integer.BYTES + valueLength;
            idleStrategy.reset();
            int index;
            while ((index = ring.tryClaim(RESULT_MSG_TYPE, length)) < 0)
            {
                idleStrategy.idle();
            }
            final org.agrona.concurrent.AtomicBuffer buffer = ring.buffer();
            buffer.putInt(index, shardId);
            try
            {
                EncodedLengths.check(codec, valueLength, codec.encode(value, buffer, index + Integer.BYTES));
            }
            catch (final RuntimeException ex)
            {
                ring.abort(index);
                throw ex;
            }
            ring.commit(index);
        }

        public void close()
        {
        }
    }
}
