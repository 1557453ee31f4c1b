package io.weir.api;

/**
 * Which threads run a job's shards (their duty cycles: reading input, processing, timers, snapshot points). Chosen
 * when the job is built; every mode keeps the same guarantees (watermarks, event- and processing-time timers,
 * checkpoints, exactly-once restore), and key groups are partitioned over shards the same way in each, so a
 * checkpoint or savepoint restores into any mode and shard count.
 */
public enum ThreadingMode
{
    /** One thread per shard and per source. The default. */
    DEDICATED,

    /** One thread runs every shard's duty cycle in turn; sources keep their own threads. */
    SHARED,

    /**
     * No shard or source threads: the application thread runs the duty cycles of every source and shard, through
     * the job's invoker ({@code Job.invoker().invoke()}), and an application producer runs them itself while a full
     * ring holds back an offer. An element offered is processed on the offering thread when it next invokes, with
     * no second spinning thread. Timers and checkpoints progress only while the application invokes. Only the
     * checkpoint thread remains; it writes the checkpoint files.
     */
    INVOKER;

    /** Parses {@code dedicated}, {@code shared} or {@code invoker} (any case), naming {@code source} if bad. */
    public static ThreadingMode parse(final String value, final String source)
    {
        for (final ThreadingMode mode : values())
        {
            if (mode.name().equalsIgnoreCase(value.trim()))
            {
                return mode;
            }
        }
        throw new IllegalArgumentException(source + " must be dedicated, shared or invoker, got '" + value + "'");
    }
}
