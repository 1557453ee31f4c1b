package io.weir.state.lmdb;

import io.weir.state.spi.KeyedStateStore;
import io.weir.state.spi.StateBackend;
import org.lmdbjava.EnvFlags;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Objects;

/**
 * The {@code lmdb} state backend: each shard's keyed state lives in a memory-mapped LMDB B+tree, so state may be
 * larger than RAM. A full snapshot is an MVCC read transaction opened at the snapshot point; a delta is an
 * off-heap log of the values the shard changed since the previous snapshot point, kept as it writes.
 * <p>
 * <b>Memory.</b> That log holds a copy of every value changed in one checkpoint interval (and a store keeps two:
 * one being written to the checkpoint), in RAM, up to 16 GiB an interval. The state may be larger than RAM, but
 * the values one interval changes must fit: with large values or a long interval, take checkpoints more often. A
 * job without checkpoints keeps no log.
 * <p>
 * <b>One LMDB environment per shard</b>, in {@code stateDir/shard-<n>}. LMDB allows one write transaction per
 * environment at a time (a process-wide writer mutex) and can only grow its map while no transaction of the
 * environment is open. With an environment per shard, shards write in parallel without sharing that mutex, one
 * shard growing its map or holding a snapshot reader never stalls another, a shard's files can be kept or deleted
 * on their own, and a shard's store matches the engine's ownership rule (a shard owns everything it touches). The
 * cost is one memory map and one lock file per shard, which is small.
 * <p>
 * <b>Durability.</b> By default the environments are opened with {@code MDB_NOSYNC}, {@code MDB_NOMETASYNC} and
 * {@code MDB_WRITEMAP} (see {@link LmdbConfiguration}): nothing is fsync'ed, so a machine crash may lose or tear the
 * working state. That is by design: the working state is made durable by checkpoints (the snapshot files and
 * manifests), and recovery restores from the newest complete checkpoint, not from these files. With
 * {@link #keepFiles(boolean) keepFiles(false)} (the default) a shard's directory is deleted when its store is
 * closed, and a stale one found at start-up is wiped. {@code MDB_NOTLS} is always added: a full snapshot's read
 * transaction is opened on the shard thread at the snapshot point and read on the snapshot thread.
 * <p>
 * Configuration is fluent and immutable, as the {@link StateBackend} contract asks: every setter returns a new,
 * validated backend, e.g.
 * <pre>{@code
 *   StateBackend backend = LmdbStateBackend.create(Path.of("/var/weir/state"))
 *       .initialMapSizeBytes(4L << 30)
 *       .writeBatchSize(10_000);
 * }</pre>
 * Thread safety: immutable; {@link #createStore} may be called from any thread.
 */
public final class LmdbStateBackend implements StateBackend
{
    public static final String NAME = "lmdb";

    /** Sizing estimate used with the {@code expectedEntries} hint: key, value and B+tree overhead. */
    static final long ESTIMATED_BYTES_PER_ENTRY = 256;

    private final Path stateDir;
    private final long initialMapSizeBytes;
    private final EnvFlags[] envFlags;
    private final int writeBatchSize;
    private final int writeBatchBytes;
    private final boolean keepFiles;
    private final long mapGrowthWaitTimeoutMs;

    private LmdbStateBackend(
        final Path stateDir,
        final long initialMapSizeBytes,
        final EnvFlags[] envFlags,
        final int writeBatchSize,
        final int writeBatchBytes,
        final boolean keepFiles,
        final long mapGrowthWaitTimeoutMs)
    {
        this.stateDir = stateDir;
        this.initialMapSizeBytes = initialMapSizeBytes;
        this.envFlags = envFlags;
        this.writeBatchSize = writeBatchSize;
        this.writeBatchBytes = writeBatchBytes;
        this.keepFiles = keepFiles;
        this.mapGrowthWaitTimeoutMs = mapGrowthWaitTimeoutMs;
    }

    /**
     * A backend with the defaults of {@link LmdbConfiguration}, storing shard {@code n} in {@code stateDir/shard-n}.
     */
    public static LmdbStateBackend create(final Path stateDir)
    {
        Objects.requireNonNull(stateDir, "stateDir");
        return new LmdbStateBackend(
            stateDir.toAbsolutePath(),
            checkMapSize(LmdbConfiguration.initialMapSizeBytes()),
            LmdbConfiguration.envFlags(),
            checkWriteBatchSize(LmdbConfiguration.writeBatchSize()),
            checkWriteBatchBytes(LmdbConfiguration.writeBatchBytes()),
            false,
            checkTimeout(LmdbConfiguration.mapGrowthWaitTimeoutMs()))
            .envFlags(LmdbConfiguration.envFlags()); // validated like flags set in code
    }

