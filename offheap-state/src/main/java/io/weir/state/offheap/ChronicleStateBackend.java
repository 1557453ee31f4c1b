package io.weir.state.offheap;

import io.weir.state.changes.DeltaLog;
import io.weir.state.spi.KeyedStateStore;
import io.weir.state.spi.StateBackend;

import java.nio.file.Path;

/**
 * The {@code chronicle} state backend: one Chronicle Map of variable-size byte keys and values per shard,
 * in memory or in a (sparse) file, with entry-level copy-on-write full snapshots and deltas copied from a log of
 * the changed keys' latest values.
 * <p>
 * Immutable once constructed; {@link #createStore} may be called from the wiring thread for every shard.
 * <pre>{@code
 * StateBackend backend = new ChronicleStateBackend(new ChronicleStateBackend.Context()
 *     .entriesPerShard(1_000_000)
 *     .averageKeySizeBytes(24)
 *     .averageValueSizeBytes(16)
 *     .directory(Path.of("/var/weir/state")));
 * }</pre>
 */
public final class ChronicleStateBackend implements StateBackend
{
    public static final String NAME = "chronicle";

    static
    {
        // Chronicle logs a release-notes banner at INFO when its classes load; an application's log is not the
        // place for it. Set the property to false before this class loads to keep it.
        if (System.getProperty("chronicle.announcer.disable") == null)
        {
            System.setProperty("chronicle.announcer.disable", "true");
        }
        LazyPosixApi.install();
    }

    private final Context ctx;

    public ChronicleStateBackend()
    {
        this(new Context());
    }

    public ChronicleStateBackend(final Context ctx)
    {
        this.ctx = ctx.conclude();
        if (null != this.ctx.directory())
        {
            // File-backed maps call it from the shard's thread: bound here, not there.
            LazyPosixApi.bindNow();
        }
    }

    public String name()
    {
        return NAME;
    }

    /**
     * With {@link Context#warmUpCheckpointPaths}, starts {@link CheckpointPathWarmUp} (once per JVM) on a thread of
     * its own, so that it overlaps the creation of the job's maps; each shard then waits for it while it opens, and
     * the job processes nothing until every shard has opened.
     */
    public void prepareForCheckpoints()
    {
        if (ctx.warmUpCheckpointPaths())
        {
            CheckpointPathWarmUp.start();
        }
    }

    public Context context()
    {
        return ctx;
    }

    public KeyedStateStore createStore(final int shardId, final long expectedEntries)
    {
        final long entries = ctx.entriesPerShard > 0 ? ctx.entriesPerShard :
            Math.max(expectedEntries, ctx.minEntriesPerShard);
        return withNursery(shardId, entries, "shard-" + shardId);
    }

    /** An operator's map on one shard, in {@code <directory>/<operatorUid>-shard-<n>.cmap} when it has a directory. */
    public KeyedStateStore createStore(final String operatorUid, final int shardId, final long expectedEntries)
    {
        final long entries = ctx.entriesPerShard > 0 ? ctx.entriesPerShard :
            Math.max(expectedEntries, ctx.minEntriesPerShard);
        return withNursery(shardId, entries, operatorUid + "-shard-" + shardId);
    }

    private KeyedStateStore withNursery(final int shardId, final long entries, final String fileName)
    {
        if (0 == ctx.nurserySlots)
        {
            return new ChronicleKeyedStateStore(shardId, entries, ctx, fileName);
        }
        if (ctx.mapsOnFirstWrite && null == ctx.directory)
        {
            return new NurseryStore(shardId, () -> new ChronicleKeyedStateStore(shardId, entries, ctx, fileName),
                ctx.nurserySlots);
        }
        return new NurseryStore(new ChronicleKeyedStateStore(shardId, entries, ctx, fileName), ctx.nurserySlots);
    }

    /**
     * Configuration of a {@link ChronicleStateBackend}: fluent, validated once by {@link #conclude()} when
     * the backend is constructed, then read-only.
     */
    public static final class Context
    {
        public static final long MIN_ENTRIES_PER_SHARD_DEFAULT = 1024;
        public static final double AVERAGE_KEY_SIZE_BYTES_DEFAULT = 32;
        public static final double AVERAGE_VALUE_SIZE_BYTES_DEFAULT = 64;
        public static final double MAX_BLOAT_FACTOR_DEFAULT = 4.0;
        public static final double GROWTH_FACTOR_DEFAULT = 2.0;
        public static final int ENTRIES_PER_SEGMENT_DEFAULT = 0;
        public static final int CHUNK_SIZE_BYTES_DEFAULT = 0;
        public static final int MAX_CHUNK_SIZE_BYTES = 4096;
        public static final int NURSERY_SLOTS_DEFAULT = 1 << 18;

