package io.weir.api.functions;

/**
 * Flink's {@code MapFunction}: one output per input, chained into the operator before it (a method call on the
 * same thread). It may return a reused instance: the next operator must not keep it beyond its call.
 */
@FunctionalInterface
public interface MapFunction<T, R>
{
    R map(T value) throws Exception;
}
