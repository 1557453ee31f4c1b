package io.weir.api.state;

/**
 * What {@code applyToKeyedState} calls for every key of an operator instance that has a state (Flink's
 * {@code KeyedStateFunction}); {@code state} is set to that key.
 */
@FunctionalInterface
public interface KeyedStateFunction<K, S extends State>
{
    void process(K key, S state) throws Exception;
}
