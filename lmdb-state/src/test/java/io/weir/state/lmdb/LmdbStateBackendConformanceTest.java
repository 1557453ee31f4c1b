package io.weir.state.lmdb;

import io.weir.engine.state.StateBackendConformanceTest;
import io.weir.state.spi.KeyedStateStore;
import io.weir.state.spi.StateBackend;

import java.nio.file.Path;

/** The shared state-backend conformance suite over real LMDB environments in a temporary directory. */
class LmdbStateBackendConformanceTest extends StateBackendConformanceTest
{
    protected StateBackend createBackend(final Path dir)
    {
        // Small map and batches so the suite also crosses map growth and batch commits.
        return LmdbStateBackend.create(dir.resolve("lmdb"))
            .initialMapSizeBytes(1L << 20)
            .writeBatchSize(64)
            .keepFiles(true);
    }

    protected boolean supportsReopen()
    {
        return true;
    }

    protected KeyedStateStore reopen(final StateBackend backend, final Path dir, final int shardId)
    {
        return backend.createStore(shardId, 0);
    }
}
