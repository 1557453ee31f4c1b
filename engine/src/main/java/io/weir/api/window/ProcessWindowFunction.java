package io.weir.api.window;

import io.weir.api.functions.Collector;

/**
 * Turns a window's aggregated result into output, with the key and the window. Called on the shard thread when
 * the window fires.
 */
@FunctionalInterface
public interface ProcessWindowFunction<K, IN, R>
{
    /**
     * Emits the results of {@code window} for {@code key} from its aggregate, on the shard thread. The aggregate
     * may be an instance the window's state reuses once this returns (where the aggregate function's result is its
     * accumulator): copy what you keep.
     */
    void process(K key, TimeWindow window, IN aggregate, Collector<R> out);
}
