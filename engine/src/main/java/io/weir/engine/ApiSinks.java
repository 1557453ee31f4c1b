package io.weir.engine;

/** Sinks written against the API ({@link io.weir.api.connector.SinkFactory}) as the runtime's {@link SinkFactory}. */
final class ApiSinks
{
    private ApiSinks()
    {
    }

    @SuppressWarnings("unchecked")
    static <O> SinkFactory<O> adapt(final io.weir.api.connector.SinkFactory<O> sink)
    {
        if (sink instanceof SinkFactory)
        {
            return (SinkFactory<O>)sink;
        }
        return new SinkFactory<>()
        {
            public SinkWriter<O> createWriter(final int shardId, final int shards)
            {
                final io.weir.api.connector.SinkWriter<O> writer = sink.createWriter(shardId, shards);
                return new SinkWriter<>()
                {
                    public void collect(final O value)
                    {
                        writer.collect(value);
                    }

                    public void onEndOfInput()
                    {
                        writer.onEndOfInput();
                    }

                    public void close()
                    {
                        writer.close();
                    }
                };
            }

            public void onJobSucceeded()
            {
                sink.onJobSucceeded();
            }

            public void onJobFailed()
            {
                sink.onJobFailed();
            }
        };
    }
}
