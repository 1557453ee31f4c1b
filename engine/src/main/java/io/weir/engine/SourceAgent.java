package io.weir.engine;

import io.weir.engine.runtime.JobStatus;
import io.weir.engine.runtime.checkpoint.CheckpointCoordinator;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentTerminationException;

/**
 * Drives a {@link SourceReader} on its own thread: offers elements to its {@link Producer} in batches, holds an
 * element that met back-pressure until its ring has room (nothing is dropped), and ends the input.
 */
final class SourceAgent<I> implements Agent
{
    private final io.weir.api.connector.SourceReader<I> reader;
    private final Producer<I> producer;
    private final JobStatus status;
    private final int batchSize;
    private boolean pending;
    private boolean exhausted;

    SourceAgent(
        final io.weir.api.connector.SourceReader<I> reader,
        final Producer<I> producer,
        final JobStatus status,
        final int batchSize,
        final CheckpointCoordinator coordinator)
    {
        this.reader = reader;
        this.producer = producer;
        this.status = status;
        this.batchSize = batchSize;
        if (coordinator != null)
        {
            producer.injectBarriersFor(coordinator);
        }
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
            if (producer.isStopRequested())
            {
                // Stop with savepoint: nothing more is read after the savepoint's barrier.
                throw new AgentTerminationException();
            }
            if (exhausted)
            {
                if (producer.tryEndOfInput(reader.name(), reader.position(), reader.line()))
                {
                    throw new AgentTerminationException();
                }
                return 0;
            }
            // A barrier goes in at an element boundary: every element read so far has been accepted, so
            // reader.position() is exactly where a restore resumes.
            if (!pending && !producer.tryInjectRequestedBarrier(reader.name(), reader.position(), reader.line()))
            {
                return 1;
            }
            if (producer.isStopRequested())
            {
                // The barrier just injected stops the job: nothing after it is read.
                throw new AgentTerminationException();
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
        catch (final IllegalStateException ex)
        {
            if (status.isAborting() && status.failure() == null)
            {
                // The job was closed while this thread offered: the producer refused the element; no failure.
                throw new AgentTerminationException();
            }
            status.fail(ex);
            throw new AgentTerminationException(ex);
        }
        catch (final Throwable ex)
        {
            status.fail(ex);
            throw new AgentTerminationException(ex);
        }
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
