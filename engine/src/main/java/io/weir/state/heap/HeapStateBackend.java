package io.weir.state.heap;

import io.weir.state.spi.KeyedStateStore;
import io.weir.state.spi.StateBackend;

/**
 * The reference backend: keyed state in an on-heap hash map with copy-on-write snapshots. Meant for engine tests
 * and as the model the other backends are checked against; correctness over speed. Immutable.
 */
public final class HeapStateBackend implements StateBackend
{
    public static final String NAME = "heap";

    public String name()
    {
        return NAME;
    }

    public KeyedStateStore createStore(final int shardId, final long expectedEntries)
    {
        if (expectedEntries < 0)
        {
            throw new IllegalArgumentException("expected entries must not be negative: " + expectedEntries);
        }
        return new HeapKeyedStateStore(shardId, (int)Math.min(expectedEntries, 1 << 20));
    }
}
