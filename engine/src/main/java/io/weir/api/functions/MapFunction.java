package io.weir.api.functions;

/**
 * Flink's {@code MapFunction}: one output per input, chained into the operator before it (a method call on the
 * same thread). It may return a reused instance: the next operator must not keep it beyond its call.
 * <p>
 * Keep it free of side effects: an element may pass through it more than once. Besides a replay after a restore, a
 * source split into branches keyed differently applies each branch's map and filter operators on its producer's
 * thread too, to send the element to the shard of its branch's key.
 */
@FunctionalInterface
public interface MapFunction<T, R>
{
    R map(T value) throws Exception;
}
