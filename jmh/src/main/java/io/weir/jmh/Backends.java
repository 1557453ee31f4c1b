package io.weir.jmh;

import io.weir.state.heap.HeapStateBackend;
import io.weir.state.lmdb.LmdbStateBackend;
import io.weir.state.offheap.ChronicleStateBackend;
import io.weir.state.spi.StateBackend;
import io.weir.state.spi.StateKeyDescriptor;

import java.nio.file.Path;

/** The state backends benchmarked through the engine's state views, by their {@code @Param} name. */
final class Backends
{
    private Backends()
    {
    }

    /**
     * @param name    heap, chronicle or lmdb.
     * @param entries entries one shard will hold (sizes the Chronicle map).
     * @param lmdbDir scratch directory for lmdb (ignored by the others).
     */
    static StateBackend create(final String name, final long entries, final Path lmdbDir)
    {
        return switch (name)
        {
            case "heap" -> new HeapStateBackend();
            case "chronicle" -> new ChronicleStateBackend(new ChronicleStateBackend.Context()
                .entriesPerShard(Math.max(entries, ChronicleStateBackend.Context.MIN_ENTRIES_PER_SHARD_DEFAULT))
                .averageKeySizeBytes(StateKeyDescriptor.KEY_OFFSET + Long.BYTES)
                .averageValueSizeBytes(Long.BYTES));
            case "lmdb" -> LmdbStateBackend.create(lmdbDir);
            default -> throw new IllegalArgumentException("unknown backend: " + name);
        };
    }
}
