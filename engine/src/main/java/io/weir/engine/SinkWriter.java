package io.weir.engine;

/**
 * One shard's end of a sink: the runtime's name for {@link io.weir.api.connector.SinkWriter}, which sinks written
 * against the API implement.
 */
public interface SinkWriter<O> extends io.weir.api.connector.SinkWriter<O>
{
}
