package io.weir.engine;

/**
 * Receives a job's results in-process, on the shard thread that produced them: the lowest-latency way out of
 * the engine. It must not block, and must copy what it keeps (values may be reused after the call).
 */
@FunctionalInterface
public interface ResultHandler<O>
{
    void onResult(int shardId, O value);
}
