package io.weir.api.connector;

/**
 * Creates one {@link SinkWriter} per thread (shard) and is told when the whole job has ended, so that it can
 * publish the output atomically (or discard it on failure). Called from the thread that builds and awaits the job.
 */
public interface SinkFactory<O>
{
    SinkWriter<O> createWriter(int shardId, int shards);

    /** Every shard finished its input and closed its writer. */
    default void onJobSucceeded()
    {
    }

    /** The job failed or was closed before the end of its input; writers are closed. */
    default void onJobFailed()
    {
    }
}
