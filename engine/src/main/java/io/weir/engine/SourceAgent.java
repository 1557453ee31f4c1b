package io.weir.engine;

import io.weir.engine.runtime.JobStatus;
import io.weir.engine.runtime.checkpoint.CheckpointCoordinator;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentTerminationException;

/**
 * Drives a {@link SourceReader} on its own thread: offers each element to its {@link Producer}s in batches, holds an
 * element that met back-pressure until its ring has room (nothing is dropped), and ends the input.
 * <p>
 * A source whose branches go into several keyed inputs has one producer per branch (route), each with its own map
 * and filter operators and rings: every element is offered to every route in route order, and every barrier goes
 * into every route at the same element boundary, so that a checkpoint cuts all routes at one reader position.
 */
final class SourceAgent<I> implements Agent
{
    private final io.weir.api.connector.SourceReader<I> reader;
    private Producer<I>[] producers;
    private final JobStatus status;
    private final int batchSize;
    private final CheckpointCoordinator coordinator;
    /** The first route that has not yet accepted the current element; 0 when no element is pending. */
    private int pendingRoute;
    private boolean pending;
    private boolean exhausted;
    /** Set once every shard has opened; until then nothing is read (see {@link JobStatus#shardsOpen}). Source thread. */
    private boolean shardsOpen;

    @SuppressWarnings("unchecked")
    SourceAgent(
        final io.weir.api.connector.SourceReader<I> reader,
        final Producer<I> producer,
        final JobStatus status,
        final int batchSize,
        final CheckpointCoordinator coordinator)
    {
        this.reader = reader;
        this.producers = new Producer[] {producer};
        this.status = status;
        this.batchSize = batchSize;
        this.coordinator = coordinator;
        if (coordinator != null)
        {
            producer.injectBarriersFor(coordinator);
        }
    }

    /**
     * Add the producer of another route of this reader's elements; on the wiring thread, before the start.
     *
     * @return the route's index.
     */
    int addRoute(final Producer<I> producer)
    {
        producers = java.util.Arrays.copyOf(producers, producers.length + 1);
        producers[producers.length - 1] = producer;
        if (coordinator != null)
        {
            producer.injectBarriersFor(coordinator);
        }
        return producers.length - 1;
    }

    /**
     * Resume route {@code route} after a checkpoint (before the thread starts): the first route's position moves
     * the reader, every route's watermark state its producer.
     */
    void restore(final int route, final long position, final long line, final long maxTimestamp, final long watermark)
        throws Exception
    {
        if (route == 0)
        {
            reader.seek(position, line);
        }
        producers[route].restoreWatermarkState(maxTimestamp, watermark);
    }

    /** The producer of route {@code route}; for tests that step the agents by hand. */
    Producer<I> producer(final int route)
    {
        return producers[route];
    }

    public String roleName()
    {
        return "weir-source-" + producers[0].producerIndex();
    }

    public int doWork()
    {
        if (status.isAborting())
        {
            throw new AgentTerminationException();
        }
        try
        {
            if (!shardsOpen && !(shardsOpen = status.shardsOpen()))
            {
                return 0;
            }
            if (isStopRequested())
            {
                // Stop with savepoint: nothing more is read after the savepoint's barrier.
                throw new AgentTerminationException();
            }
            if (exhausted)
            {
                if (tryEndOfInput())
                {
                    throw new AgentTerminationException();
                }
                return 0;
            }
            // A barrier goes in at an element boundary: every element read so far has been accepted, so
            // reader.position() is exactly where a restore resumes.
            if (!pending && !tryInjectRequestedBarriers())
            {
                return 1;
            }
            if (isStopRequested())
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
                if (!tryOffer(reader.current()))
                {
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

    /** Offer the element to the routes that have not taken it yet; false when one is held back (retry later). */
    private boolean tryOffer(final I element)
    {
        for (int route = pendingRoute; route < producers.length; route++)
        {
            if (!producers[route].tryOffer(element))
            {
                pendingRoute = route;
                producers[route].tryFlushWatermarks();
                return false;
            }
        }
        pendingRoute = 0;
        return true;
    }

    /**
     * True when no route has a barrier pending and all have injected the same ones: a route that has not yet (a full
     * ring, or a request that arrived between two routes' looks) is retried before any further element is read.
     */
    private boolean tryInjectRequestedBarriers()
    {
        boolean injected = true;
        for (final Producer<I> producer : producers)
        {
            injected &= producer.tryInjectRequestedBarrier(reader.name(), reader.position(), reader.line());
        }
        for (int route = 1; injected && route < producers.length; route++)
        {
            injected = producers[route].lastBarrierId() == producers[0].lastBarrierId();
        }
        return injected;
    }

    /** True once every route injected a stop-with-savepoint barrier: until then, the rest are owed theirs. */
    private boolean isStopRequested()
    {
        for (final Producer<I> producer : producers)
        {
            if (!producer.isStopRequested())
            {
                return false;
            }
        }
        return true;
    }

    private boolean tryEndOfInput()
    {
        boolean ended = true;
        for (final Producer<I> producer : producers)
        {
            ended &= producer.tryEndOfInput(reader.name(), reader.position(), reader.line());
        }
        return ended;
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