    public String name()
    {
        return NAME;
    }

    /**
     * Open (or, with {@link #keepFiles(boolean) keepFiles(true)}, reopen) the environment of one shard. Called from
     * the thread wiring the job; the store's write transactions are then opened by the shard thread on first use.
     */
    public KeyedStateStore createStore(final int shardId, final long expectedEntries)
    {
        return createStore(shardId, shardDir(shardId), expectedEntries);
    }

    /** An operator's environment on one shard, in {@code stateDir/<operatorUid>-shard-<n>}. */
    public KeyedStateStore createStore(final String operatorUid, final int shardId, final long expectedEntries)
    {
        return createStore(shardId, stateDir.resolve(operatorUid + "-shard-" + shardId), expectedEntries);
    }

    private KeyedStateStore createStore(final int shardId, final Path directory, final long expectedEntries)
    {
        if (shardId < 0)
        {
            throw new IllegalArgumentException("shardId must not be negative: " + shardId);
        }
        if (expectedEntries < 0)
        {
            throw new IllegalArgumentException("expectedEntries must not be negative: " + expectedEntries);
        }
        final long hintBytes = expectedEntries > Long.MAX_VALUE / ESTIMATED_BYTES_PER_ENTRY ?
            Long.MAX_VALUE / 2 : expectedEntries * ESTIMATED_BYTES_PER_ENTRY;
        return new LmdbKeyedStateStore(
            shardId,
            directory,
            Math.max(initialMapSizeBytes, hintBytes),
            envFlags.clone(),
            writeBatchSize,
            writeBatchBytes,
            keepFiles,
            mapGrowthWaitTimeoutMs);
    }

    /** The directory of one shard's environment. */
    public Path shardDir(final int shardId)
    {
        return stateDir.resolve("shard-" + shardId);
    }

    public Path stateDir()
    {
        return stateDir;
    }

    /**
     * Initial map size of each shard's environment. The map grows (doubling) when full, so this only saves the
     * first growths; it is address space, and the file is sparse. Default 1 GiB.
     */
    public LmdbStateBackend initialMapSizeBytes(final long initialMapSizeBytes)
    {
        return new LmdbStateBackend(
            stateDir, checkMapSize(initialMapSizeBytes), envFlags, writeBatchSize, writeBatchBytes, keepFiles,
            mapGrowthWaitTimeoutMs);
    }

    public long initialMapSizeBytes()
    {
        return initialMapSizeBytes;
    }

    /**
     * Environment flags. Default {@code MDB_NOSYNC, MDB_NOMETASYNC, MDB_WRITEMAP} (or {@code -Dweir.lmdb.env.flags});
     * {@code MDB_NOTLS} is always added.
     * {@code MDB_RDONLY_ENV}, {@code MDB_NOLOCK} (it would let the writer reuse pages a snapshot still reads) and
     * {@code MDB_NOSUBDIR} are rejected.
     */
    public LmdbStateBackend envFlags(final EnvFlags... envFlags)
    {
        Objects.requireNonNull(envFlags, "envFlags");
        final EnumSet<EnvFlags> set = EnumSet.noneOf(EnvFlags.class);
        for (final EnvFlags flag : envFlags)
        {
            Objects.requireNonNull(flag, "envFlags element");
            if (flag == EnvFlags.MDB_RDONLY_ENV || flag == EnvFlags.MDB_NOLOCK || flag == EnvFlags.MDB_NOSUBDIR)
            {
                throw new IllegalArgumentException("unsupported LMDB environment flag for a state store: " + flag);
            }
            set.add(flag);
        }
        return new LmdbStateBackend(
            stateDir, initialMapSizeBytes, set.toArray(new EnvFlags[0]), writeBatchSize, writeBatchBytes, keepFiles,
            mapGrowthWaitTimeoutMs);
    }

    /** A copy of the configured flags (without the always-added {@code MDB_NOTLS}). */
    public EnvFlags[] envFlags()
    {
        return envFlags.clone();
    }

