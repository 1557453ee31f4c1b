package io.weir.api.state;

import java.util.Map;

/**
 * Broadcast state as a keyed element sees it (Flink's {@code ReadOnlyBroadcastState}): every instance of the
 * operator holds the same content, changed only by broadcast elements. Reads do not allocate.
 */
public interface ReadOnlyBroadcastState<K, V> extends State
{
    /** @return the value of {@code key}, or null. */
    V get(K key);

    /** True if the state has {@code key}. */
    boolean contains(K key);

    /** The entries, read-only (order unspecified); the same view on every call. */
    Iterable<Map.Entry<K, V>> immutableEntries();
}
