package io.weir.engine;

import io.weir.engine.runtime.ChainSettings;
import io.weir.engine.runtime.KeyGroups;
import io.weir.engine.checkpoint.CheckpointSettings;
import io.weir.engine.counters.CountersDirectory;
import io.weir.state.heap.HeapStateBackend;
import io.weir.state.spi.StateBackend;
import org.agrona.BitUtil;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SystemEpochClock;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Settings of a job, Aeron-style: a fluent, single-use context validated once by {@link #conclude()} before any
 * thread starts. Defaults come from {@link Configuration}. Not thread-safe; owned by the thread building the job.
 */
public final class WeirContext implements io.weir.api.dataflow.DataflowRunner
{
    private int shards = Configuration.shards();
    private int maxParallelism = KeyGroups.DEFAULT_MAX_PARALLELISM;
    private int ringCapacityBytes = Configuration.RING_CAPACITY_BYTES_DEFAULT;
    private int readBatchLimit = Configuration.READ_BATCH_LIMIT_DEFAULT;
    private int prefetchEvents = Configuration.prefetchEvents();
    private int windowAccumulatorsInMemory = Configuration.windowAccumulators();
    private int watermarkBroadcastEvents = Configuration.WATERMARK_BROADCAST_EVENTS_DEFAULT;
    private int maxKeyLength = Configuration.MAX_KEY_LENGTH_DEFAULT;
    private long expectedEntriesPerShard = Configuration.EXPECTED_ENTRIES_PER_SHARD_DEFAULT;
    private int externalProducers;
    private StateBackend stateBackend;
    private EpochClock epochClock = SystemEpochClock.INSTANCE;
    private Supplier<IdleStrategy> shardIdleStrategy = BackoffFactory.INSTANCE;
    private Supplier<IdleStrategy> sourceIdleStrategy = BackoffFactory.INSTANCE;
    private CheckpointSettings checkpointSettings = CheckpointSettings.DISABLED;
    private Consumer<String> log = WeirContext::logToSystemLogger;
    private boolean countersEnabled = Configuration.countersEnabled();
    private boolean hotKeyCache;
    private Path countersDirectory = CountersDirectory.defaultDirectory();
    private io.weir.api.ThreadingMode threading = io.weir.api.ThreadingMode.DEDICATED;
    private boolean concluded;

    /** Number of shards (threads owning key-group ranges). Default: available processors. */
    public WeirContext shards(final int shards)
    {
        this.shards = shards;
        return this;
    }

    /** The number of shards. */
    public int shards()
    {
        return shards;
    }

    /**
     * Which threads run the shards: one each ({@code DEDICATED}, the default), one for all ({@code SHARED}), or the
     * application's through the job's invoker ({@code INVOKER}); see {@link io.weir.api.ThreadingMode}. With
     * {@code INVOKER} the checkpoint thread writes every state file ({@link CheckpointSettings.StateWriter}).
     */
    public WeirContext threading(final io.weir.api.ThreadingMode threading)
    {
        this.threading = threading;
        return this;
    }

    /** Which threads run the shards. */
    public io.weir.api.ThreadingMode threading()
    {
        return threading;
    }

    /** Number of key groups; fixed for the life of the state. Default 128. */
    public WeirContext maxParallelism(final int maxParallelism)
    {
        this.maxParallelism = maxParallelism;
        return this;
    }

    /** The number of key groups. */
    public int maxParallelism()
    {
        return maxParallelism;
    }

    /** Data capacity of each (producer, shard) ring; a power of two. */
    public WeirContext ringCapacityBytes(final int ringCapacityBytes)
    {
        this.ringCapacityBytes = ringCapacityBytes;
        return this;
    }

    /** The data capacity of each (producer, shard) ring, in bytes. */
    public int ringCapacityBytes()
    {
        return ringCapacityBytes;
    }

    /** Messages a shard reads from one ring per duty cycle. */
    public WeirContext readBatchLimit(final int readBatchLimit)
    {
        this.readBatchLimit = readBatchLimit;
        return this;
    }

    /** Messages a shard reads from one ring per duty cycle. */
    public int readBatchLimit()
    {
        return readBatchLimit;
    }

    /**
     * Events a shard reads ahead in its input, so that a store whose look-ups miss the CPU cache (Chronicle Map) can
     * load the memory of their keys' value, reducing and aggregating states all together first
     * ({@link io.weir.state.spi.KeyedStateStore#prefetch}). 0 turns it off; at most
     * {@value Configuration#MAX_PREFETCH_EVENTS}. Default {@value Configuration#PREFETCH_EVENTS_DEFAULT}, or the
     * system property {@value Configuration#PREFETCH_EVENTS_PROP_NAME}.
     */
    public WeirContext prefetchEvents(final int prefetchEvents)
    {
        this.prefetchEvents = prefetchEvents;
        return this;
    }

    /** The events a shard reads ahead so its store can prefetch their keys. */
    public int prefetchEvents()
    {
        return prefetchEvents;
    }

    /**
     * The accumulators of fixed-size windows (tumbling, and sliding ones aggregated per window) each window operator
     * instance (a window stage on a shard) keeps out of the state store, at most: a window created since the last
     * snapshot point keeps them there until it fires, and a snapshot point writes those of the windows still open to
     * the store, about 0.1-0.2 µs each, in the shard's pause. Windows and keys beyond it keep theirs in the store, and
     * so does an accumulator of more than 256 bytes. 0 keeps every window in the store. Default
     * {@value Configuration#WINDOW_ACCUMULATORS_DEFAULT}, or the system property
     * {@value Configuration#WINDOW_ACCUMULATORS_PROP_NAME}.
     */
    public WeirContext windowAccumulatorsInMemory(final int maxPerShard)
    {
        if (maxPerShard < 0)
        {
            throw new IllegalArgumentException("windowAccumulatorsInMemory must be 0 or more: " + maxPerShard);
        }
        this.windowAccumulatorsInMemory = maxPerShard;
        return this;
    }

    /** The window accumulators a window stage keeps in memory on a shard between snapshot points, at most. */
    public int windowAccumulatorsInMemory()
    {
        return windowAccumulatorsInMemory;
    }

    /** A producer broadcasts its watermark to every shard at least this often, in events. */
    public WeirContext watermarkBroadcastEvents(final int watermarkBroadcastEvents)
    {
        this.watermarkBroadcastEvents = watermarkBroadcastEvents;
        return this;
    }

    /** The most events a producer sends before it broadcasts its watermark to every shard. */
    public int watermarkBroadcastEvents()
    {
        return watermarkBroadcastEvents;
    }

    /** Longest serialized key accepted, in bytes. */
    public WeirContext maxKeyLength(final int maxKeyLength)
    {
        this.maxKeyLength = maxKeyLength;
        return this;
    }

    /** The longest encoded key accepted, in bytes. */
    public int maxKeyLength()
    {
        return maxKeyLength;
    }

    /** Sizing hint handed to the state backend for each shard's store. */
    public WeirContext expectedEntriesPerShard(final long expectedEntriesPerShard)
    {
        this.expectedEntriesPerShard = expectedEntriesPerShard;
        return this;
    }

    /** The sizing hint handed to the state backend for each shard's store. */
    public long expectedEntriesPerShard()
    {
        return expectedEntriesPerShard;
    }

    /** Producer handles the embedding application will take with {@code WeirJob.producer(i)}. */
    public WeirContext externalProducers(final int externalProducers)
    {
        this.externalProducers = externalProducers;
        return this;
    }

    /** The number of application threads that offer events through {@link WeirJob#producer(int)}. */
    public int externalProducers()
    {
        return externalProducers;
    }

    /** Where keyed state lives. Default: the heap backend. */
    public WeirContext stateBackend(final StateBackend stateBackend)
    {
        this.stateBackend = stateBackend;
        return this;
    }

    /** The state backend; the heap backend after {@link #conclude()} if none was set. */
    public StateBackend stateBackend()
    {
        return stateBackend;
    }

    /** Processing-time clock (timers, TTL). Inject a controllable one in tests. */
    public WeirContext epochClock(final EpochClock epochClock)
    {
        this.epochClock = epochClock;
        return this;
    }

    /** The processing-time clock (timers, TTL). */
    public EpochClock epochClock()
    {
        return epochClock;
    }

    /** The settings every operator chain of a job of this context reads. */
    ChainSettings chainSettings()
    {
        return new ChainSettings(maxKeyLength(), epochClock(), maxParallelism(), readBatchLimit(), prefetchEvents(),
            windowAccumulatorsInMemory(), checkpointSettings.enabled() ? checkpointSettings.intervalMs() : 0);
    }

    /** Idle strategy of each shard thread (one instance per shard). Busy-spin for lowest latency. */
    public WeirContext shardIdleStrategy(final Supplier<IdleStrategy> shardIdleStrategy)
    {
        this.shardIdleStrategy = shardIdleStrategy;
        return this;
    }

    /** Makes the idle strategy of each shard thread. */
    public Supplier<IdleStrategy> shardIdleStrategy()
    {
        return shardIdleStrategy;
    }

    /** Idle strategy of source threads and of blocking offers. */
    public WeirContext sourceIdleStrategy(final Supplier<IdleStrategy> sourceIdleStrategy)
    {
        this.sourceIdleStrategy = sourceIdleStrategy;
        return this;
    }

    /** Makes the idle strategy of each source thread. */
    public Supplier<IdleStrategy> sourceIdleStrategy()
    {
        return sourceIdleStrategy;
    }

    /** Checkpoints: directory, interval, retention, restore. Default: disabled. */
    public WeirContext checkpoints(final CheckpointSettings checkpointSettings)
    {
        this.checkpointSettings = checkpointSettings;
        return this;
    }

    /** The checkpoint settings; see {@link #checkpoints(CheckpointSettings)}. */
    public CheckpointSettings checkpoints()
    {
        return checkpointSettings;
    }

    /**
     * Where the engine reports what an operator should know (restores, abandoned checkpoints). Default: the
     * {@link System.Logger} named {@code io.weir.engine}, at level INFO.
     */
    public WeirContext log(final Consumer<String> log)
    {
        this.log = log;
        return this;
    }

    /** Where the engine reports what an operator should know. */
    public Consumer<String> log()
    {
        return log;
    }

    /**
     * Whether each shard's store has a {@link io.weir.state.spi.HotKeyCache} in front of it: the small entries of
     * recently used keys are read and written there, and reach the store when another key takes their slot, before
     * a scan or count, at the snapshot point and on close; a put right after the store's read of its key writes
     * through. It steps aside whenever fewer than half of 4,096 look-ups hit: for 4,096 operations at first, twice
     * as long at each step aside that follows another with no window of enough hits between them, up to about 4M;
     * back from a step aside, it writes puts through until a window hits. Default false: in front of today's stores
     * it cost the jobs measured more than it saved ({@code perf/README.md}).
     */
    public WeirContext hotKeyCache(final boolean hotKeyCache)
    {
        this.hotKeyCache = hotKeyCache;
        return this;
    }

    public boolean hotKeyCache()
    {
        return hotKeyCache;
    }

    /**
     * Whether the running job publishes its counters (a memory-mapped file read by {@code weir stat}, and a JMX
     * MBean). Default true, or the system property {@value Configuration#COUNTERS_ENABLED_PROP_NAME}.
     */
    public WeirContext countersEnabled(final boolean countersEnabled)
    {
        this.countersEnabled = countersEnabled;
        return this;
    }

    public boolean countersEnabled()
    {
        return countersEnabled;
    }

    /**
     * Where the running job publishes its counters file. Default: the system property
     * {@value CountersDirectory#DIR_PROP_NAME}, else {@value CountersDirectory#DEFAULT_DIR_NAME} under
     * {@code java.io.tmpdir}.
     */
    public WeirContext countersDirectory(final Path countersDirectory)
    {
        this.countersDirectory = countersDirectory;
        return this;
    }

    public Path countersDirectory()
    {
        return countersDirectory;
    }

    private static void logToSystemLogger(final String message)
    {
        System.getLogger("io.weir.engine").log(System.Logger.Level.INFO, message);
    }

    /** Validate every setting; called once by the job builder before threads start. */
    public WeirContext conclude()
    {
        JvmAccess.ensureAccess();
        if (concluded)
        {
            throw new IllegalStateException("a WeirContext can be used by one job only; create a new one");
        }
        concluded = true;
        if (maxParallelism < 1 || maxParallelism > KeyGroups.MAX_MAX_PARALLELISM)
        {
            throw new IllegalArgumentException(
                "maxParallelism must be in 1.." + KeyGroups.MAX_MAX_PARALLELISM + ": " + maxParallelism);
        }
        if (shards < 1 || shards > maxParallelism)
        {
            throw new IllegalArgumentException(
                "shards must be in 1..maxParallelism (" + maxParallelism + "): " + shards);
        }
        if (!BitUtil.isPowerOfTwo(ringCapacityBytes) || ringCapacityBytes < 4096)
        {
            throw new IllegalArgumentException(
                "ringCapacityBytes must be a power of two >= 4096: " + ringCapacityBytes);
        }
        if (readBatchLimit < 1)
        {
            throw new IllegalArgumentException("readBatchLimit must be positive: " + readBatchLimit);
        }
        if (prefetchEvents < 0 || prefetchEvents > Configuration.MAX_PREFETCH_EVENTS)
        {
            throw new IllegalArgumentException("prefetchEvents must be in 0.." + Configuration.MAX_PREFETCH_EVENTS +
                ": " + prefetchEvents);
        }
        if (windowAccumulatorsInMemory < 0)
        {
            throw new IllegalArgumentException("windowAccumulatorsInMemory must be 0 or more (" +
                Configuration.WINDOW_ACCUMULATORS_PROP_NAME + "): " + windowAccumulatorsInMemory);
        }
        if (watermarkBroadcastEvents < 1)
        {
            throw new IllegalArgumentException(
                "watermarkBroadcastEvents must be positive: " + watermarkBroadcastEvents);
        }
        if (externalProducers < 0)
        {
            throw new IllegalArgumentException("externalProducers must be >= 0: " + externalProducers);
        }
        if (expectedEntriesPerShard < 1)
        {
            throw new IllegalArgumentException(
                "expectedEntriesPerShard must be positive: " + expectedEntriesPerShard);
        }
        if (countersEnabled && countersDirectory == null)
        {
            throw new IllegalArgumentException("countersDirectory must be set when counters are enabled");
        }
        if (threading == null)
        {
            throw new IllegalArgumentException("threading must be set: DEDICATED, SHARED or INVOKER");
        }
        if (stateBackend == null)
        {
            stateBackend = new HeapStateBackend();
        }
        return this;
    }

    /** Bytes to allocate for one ring: data capacity plus Agrona's trailer. */
    int ringBufferLength()
    {
        return ringCapacityBytes + RingBufferDescriptor.TRAILER_LENGTH;
    }

    private static final class BackoffFactory implements Supplier<IdleStrategy>
    {
        static final BackoffFactory INSTANCE = new BackoffFactory();

        public IdleStrategy get()
        {
            return new BackoffIdleStrategy(100, 10, 1_000, 1_000_000);
        }
    }

    /** Validate these settings and wire {@code dataflow} as a job (not started). */
    public WeirJob<Object, Object> build(final io.weir.api.dataflow.Dataflow dataflow)
    {
        return DataflowTranslator.build(dataflow, this);
    }
}
