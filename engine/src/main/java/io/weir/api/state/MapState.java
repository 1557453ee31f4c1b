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

    /**
     * Calls {@code visitor} with each visible entry, in the order {@link #entries} would list them, without building
     * a list: no allocation per entry for keys and values whose codecs fill a reused instance (or boxed values the
     * JVM caches). The key and value passed are valid only during the call (the state may decode every entry into
     * the same instances). The visitor must not call any method of this state; Weir's own state refuses it with an
     * {@link IllegalStateException}. This default builds the list of {@link #entries}.
     */
    default void forEach(final EntryVisitor<UK, UV> visitor)
    {
        for (final Map.Entry<UK, UV> entry : entries())
        {
            visitor.visit(entry.getKey(), entry.getValue());
        }
    }

    /** Receives a map state's entries from {@link #forEach}. */
    @FunctionalInterface
    interface EntryVisitor<UK, UV>
    {
        /** One visible entry; {@code key} and {@code value} are valid only during the call. */
        void visit(UK key, UV value);
    }

    /** @return the visible entries (order unspecified). */
    List<Map.Entry<UK, UV>> entries();

    /** The keys of the visible entries (order unspecified). */
    List<UK> keys();

    /** The values of the visible entries (order unspecified). */
    List<UV> values();
}
