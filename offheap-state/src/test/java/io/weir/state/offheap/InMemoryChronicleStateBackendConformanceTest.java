package io.weir.state.offheap;

import io.weir.engine.state.StateBackendConformanceTest;
import io.weir.state.spi.StateBackend;

import java.nio.file.Path;

/**
 * The shared conformance suite over in-memory Chronicle maps sized small, so they grow during the tests, and with no
 * nursery in front of them: the other suites run with one.
 */
class InMemoryChronicleStateBackendConformanceTest extends StateBackendConformanceTest
{
    protected StateBackend createBackend(final Path dir)
    {
        return new ChronicleStateBackend(new ChronicleStateBackend.Context().entriesPerShard(1024).nurserySlots(0));
    }
}
