package io.weir.tools.common;

import io.weir.state.heap.HeapStateBackend;
import io.weir.state.lmdb.LmdbStateBackend;
import io.weir.state.offheap.ChronicleStateBackend;
import io.weir.state.spi.StateBackend;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** State backends by name, as the CLI and tools select them. */
public final class Backends
{
    public static final List<String> NAMES = List.of("chronicle", "lmdb", "heap");
    public static final String DEFAULT = "chronicle";

    private Backends()
    {
    }

    /**
     * For a job measured by its total time (a file job): for chronicle, a shard's map in memory is created when the
     * first entry reaches it ({@link ChronicleStateBackend.Context#mapsOnFirstWrite}), so a job whose state all
     * lives and dies in the nursery creates none.
     *
     * @param stateDir  where file-based backends keep their files (null: a temporary directory).
     * @param keepState keep the files after the job instead of deleting them.
     */
    public static StateBackend create(final String name, final Path stateDir, final boolean keepState)
    {
        return create(name, stateDir, keepState, ChronicleStateBackend.Context.CHUNK_SIZE_BYTES_DEFAULT);
    }

    /**
     * @param stateDir            where file-based backends keep their files (null: a temporary directory).
     * @param keepState           keep the files after the job instead of deleting them.
     * @param chronicleChunkBytes Chronicle's allocation unit, 0 for Chronicle's choice (see
     *                            {@link ChronicleStateBackend.Context#chunkSizeBytes}). Other backends ignore it.
     */
    public static StateBackend create(
        final String name, final Path stateDir, final boolean keepState, final int chronicleChunkBytes)
    {
        return create(name, stateDir, keepState, chronicleChunkBytes, false);
    }

    /**
     * For a long-running job whose speed or latency is measured from its first event (the generator benches and the
     * demo): for chronicle, the store's checkpoint code is compiled before that event
     * ({@link ChronicleStateBackend.Context#warmUpCheckpointPaths}), and its maps are created with their stores. A
     * file job is measured by its total time, which the warm-up lengthens.
     */
    public static StateBackend createForStreaming(final String name, final Path stateDir, final boolean keepState)
    {
        return createForStreaming(name, stateDir, keepState, ChronicleStateBackend.Context.CHUNK_SIZE_BYTES_DEFAULT);
    }

    /** {@link #createForStreaming(String, Path, boolean)} with Chronicle's allocation unit, as for {@link #create}. */
    public static StateBackend createForStreaming(
        final String name, final Path stateDir, final boolean keepState, final int chronicleChunkBytes)
    {
        return create(name, stateDir, keepState, chronicleChunkBytes, true);
    }

    private static StateBackend create(
        final String name, final Path stateDir, final boolean keepState, final int chronicleChunkBytes,
        final boolean warmUpCheckpointPaths)
    {
        switch (name)
        {
            case "heap":
                return new HeapStateBackend();
            case "chronicle":
            {
                final ChronicleStateBackend.Context context =
                    new ChronicleStateBackend.Context().chunkSizeBytes(chronicleChunkBytes)
                        .warmUpCheckpointPaths(warmUpCheckpointPaths).mapsOnFirstWrite(!warmUpCheckpointPaths);
                if (stateDir != null)
                {
                    context.directory(stateDir).deleteFilesOnClose(!keepState);
                }
                return new ChronicleStateBackend(context);
            }
            case "lmdb":
                return LmdbStateBackend.create(stateDir != null ? stateDir : temporaryDirectory()).keepFiles(keepState);
            default:
                throw new UsageException("unknown backend '" + name + "'; backends: " + String.join(", ", NAMES));
        }
    }

    private static Path temporaryDirectory()
    {
        try
        {
            final Path dir = Files.createTempDirectory("weir-state-");
            dir.toFile().deleteOnExit();
            return dir;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot create a temporary state directory: " + ex.getMessage(), ex);
        }
    }
}