        private long entriesPerShard;
        private long minEntriesPerShard = MIN_ENTRIES_PER_SHARD_DEFAULT;
        private double averageKeySizeBytes = AVERAGE_KEY_SIZE_BYTES_DEFAULT;
        private double averageValueSizeBytes = AVERAGE_VALUE_SIZE_BYTES_DEFAULT;
        private double maxBloatFactor = MAX_BLOAT_FACTOR_DEFAULT;
        private double growthFactor = GROWTH_FACTOR_DEFAULT;
        private boolean growOnFull = true;
        private int entriesPerSegment = ENTRIES_PER_SEGMENT_DEFAULT;
        private int chunkSizeBytes = CHUNK_SIZE_BYTES_DEFAULT;
        private Path directory;
        private boolean deleteFilesOnClose;
        private int deltaLogSupersedeSlack = DeltaLog.DEFAULT_SUPERSEDE_SLACK;
        private int nurserySlots = NURSERY_SLOTS_DEFAULT;
        private boolean warmUpCheckpointPaths;
        private boolean mapsOnFirstWrite;
        private boolean concluded;

        /** Entries each shard's map is sized for; 0 (default) uses the hint given to createStore. */
        public Context entriesPerShard(final long entries)
        {
            checkNotConcluded();
            this.entriesPerShard = entries;
            return this;
        }

        /** For tests: see {@link DeltaLog#maySupersede()}; {@code -Integer.MAX_VALUE} always updates in place. */
        Context deltaLogSupersedeSlack(final int slack)
        {
            checkNotConcluded();
            this.deltaLogSupersedeSlack = slack;
            return this;
        }

        int deltaLogSupersedeSlack()
        {
            return deltaLogSupersedeSlack;
        }

        public long entriesPerShard()
        {
            return entriesPerShard;
        }

        /** Lower bound applied to createStore's hint (Chronicle maps of a handful of entries are fragile). */
        public Context minEntriesPerShard(final long entries)
        {
            checkNotConcluded();
            this.minEntriesPerShard = entries;
            return this;
        }

        public long minEntriesPerShard()
        {
            return minEntriesPerShard;
        }

        /** Average composite key size: sizes Chronicle's chunks (keys start with a 6-byte header). */
        public Context averageKeySizeBytes(final double bytes)
        {
            checkNotConcluded();
            this.averageKeySizeBytes = bytes;
            return this;
        }

        public double averageKeySizeBytes()
        {
            return averageKeySizeBytes;
        }

        public Context averageValueSizeBytes(final double bytes)
        {
            checkNotConcluded();
            this.averageValueSizeBytes = bytes;
            return this;
        }

        public double averageValueSizeBytes()
        {
            return averageValueSizeBytes;
        }

        /** Chronicle's headroom past the declared entries (extra segment tiers), 1.0 to 1000.0. */
        public Context maxBloatFactor(final double factor)
        {
            checkNotConcluded();
            this.maxBloatFactor = factor;
            return this;
        }

        public double maxBloatFactor()
        {
            return maxBloatFactor;
        }

        /** When a map is full, re-create it this many times bigger and copy (if {@link #growOnFull}). */
        public Context growthFactor(final double factor)
        {
            checkNotConcluded();
            this.growthFactor = factor;
            return this;
        }

        public double growthFactor()
        {
            return growthFactor;
        }

        /**
         * Bound on the index places of a store's {@link NurseryStore} tables (a power of two, at least
         * {@value NurseryStore#INITIAL_SLOTS}), which keep small entries created since the last snapshot point, and
         * those written in every interval, out of the map; 0 turns the nursery off. A table grows from
         * {@value NurseryStore#INITIAL_SLOTS} places as it fills, with a 64-byte slot for each of three quarters of
         * them: 56 bytes a place (14.7 MB at the default), plus up to 260 bytes per two places for values too long
         * to share a slot with their key (of up to {@value NurseryTable#BLOCK_BYTES} bytes) as they come, and a
         * store has two or three: the young one, the one sealed at the last snapshot point and a spare. New keys are
         * taken while the table holds entries in fewer than 3/4 of its places and either holds values in fewer than
         * 3/8 of them or leaves room, within the 3/4, for every sealed value still waiting; the rest go to the map.
         */
        public Context nurserySlots(final int slots)
        {
            checkNotConcluded();
            this.nurserySlots = slots;
            return this;
        }

