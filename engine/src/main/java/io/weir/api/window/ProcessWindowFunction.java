package io.weir.api.window;

import io.weir.api.functions.Collector;

/**
 * Turns a window's aggregated result into output, with the key and the window. Called on the shard thread when
 * the window fires.
 */
@FunctionalInterface
public interface ProcessWindowFunction<K, IN, R>
{
    /** Emits the results of {@code window} for {@code key} from its aggregate, on the shard thread. */
    void process(K key, TimeWindow window, IN aggregate, Collector<R> out);
}
