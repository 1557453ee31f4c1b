package io.weir.api.functions;

/**
 * Flink's {@code FilterFunction}: keeps the elements for which it returns true; chained into the operator before it.
 * Keep it free of side effects: an element may pass through it more than once (see {@link MapFunction}).
 */
@FunctionalInterface
public interface FilterFunction<T>
{
    boolean filter(T value) throws Exception;
}
