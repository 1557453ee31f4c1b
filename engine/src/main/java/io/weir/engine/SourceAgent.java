package io.weir.engine;

import io.weir.engine.checkpoint.CheckpointCoordinator;
import io.weir.engine.checkpoint.SourceBarrierAck;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentTerminationException;

/**
 * Drives a {@link SourceReader} on its own thread: offers elements to its {@link Producer} in batches, holds an
 * element that met back-pressure until its ring has room (nothing is dropped), and ends the input.
 */
final class SourceAgent<I> implements Agent
{
    private final SourceReader<I> reader;
    private final Producer<I> producer;
    private final JobStatus status;
    private final int batchSize;
    private final CheckpointCoordinator coordinator;
    private final boolean[] barrierDelivered;
    private long injectingBarrierId = -1;
    private int injectingFlags;
    private long lastBarrierId;
    private boolean pending;
    private boolean exhausted;
    private boolean stopped;

    SourceAgent(
        final SourceReader<I> reader,
        final Producer<I> producer,
        final JobStatus status,
        final int batchSize,
        final CheckpointCoordinator coordinator)
    {
        this.reader = reader;
        this.producer = producer;
        this.status = status;
        this.batchSize = batchSize;
        this.coordinator = coordinator;
        this.barrierDelivered = new boolean[producer.shards()];
    }

    /** Resume the input after a checkpoint (before the thread starts). */
    void restore(final long position, final long line, final long maxTimestamp, final long watermark) throws Exception
    {
        reader.seek(position, line);
        producer.restoreWatermarkState(maxTimestamp, watermark);
    }

    public String roleName()
    {
        return "weir-source-" + producer.producerIndex();
    }

    public int doWork()
    {
        if (status.isAborting())
        {
            throw new AgentTerminationException();
        }
        try
        {
            if (stopped)
            {
                return 0;
            }
            if (exhausted)
            {
                if (producer.tryEndOfInput())
                {
                    if (coordinator != null)
                    {
                        coordinator.onProducerEnded(producer.producerIndex());
                    }
                    throw new AgentTerminationException();
                }
                return 0;
            }
            if (coordinator != null && !pending && injectBarrier())
            {
                return 1;
            }
            int work = 0;
            while (work < batchSize)
            {
                if (!pending)
                {
                    if (!reader.next())
                    {
                        exhausted = true;
                        return work + 1;
                    }
                    pending = true;
                }
                if (!producer.tryOffer(reader.current()))
                {
                    producer.tryFlushWatermarks();
                    break;
                }
                pending = false;
                work++;
            }
            return work;
        }
        catch (final AgentTerminationException ex)
        {
            throw ex;
        }
        catch (final Throwable ex)
        {
            status.fail(ex);
            throw new AgentTerminationException(ex);
        }
    }

    /**
     * Inject a requested barrier at an element boundary: every element read so far has been accepted, so
     * {@code reader.position()} is exactly where a restore resumes.
     *
     * @return true while a barrier is being injected (elements wait behind it).
     */
    private boolean injectBarrier()
    {
        if (injectingBarrierId < 0)
        {
            final long request = coordinator.barrierRequest();
            final long checkpointId = request >>> 8;
            if (request == 0 || checkpointId <= lastBarrierId)
            {
                return false;
            }
            injectingBarrierId = checkpointId;
            injectingFlags = (int)(request & 0xFF);
            java.util.Arrays.fill(barrierDelivered, false);
        }
        final int flags = injectingFlags;
        if (!producer.tryBarrier(injectingBarrierId, flags, barrierDelivered))
        {
            return true;
        }
        coordinator.onSourceBarrier(new SourceBarrierAck(injectingBarrierId, producer.producerIndex(), reader.name(),
            reader.position(), reader.line(), producer.maxTimestamp(), producer.watermark()));
        lastBarrierId = injectingBarrierId;
        injectingBarrierId = -1;
        if ((flags & RecordDescriptor.BARRIER_FLAG_STOP) != 0)
        {
            stopped = true;
        }
        return true;
    }

    public void onClose()
    {
        try
        {
            reader.close();
        }
        catch (final Exception ex)
        {
            status.fail(ex);
        }
    }
}
