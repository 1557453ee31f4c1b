package io.weir.state.offheap;

import io.weir.engine.state.StateBackendConformanceTest;
import io.weir.state.spi.StateBackend;

import java.nio.file.Path;

/**
 * The shared conformance suite over in-memory Chronicle maps as file jobs run them by default: each map created when
 * the first entry reaches it from the nursery, with no hot-key cache in front.
 */
class MapsOnFirstWriteChronicleConformanceTest extends StateBackendConformanceTest
{
    protected StateBackend createBackend(final Path dir)
    {
        return new ChronicleStateBackend(
            new ChronicleStateBackend.Context().entriesPerShard(1024).mapsOnFirstWrite(true));
    }
}
