package io.weir.api.state;

import java.util.Iterator;
import java.util.Map;

/**
 * Broadcast state as a broadcast element sees it (Flink's {@code BroadcastState}): read-write. Every instance
 * sees the same broadcast elements in the same order, so a function that changes this state only from them,
 * deterministically, keeps every instance's copy equal; a checkpoint stores one copy.
 */
public interface BroadcastState<K, V> extends ReadOnlyBroadcastState<K, V>
{
    /** Sets {@code key} to {@code value} (not null). */
    void put(K key, V value);

    /** Puts every entry of {@code map}. */
    void putAll(Map<K, V> map);

    /** Removes {@code key}; does nothing if it is absent. */
    void remove(K key);

    /** Removes every entry. */
    void clear();

    /** The entries; removal through the iterator is allowed. */
    Iterator<Map.Entry<K, V>> iterator();

    /** The entries (order unspecified). */
    Iterable<Map.Entry<K, V>> entries();
}
