package io.weir.api.functions;

/** Receives a function's output. Called on the shard thread; the value may be reused after the call returns. */
@FunctionalInterface
public interface Collector<T>
{
    /** Emits {@code value} downstream; the value may be reused by the caller after the call returns. */
    void collect(T value);
}
