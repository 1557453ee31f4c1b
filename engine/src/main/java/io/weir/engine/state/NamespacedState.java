package io.weir.engine.state;

/** TEMPORARY stub, replaced by the state-views branch. */
public interface NamespacedState
{
    void setNamespace(long namespace);
}
