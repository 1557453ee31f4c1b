package io.weir.engine;

/** Defaults of {@link WeirContext}, with the system properties that override them. */
public final class Configuration
{
    public static final String SHARDS_PROP_NAME = "weir.shards";
    public static final int RING_CAPACITY_BYTES_DEFAULT = 1 << 20;
    public static final int READ_BATCH_LIMIT_DEFAULT = 256;
    public static final String PREFETCH_EVENTS_PROP_NAME = "weir.prefetch.events";
    /** Events a shard reads ahead for its store to prefetch (8, 16 and 32 measured alike on 2026-12-03, perf/README.md). */
    public static final int PREFETCH_EVENTS_DEFAULT = 16;
    public static final String WINDOW_ACCUMULATORS_PROP_NAME = "weir.window.accumulators";
    /** Window accumulators a window stage keeps in memory on a shard between snapshot points, at most. */
    public static final int WINDOW_ACCUMULATORS_DEFAULT = 1 << 14;
    public static final int MAX_PREFETCH_EVENTS = 64;
    public static final int WATERMARK_BROADCAST_EVENTS_DEFAULT = 256;
    public static final int MAX_KEY_LENGTH_DEFAULT = 256;
    public static final long EXPECTED_ENTRIES_PER_SHARD_DEFAULT = 1 << 20;
    public static final String COUNTERS_ENABLED_PROP_NAME = "weir.counters.enabled";

    private Configuration()
    {
    }

    /** Shards default: {@code weir.shards} if set, else the number of available processors. */
    public static int shards()
    {
        return Integer.getInteger(SHARDS_PROP_NAME, Runtime.getRuntime().availableProcessors());
    }

    /** {@value #PREFETCH_EVENTS_PROP_NAME}, or {@link #PREFETCH_EVENTS_DEFAULT}. */
    public static int prefetchEvents()
    {
        return Integer.getInteger(PREFETCH_EVENTS_PROP_NAME, PREFETCH_EVENTS_DEFAULT);
    }

    /** {@value #WINDOW_ACCUMULATORS_PROP_NAME}, or {@link #WINDOW_ACCUMULATORS_DEFAULT}. */
    public static int windowAccumulators()
    {
        return Integer.getInteger(WINDOW_ACCUMULATORS_PROP_NAME, WINDOW_ACCUMULATORS_DEFAULT);
    }

    /** {@value #COUNTERS_ENABLED_PROP_NAME}, default true. */
    public static boolean countersEnabled()
    {
        return !"false".equals(System.getProperty(COUNTERS_ENABLED_PROP_NAME));
    }
}
