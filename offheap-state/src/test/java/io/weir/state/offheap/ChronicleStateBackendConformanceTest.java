package io.weir.state.offheap;

import io.weir.engine.state.StateBackendConformanceTest;
import io.weir.state.spi.KeyedStateStore;
import io.weir.state.spi.StateBackend;

import java.nio.file.Path;

/** The shared conformance suite over file-backed Chronicle maps (reopen supported). */
class ChronicleStateBackendConformanceTest extends StateBackendConformanceTest
{
    protected StateBackend createBackend(final Path dir)
    {
        return new ChronicleStateBackend(new ChronicleStateBackend.Context().directory(dir));
    }

    protected boolean supportsReopen()
    {
        return true;
    }

    protected KeyedStateStore reopen(final StateBackend backend, final Path dir, final int shardId)
    {
        return backend.createStore(shardId, 100_000);
    }
}
