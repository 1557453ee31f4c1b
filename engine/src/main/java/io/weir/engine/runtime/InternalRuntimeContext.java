package io.weir.engine.runtime;

import io.weir.api.RuntimeContext;
import io.weir.engine.state.KeyedStateRegistry;

/** The engine's view of a shard's runtime context: operators built into the engine reach namespaced state here. */
public interface InternalRuntimeContext extends RuntimeContext
{
    KeyedStateRegistry stateRegistry();

    /**
     * Whether the stage loads state ahead of its use ({@code WeirContext.prefetchEvents} above 0, and a store that
     * prefetches): an operator that walks keys of its own loads their entries ahead only then.
     */
    boolean prefetchesState();

    /** The window accumulators the stage's window operator may keep in memory between snapshot points, at most. */
    int windowAccumulatorsInMemory();

    /** The interval of the job's periodic checkpoints; 0 without them. */
    long checkpointIntervalMs();
}
