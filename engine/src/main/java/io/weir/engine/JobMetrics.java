package io.weir.engine;

import io.weir.engine.runtime.ShardAgent;
import io.weir.engine.runtime.checkpoint.CheckpointCoordinator;
import io.weir.engine.counters.JobCounters;

import java.util.ArrayList;
import java.util.List;

/**
 * Connects a job's runtime to its {@link JobCounters}: wraps the shards' sink writers to count their output,
 * and, when the job starts, creates the counters and hands each shard, producer and the checkpoint thread its
 * own. Called by the thread that builds, starts and closes the job.
 */
final class JobMetrics implements AutoCloseable
{
    private final String jobName;
    private final WeirContext context;
    /** Per shard, its counting writers; empty when counters are off. */
    private final List<List<CountingSinkWriter<?>>> outputs = new ArrayList<>();
    private final List<Producer<?>> producers = new ArrayList<>();
    /** The operators' uids, in stage order. */
    private List<String> operators = List.of();
    private JobCounters counters;

    JobMetrics(final String jobName, final WeirContext context)
    {
        this.jobName = jobName;
        this.context = context;
        for (int s = 0; s < context.shards(); s++)
        {
            outputs.add(new ArrayList<>());
        }
    }

    /** The writer shard {@code shardId} should use: one that counts into its events-out counter. */
    <O> io.weir.api.connector.SinkWriter<O> countOutput(
        final int shardId, final io.weir.api.connector.SinkWriter<O> writer)
    {
        if (!context.countersEnabled())
        {
            return writer;
        }
        final CountingSinkWriter<O> counting = CountingSinkWriter.wrap(writer);
        outputs.get(shardId).add(counting);
        return counting;
    }

    /** The uids of the job's operators (stages), in stage order; before {@link #open}. */
    void operators(final List<String> uids)
    {
        operators = List.copyOf(uids);
    }

    /** Producers in index order, source producers and external ones alike. */
    void addProducer(final Producer<?> producer)
    {
        producers.add(producer);
    }

    /**
     * Create the counters file, have its MBean registered once the platform MBean server exists (the job neither makes
     * it nor waits for it) and bind every writer to its counters. Before any job thread starts.
     *
     * @param coordinator null without checkpoints.
     */
    void open(final List<ShardAgent> shards, final CheckpointCoordinator coordinator,
        final boolean restored)
    {
        if (!context.countersEnabled())
        {
            return;
        }
        counters = JobCounters.create(
            context.countersDirectory(), jobName, shards.size(), producers.size(), operators, context.log());
        try
        {
            counters.registerMBeanOnceServerExists(context.log());
        }
        catch (final RuntimeException ex)
        {
            try
            {
                counters.close();
            }
            catch (final RuntimeException closing)
            {
                ex.addSuppressed(closing);
            }
            finally
            {
                counters = null;
            }
            throw ex;
        }
        for (final ShardAgent shard : shards)
        {
            shard.counters(counters.shard(shard.shardId()), counters.operators(shard.shardId()));
            for (final CountingSinkWriter<?> output : outputs.get(shard.shardId()))
            {
                output.bind(counters.shard(shard.shardId()).eventsOut());
            }
        }
        for (int p = 0; p < producers.size(); p++)
        {
            producers.get(p).counters(counters.producer(p));
        }
        if (null != coordinator)
        {
            coordinator.counters(counters.checkpoints());
        }
        if (restored)
        {
            counters.checkpoints().onRestored();
        }
    }

    /** The job's counters, or null before start or when they are off. */
    JobCounters counters()
    {
        return counters;
    }

    /** Remove the counters file and MBean. After every job thread stopped. */
    public void close()
    {
        if (null != counters)
        {
            counters.close();
        }
    }
}
