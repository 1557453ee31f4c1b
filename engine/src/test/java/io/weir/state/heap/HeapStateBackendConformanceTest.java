package io.weir.state.heap;

import io.weir.engine.state.StateBackendConformanceTest;
import io.weir.state.spi.StateBackend;

import java.nio.file.Path;

class HeapStateBackendConformanceTest extends StateBackendConformanceTest
{
    protected StateBackend createBackend(final Path dir)
    {
        return new HeapStateBackend();
    }
}