    /**
     * Writes (puts and removes) per write transaction: the open transaction is committed after this many, at every
     * snapshot point and at close. Default 10,000.
     */
    public LmdbStateBackend writeBatchSize(final int writeBatchSize)
    {
        return new LmdbStateBackend(
            stateDir, initialMapSizeBytes, envFlags, checkWriteBatchSize(writeBatchSize), writeBatchBytes, keepFiles,
            mapGrowthWaitTimeoutMs);
    }

    public int writeBatchSize()
    {
        return writeBatchSize;
    }

    /**
     * Bytes of keys and values per write transaction before it is committed, whatever the write count. Bounds
     * the off-heap replay log kept for map growth. Default 8 MiB.
     */
    public LmdbStateBackend writeBatchBytes(final int writeBatchBytes)
    {
        return new LmdbStateBackend(
            stateDir, initialMapSizeBytes, envFlags, writeBatchSize, checkWriteBatchBytes(writeBatchBytes), keepFiles,
            mapGrowthWaitTimeoutMs);
    }

    public int writeBatchBytes()
    {
        return writeBatchBytes;
    }

    /**
     * Keep the environment's files when a store is closed, and reopen them when a store is created for the same
     * shard. Default false: the shard's directory is deleted on close (and a stale one wiped on create).
     */
    public LmdbStateBackend keepFiles(final boolean keepFiles)
    {
        return new LmdbStateBackend(
            stateDir, initialMapSizeBytes, envFlags, writeBatchSize, writeBatchBytes, keepFiles, mapGrowthWaitTimeoutMs);
    }

    public boolean keepFiles()
    {
        return keepFiles;
    }

    /**
     * How long a shard whose map is full waits for its in-flight full snapshot to be released (the map cannot grow
     * while a read transaction is open; a delta holds none) before the write fails. Default 60 s.
     */
    public LmdbStateBackend mapGrowthWaitTimeoutMs(final long mapGrowthWaitTimeoutMs)
    {
        return new LmdbStateBackend(
            stateDir, initialMapSizeBytes, envFlags, writeBatchSize, writeBatchBytes, keepFiles,
            checkTimeout(mapGrowthWaitTimeoutMs));
    }

    public long mapGrowthWaitTimeoutMs()
    {
        return mapGrowthWaitTimeoutMs;
    }

    public String toString()
    {
        return "LmdbStateBackend{stateDir=" + stateDir + ", initialMapSizeBytes=" + initialMapSizeBytes +
            ", envFlags=" + java.util.Arrays.toString(envFlags) + ", writeBatchSize=" + writeBatchSize +
            ", writeBatchBytes=" + writeBatchBytes + ", keepFiles=" + keepFiles +
            ", mapGrowthWaitTimeoutMs=" + mapGrowthWaitTimeoutMs + '}';
    }

    private static long checkMapSize(final long mapSizeBytes)
    {
        if (mapSizeBytes < LmdbConfiguration.MAP_SIZE_ALIGNMENT_BYTES || mapSizeBytes > (1L << 46))
        {
            throw new IllegalArgumentException("initialMapSizeBytes must be in [" +
                LmdbConfiguration.MAP_SIZE_ALIGNMENT_BYTES + ", 2^46]: " + mapSizeBytes);
        }
        return mapSizeBytes;
    }

    private static int checkWriteBatchSize(final int writeBatchSize)
    {
        if (writeBatchSize < 1)
        {
            throw new IllegalArgumentException("writeBatchSize must be at least 1: " + writeBatchSize);
        }
        return writeBatchSize;
    }

    private static int checkWriteBatchBytes(final int writeBatchBytes)
    {
        if (writeBatchBytes < 1 || writeBatchBytes > (1 << 30))
        {
            throw new IllegalArgumentException("writeBatchBytes must be in [1, 2^30]: " + writeBatchBytes);
        }
        return writeBatchBytes;
    }

    private static long checkTimeout(final long timeoutMs)
    {
        if (timeoutMs < 0)
        {
            throw new IllegalArgumentException("mapGrowthWaitTimeoutMs must not be negative: " + timeoutMs);
        }
        return timeoutMs;
    }

    /**
     * {@inheritDoc} False: growing a full map needs every read transaction closed, so a shard that fills the map
     * while its own snapshot is open would wait for itself.
     */
    public boolean shardMayReadItsSnapshots()
    {
        return false;
    }
}
