package io.weir.api.state;

import java.util.List;
import java.util.Map;

/** A map per key. {@link #put} and {@link #remove} touch only the entry they change. */
public interface MapState<UK, UV> extends State
{
    /** @return the value, or null. */
    UV get(UK key);

    /** Sets {@code key} to {@code value} in the current key's map. */
    void put(UK key, UV value);

    /** Puts every entry of {@code map}. */
    void putAll(Map<UK, UV> map);

    /** True if the current key's map has {@code key}. */
    boolean contains(UK key);

    /** Removes {@code key}; does nothing if it is absent. */
    void remove(UK key);

    /** True if the current key's map has no entries. */
    boolean isEmpty();

    /** @return the visible entries (order unspecified). */
    List<Map.Entry<UK, UV>> entries();

    /** The keys of the visible entries (order unspecified). */
    List<UK> keys();

    /** The values of the visible entries (order unspecified). */
    List<UV> values();
}
