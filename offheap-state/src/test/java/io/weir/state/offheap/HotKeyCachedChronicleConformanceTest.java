package io.weir.state.offheap;

import io.weir.engine.state.StateBackendConformanceTest;
import io.weir.state.spi.HotKeyCache;
import io.weir.state.spi.KeyedStateStore;
import io.weir.state.spi.StateBackend;

import java.nio.file.Path;

/**
 * The shared conformance suite over in-memory Chronicle maps behind a {@link HotKeyCache}, as file jobs run them
 * with {@code WeirContext.hotKeyCache(true)} (each map created when the first entry reaches it from the nursery):
 * every state primitive, TTL, snapshot and restore must see the cache's writes as the store's own.
 */
class HotKeyCachedChronicleConformanceTest extends StateBackendConformanceTest
{
    protected StateBackend createBackend(final Path dir)
    {
        final ChronicleStateBackend chronicle =
            new ChronicleStateBackend(new ChronicleStateBackend.Context().entriesPerShard(1024).mapsOnFirstWrite(true));
        return new StateBackend()
        {
            public String name()
            {
                return chronicle.name();
            }

            public KeyedStateStore createStore(final int shardId, final long expectedEntries)
            {
                return new HotKeyCache(chronicle.createStore(shardId, expectedEntries));
            }

            public boolean shardMayReadItsSnapshots()
            {
                return chronicle.shardMayReadItsSnapshots();
            }

            public void prepareForCheckpoints()
            {
                chronicle.prepareForCheckpoints();
            }
        };
    }
}
