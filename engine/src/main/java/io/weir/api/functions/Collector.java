package io.weir.api.functions;

/** Receives a function's output. Called on the shard thread; the value may be reused after the call returns. */
@FunctionalInterface
public interface Collector<T>
{
    void collect(T value);
}
