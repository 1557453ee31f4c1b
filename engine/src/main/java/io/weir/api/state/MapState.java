package io.weir.api.state;

import java.util.List;
import java.util.Map;

/** A map per key. {@link #put} and {@link #remove} touch only the entry they change. */
public interface MapState<UK, UV> extends State
{
    /** @return the value, or null. */
    UV get(UK key);

    void put(UK key, UV value);

    void putAll(Map<UK, UV> map);

    boolean contains(UK key);

    void remove(UK key);

    boolean isEmpty();

    /** @return the visible entries (order unspecified). */
    List<Map.Entry<UK, UV>> entries();

    List<UK> keys();

    List<UV> values();
}
