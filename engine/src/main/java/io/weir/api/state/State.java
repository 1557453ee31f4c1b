package io.weir.api.state;

/** Keyed state: every method acts on the current key of the shard thread that calls it. */
public interface State
{
    /** Remove the current key's value(s). */
    void clear();
}
