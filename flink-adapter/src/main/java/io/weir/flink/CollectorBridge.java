package io.weir.flink;

import io.weir.api.functions.Collector;

/** Weir's collector over Flink's; reset per call. */
final class CollectorBridge<T> implements Collector<T>
{
    private org.apache.flink.util.Collector<T> flink;

    CollectorBridge<T> on(final org.apache.flink.util.Collector<T> flink)
    {
        this.flink = flink;
        return this;
    }

    public void collect(final T value)
    {
        flink.collect(value);
    }
}
