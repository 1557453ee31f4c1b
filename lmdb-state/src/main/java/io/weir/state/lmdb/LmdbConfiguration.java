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

    /** Environment flags, comma-separated {@link EnvFlags} names, e.g. {@code MDB_NOSYNC,MDB_WRITEMAP}. */
    public static final String ENV_FLAGS_PROP_NAME = "weir.lmdb.env.flags";

    /**
     * Working state is made durable by checkpoints, so the environment syncs nothing itself. {@code MDB_WRITEMAP}
     * costs a whole page-cache folio of writeback per page written where the kernel caches files in large folios
     * (Linux 6.x ext4), yet measured faster than {@code pwrite}s of each page in the bench at 50M keys
     * (perf/README.md, LMDB at 50M keys): compare both with {@value #ENV_FLAGS_PROP_NAME}.
     */
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

    /** The environment flags of {@value #ENV_FLAGS_PROP_NAME}, or a copy of the defaults. */
    public static EnvFlags[] envFlags()
    {
        final String names = System.getProperty(ENV_FLAGS_PROP_NAME);
        return null == names ? ENV_FLAGS_DEFAULT.clone() : parseEnvFlags(names);
    }

    /** Comma-separated {@link EnvFlags} names; blank for none. */
    static EnvFlags[] parseEnvFlags(final String names)
    {
        final String[] parts = names.trim().isEmpty() ? new String[0] : names.split(",");
        final EnvFlags[] flags = new EnvFlags[parts.length];
        for (int i = 0; i < parts.length; i++)
        {
            final String name = parts[i].trim();
            try
            {
                flags[i] = EnvFlags.valueOf(name);
            }
            catch (final IllegalArgumentException ex)
            {
                throw new IllegalArgumentException("-D" + ENV_FLAGS_PROP_NAME + "=" + names + ": unknown LMDB " +
                    "environment flag '" + name + "'; known: " + java.util.Arrays.toString(EnvFlags.values()), ex);
            }
        }
        return flags;
    }
}
