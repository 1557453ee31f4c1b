package io.weir.engine.state;

/**
 * A keyed state view whose entries are further scoped by a 64-bit namespace (a window operator uses the window
 * start). Views returned by {@link KeyedStateRegistry#getNamespacedState} implement it; the namespace is written as
 * 8 big-endian bytes right after the composite-key prefix (see {@link StateLayoutDescriptor}).
 * <p>
 * Called from the shard thread, like every method of the view: set the namespace, then read or write.
 */
public interface NamespacedState
{
    /** Scope the following state accesses to {@code namespace} until it is set again. */
    void setNamespace(long namespace);
}
