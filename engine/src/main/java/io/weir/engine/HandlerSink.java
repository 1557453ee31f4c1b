package io.weir.engine;

/** Hands every result to a {@link ResultHandler} on the shard thread. Immutable; one writer per shard. */
public final class HandlerSink<O> implements SinkFactory<O>
{
    private final ResultHandler<O> handler;

    public HandlerSink(final ResultHandler<O> handler)
    {
        this.handler = handler;
    }

    public SinkWriter<O> createWriter(final int shardId, final int shards)
    {
        return new SinkWriter<>()
        {
            public void collect(final O value)
            {
                handler.onResult(shardId, value);
            }

            public void close()
            {
            }
        };
    }
}
