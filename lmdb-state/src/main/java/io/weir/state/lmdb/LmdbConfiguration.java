package io.weir.state.lmdb;

import org.lmdbjava.EnvFlags;

/**
 * Defaults of {@link LmdbStateBackend}, with the system properties that override them. Read once, when a backend
 * is created; never on a hot path.
 */
public final class LmdbConfiguration
{
    /** Initial LMDB map size of each shard's environment. */
    public static final String INITIAL_MAP_SIZE_PROP_NAME = "weir.lmdb.initial.map.size";

    /** 1 GiB: address space, not memory; the data file is sparse, so only written pages take disk. */
    public static final long INITIAL_MAP_SIZE_DEFAULT = 1L << 30;

    /** Writes per write transaction before it is committed. */
    public static final String WRITE_BATCH_SIZE_PROP_NAME = "weir.lmdb.write.batch.size";
    public static final int WRITE_BATCH_SIZE_DEFAULT = 10_000;

    /** Bytes of keys and values per write transaction before it is committed (bounds the replay log). */
    public static final String WRITE_BATCH_BYTES_PROP_NAME = "weir.lmdb.write.batch.bytes";
    public static final int WRITE_BATCH_BYTES_DEFAULT = 8 << 20;

    /** How long a shard waits for an in-flight snapshot to be released before it can grow a full map. */
    public static final String MAP_GROWTH_WAIT_TIMEOUT_PROP_NAME = "weir.lmdb.map.growth.wait.timeout.ms";
    public static final long MAP_GROWTH_WAIT_TIMEOUT_MS_DEFAULT = 60_000;

    /** Reader slots of each environment; a shard needs one per snapshot in flight (at most one). */
    public static final int MAX_READERS_DEFAULT = 16;

    /** Map sizes are rounded up to this (a multiple of every OS page size LMDB runs on). */
    public static final long MAP_SIZE_ALIGNMENT_BYTES = 64 * 1024;

    /** Disk space the map never claims: growing the map leaves at least this much free. */
    public static final long DISK_RESERVE_BYTES = 64L << 20;

    /** Working state is made durable by checkpoints, so the environment syncs nothing itself. */
    static final EnvFlags[] ENV_FLAGS_DEFAULT =
    {
        EnvFlags.MDB_NOSYNC, EnvFlags.MDB_NOMETASYNC, EnvFlags.MDB_WRITEMAP
    };

    private LmdbConfiguration()
    {
    }

    public static long initialMapSizeBytes()
    {
        return Long.getLong(INITIAL_MAP_SIZE_PROP_NAME, INITIAL_MAP_SIZE_DEFAULT);
    }

    public static int writeBatchSize()
    {
        return Integer.getInteger(WRITE_BATCH_SIZE_PROP_NAME, WRITE_BATCH_SIZE_DEFAULT);
    }

    public static int writeBatchBytes()
    {
        return Integer.getInteger(WRITE_BATCH_BYTES_PROP_NAME, WRITE_BATCH_BYTES_DEFAULT);
    }

    public static long mapGrowthWaitTimeoutMs()
    {
        return Long.getLong(MAP_GROWTH_WAIT_TIMEOUT_PROP_NAME, MAP_GROWTH_WAIT_TIMEOUT_MS_DEFAULT);
    }

    /** A copy of the default environment flags. */
    public static EnvFlags[] envFlags()
    {
        return ENV_FLAGS_DEFAULT.clone();
    }
}