        public int nurserySlots()
        {
            return nurserySlots;
        }

        /**
         * Run the store's checkpoint code once per JVM on a scratch store before a job with checkpoints processes its
         * first event (default false). Without it, the first segment scan of a full snapshot of the live map (a
         * store's first full snapshot is read from its log; a scan comes with a new base the shard writes, every
         * {@code maxDeltaChainLength} checkpoints of a busy state, a savepoint, or the checkpoint after an abandoned
         * one) may send the shard's compiled event loop back to the interpreter once: C2 compiled it with the
         * copy-on-write branch never taken. It also has the JIT compile the store's code before the first event rather
         * than while the first events are processed. Turn it on for a long-running job whose latency or speed counts
         * from its first event; it delays that event by 0.2 s to 1 s and takes a core's worth of that time (see
         * {@code CheckpointPathWarmUp}), which a file job measured by its total time pays for.
         */
        public Context warmUpCheckpointPaths(final boolean warmUp)
        {
            checkNotConcluded();
            this.warmUpCheckpointPaths = warmUp;
            return this;
        }

        public boolean warmUpCheckpointPaths()
        {
            return warmUpCheckpointPaths;
        }

        /**
         * Create a shard's map in memory only when the first entry reaches it from the nursery (default false: when
         * the store is created). A job whose state all lives and dies in the nursery (windows, sessions,
         * deduplication flags, or fewer keys than the nursery holds) then never creates one: no zeroing of the
         * tables it is sized for, no memory for them, and, for the JVM's first map, no 0.15 s of class loading and
         * cold code before the job's first event. The shard pays that instead when the first entry goes to the map,
         * mid-stream; so a job whose latency counts from its first event leaves it off.
         * Maps in a {@link #directory} are always created with their store: one may hold entries from a run before.
         * Needs the nursery ({@link #nurserySlots} above 0).
         */
        public Context mapsOnFirstWrite(final boolean onFirstWrite)
        {
            checkNotConcluded();
            this.mapsOnFirstWrite = onFirstWrite;
            return this;
        }

        public boolean mapsOnFirstWrite()
        {
            return mapsOnFirstWrite;
        }

        /** Grow a full map (default) or fail with a {@link ChronicleMapFullException}. */
        public Context growOnFull(final boolean grow)
        {
            checkNotConcluded();
            this.growOnFull = grow;
            return this;
        }

        public boolean growOnFull()
        {
            return growOnFull;
        }

        /**
         * Entries per Chronicle segment the map is sized for (segments are a power of two, at least Chronicle's own
         * choice); 0 (default) leaves the segment count to Chronicle, about 4,000 entries a segment at 1M entries.
         * Smaller segments shorten each step of a full snapshot's scan (one segment a step: the shard's own step
         * between events when another thread reads the snapshot, see {@code StoreSnapshot#captureByOwner}). But
         * they cost the shard 15-20% of its
         * throughput at 1M keys (more segment headers and tiers to keep in cache). A map re-created bigger
         * because it was full leaves the segment count to Chronicle: a single entry too large for a small
         * segment's tier fills it too.
         */
        public Context entriesPerSegment(final int entries)
        {
            checkNotConcluded();
            this.entriesPerSegment = entries;
            return this;
        }

        public int entriesPerSegment()
        {
            return entriesPerSegment;
        }

        /**
         * The unit in which Chronicle allocates an entry's space (an entry takes a run of contiguous free chunks of
         * its segment); 0 (default) leaves it to Chronicle, which derives it from the average key and value sizes
         * (16 bytes for the defaults). Larger chunks suit stores whose entries differ in size or grow, such as list
         * chunks and maps beside small values: with small chunks, the freed runs are too short for the next
         * entries, and each insert or growth searches the segment's free bitmap far for a long enough run.
         * Each entry is rounded up to whole chunks, so where entries are of one size just over a chunk, larger
         * chunks cost memory and cache misses instead.
         */
        public Context chunkSizeBytes(final int bytes)
        {
            checkNotConcluded();
            this.chunkSizeBytes = bytes;
            return this;
        }

