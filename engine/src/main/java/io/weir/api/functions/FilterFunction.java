package io.weir.api.functions;

/** Flink's {@code FilterFunction}: keeps the elements for which it returns true; chained into the operator before it. */
@FunctionalInterface
public interface FilterFunction<T>
{
    boolean filter(T value) throws Exception;
}
