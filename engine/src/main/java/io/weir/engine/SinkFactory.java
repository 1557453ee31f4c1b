package io.weir.engine;

/**
 * Creates one {@link SinkWriter} per shard and is told when the whole job has ended, so that it can publish
 * the output atomically (or discard it on failure). Called from the thread that builds and awaits the job.
 */
public interface SinkFactory<O> extends io.weir.api.connector.SinkFactory<O>
{
    @Override
    SinkWriter<O> createWriter(int shardId, int shards);
}
