package io.weir.engine;

/**
 * Creates one {@link io.weir.api.connector.SinkWriter} per shard and is told when the whole job has ended, so that
 * it can publish the output atomically (or discard it on failure). Called from the thread that builds and awaits
 * the job. Its writers may be {@link SinkWriter}s or {@link io.weir.api.connector.TransactionalSinkWriter}s.
 */
public interface SinkFactory<O> extends io.weir.api.connector.SinkFactory<O>
{
}