        public int chunkSizeBytes()
        {
            return chunkSizeBytes;
        }

        /**
         * Directory for file-backed maps ({@code shard-<id>.cmap}, sparse); null (default) keeps maps in
         * memory. An existing file is reopened with its entries.
         */
        public Context directory(final Path directory)
        {
            checkNotConcluded();
            this.directory = directory;
            return this;
        }

        public Path directory()
        {
            return directory;
        }

        /** Delete a shard's file when its store closes (scratch state); default false: files are kept. */
        public Context deleteFilesOnClose(final boolean delete)
        {
            checkNotConcluded();
            this.deleteFilesOnClose = delete;
            return this;
        }

        public boolean deleteFilesOnClose()
        {
            return deleteFilesOnClose;
        }

        /** Validate every setting; called by the backend's constructor. */
        public Context conclude()
        {
            if (concluded)
            {
                return this;
            }
            if (entriesPerShard < 0)
            {
                throw new IllegalArgumentException("entriesPerShard must be >= 0 (0 = use the hint): " +
                    entriesPerShard);
            }
            if (minEntriesPerShard < 1)
            {
                throw new IllegalArgumentException("minEntriesPerShard must be >= 1: " + minEntriesPerShard);
            }
            if (!(averageKeySizeBytes >= 1) || !(averageValueSizeBytes >= 1))
            {
                throw new IllegalArgumentException("averageKeySizeBytes and averageValueSizeBytes must be >= 1: " +
                    averageKeySizeBytes + ", " + averageValueSizeBytes);
            }
            if (!(maxBloatFactor >= 1.0 && maxBloatFactor <= 1000.0))
            {
                throw new IllegalArgumentException("maxBloatFactor must be in [1.0, 1000.0]: " + maxBloatFactor);
            }
            if (!(growthFactor > 1.0))
            {
                throw new IllegalArgumentException("growthFactor must be > 1.0: " + growthFactor);
            }
            if (chunkSizeBytes < 0 || chunkSizeBytes > MAX_CHUNK_SIZE_BYTES)
            {
                throw new IllegalArgumentException("chunkSizeBytes must be in [1, " + MAX_CHUNK_SIZE_BYTES +
                    "], or 0 for Chronicle's choice: " + chunkSizeBytes);
            }
            if (nurserySlots != 0 && (nurserySlots < NurseryStore.INITIAL_SLOTS ||
                nurserySlots > NurseryTable.MAX_CAPACITY || Integer.bitCount(nurserySlots) != 1))
            {
                throw new IllegalArgumentException("nurserySlots must be 0 (off) or a power of two from " +
                    NurseryStore.INITIAL_SLOTS + " to " + NurseryTable.MAX_CAPACITY + ": " + nurserySlots);
            }
            if (entriesPerSegment < 0)
            {
                throw new IllegalArgumentException("entriesPerSegment must be >= 0 (0 = Chronicle's choice): " +
                    entriesPerSegment);
            }
            concluded = true;
            return this;
        }

        private void checkNotConcluded()
        {
            if (concluded)
            {
                throw new IllegalStateException("Context already used by a ChronicleStateBackend");
            }
        }

        public String toString()
        {
            return "ChronicleStateBackend.Context{entriesPerShard=" + entriesPerShard +
                ", minEntriesPerShard=" + minEntriesPerShard +
                ", averageKeySizeBytes=" + averageKeySizeBytes +
                ", averageValueSizeBytes=" + averageValueSizeBytes +
                ", maxBloatFactor=" + maxBloatFactor +
                ", growthFactor=" + growthFactor +
                ", growOnFull=" + growOnFull +
                ", entriesPerSegment=" + entriesPerSegment +
                ", chunkSizeBytes=" + chunkSizeBytes +
                ", directory=" + directory +
                ", deleteFilesOnClose=" + deleteFilesOnClose +
                ", nurserySlots=" + nurserySlots +
                ", warmUpCheckpointPaths=" + warmUpCheckpointPaths +
                ", mapsOnFirstWrite=" + mapsOnFirstWrite + '}';
        }
    }
}
