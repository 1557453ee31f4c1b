package io.weir.tools.demo;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The options of {@code weir demo}, validated before anything starts. Immutable.
 *
 * @param timeScale        the generated event-time clock runs this many times faster than the wall clock.
 * @param outOfOrdernessMs event-time jitter of the generator and the watermark bound.
 */
record DemoSettings(
    long durationS,
    long ratePerSecond,
    int cards,
    long seed,
    int shards,
    String backend,
    Path checkpointDir,
    long checkpointIntervalMs,
    long timeScale,
    long outOfOrdernessMs,
    int samples)
{
    static final String COMMAND = "weir demo";
    static final long DURATION_S_DEFAULT = 20;
    static final long RATE_DEFAULT = 10_000;
    static final int CARDS_DEFAULT = 300_000;
    static final long SEED_DEFAULT = 42;
    static final String CHECKPOINT_DIR_DEFAULT = "weir-demo-checkpoints";
    static final long CHECKPOINT_INTERVAL_MS_DEFAULT = 1000;
    static final long TIME_SCALE_DEFAULT = 600;
    static final long OUT_OF_ORDERNESS_MS_DEFAULT = 2000;
    static final int SAMPLES_DEFAULT = 10;

    /**
     * The first fifth of the run: the generator's rate rises to {@code --rate} over it, and neither its latencies
     * nor its transactions count in the report's percentiles and sustained rate.
     */
    long warmupNs()
    {
        return TimeUnit.SECONDS.toNanos(durationS) / 5;
    }

    /** The 30-minute session gap on the generated clock. */
    long sessionGapMs()
    {
        return FraudDetector.SESSION_GAP_MS;
    }

    /** The 1-hour state TTL, scaled like the event-time clock (TTL runs on the processing-time clock). */
    long stateTtlMs()
    {
        return Math.max(1, FraudDetector.STATE_TTL_MS / timeScale);
    }
}
