package io.weir.engine;

import io.weir.engine.checkpoint.CheckpointStats;
import io.weir.engine.runtime.ShardAgent;
import io.weir.engine.runtime.checkpoint.CheckpointCoordinator;
import org.agrona.concurrent.AgentTerminationException;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Steps a job's shards and checkpoint coordinator (when it takes checkpoints) on the test thread, for as long as a
 * condition takes.
 */
final class JobStepper
{
    private final WeirJob<?, ?> job;
    private final CheckpointCoordinator coordinator;
    private final boolean[] stopped;
    private final List<String> log;

    JobStepper(final WeirJob<?, ?> job, final List<String> log)
    {
        this.job = job;
        this.log = log;
        this.coordinator = job.coordinator();
        this.stopped = new boolean[job.shards().size()];
        for (final ShardAgent shard : job.shards())
        {
            shard.open();
        }
        if (coordinator != null)
        {
            coordinator.onStart();
        }
    }

    void step()
    {
        if (coordinator != null)
        {
            coordinator.doWork();
        }
        for (int i = 0; i < stopped.length; i++)
        {
            if (!stopped[i])
            {
                try
                {
                    job.shards().get(i).doWork();
                }
                catch (final AgentTerminationException ex)
                {
                    if (ex.getCause() != null)
                    {
                        throw ex;
                    }
                    stopped[i] = true;
                }
            }
        }
    }

    void stepUntil(final BooleanSupplier condition, final String what)
    {
        for (int i = 0; i < 100_000 && !condition.getAsBoolean(); i++)
        {
            step();
        }
        assertTrue(condition.getAsBoolean(), what + " after 100,000 steps; log: " + log);
    }

    /** Trigger a checkpoint and step until it completes; the given producers inject its barrier. */
    CheckpointStats checkpoint(final CompletableFuture<CheckpointStats> future, final Producer<?>... producers)
    {
        stepUntil(() -> coordinator.barrierRequest() != 0 || future.isDone(), "the checkpoint was triggered");
        for (final Producer<?> producer : producers)
        {
            assertTrue(producer.tryInjectRequestedBarrier());
        }
        stepUntil(future::isDone, "the checkpoint is done");
        return future.join();
    }
}
