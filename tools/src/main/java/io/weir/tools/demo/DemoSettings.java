package io.weir.tools.demo;

import io.weir.tools.cli.Backends;
import io.weir.tools.cli.Options;
import io.weir.tools.cli.UsageException;

import java.nio.file.Path;
import java.util.Set;

/**
 * The options of {@code weir demo}, parsed and validated before anything starts. Immutable.
 *
 * @param timeScale        the generated event-time clock runs this many times faster than the wall clock.
 * @param outOfOrdernessMs event-time jitter of the generator and the watermark bound.
 */
record DemoSettings(
    boolean help,
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
    static final long RATE_DEFAULT = 20_000;
    static final int CARDS_DEFAULT = 300_000;
    static final long SEED_DEFAULT = 42;
    static final String CHECKPOINT_DIR_DEFAULT = "weir-demo-checkpoints";
    static final long CHECKPOINT_INTERVAL_MS_DEFAULT = 1000;
    static final long TIME_SCALE_DEFAULT = 600;
    static final long OUT_OF_ORDERNESS_MS_DEFAULT = 2000;
    static final int SAMPLES_DEFAULT = 10;

    private static final Set<String> VALUED = Set.of("duration-s", "rate", "cards", "seed", "shards", "backend",
        "checkpoint-dir", "checkpoint-interval-ms", "time-scale", "out-of-order-ms", "samples");

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

    static DemoSettings parse(final String[] args)
    {
        final Options options = Options.parse(COMMAND, args, 0, VALUED, Set.of("help"));
        boolean help = options.flag("help");
        for (final String arg : options.positional())
        {
            if (!arg.equals("-h"))
            {
                throw new UsageException(COMMAND + ": unexpected argument '" + arg + "' (see '" + COMMAND +
                    " --help')");
            }
            help = true;
        }
        final String backend = options.string("backend", Backends.DEFAULT);
        if (!Backends.NAMES.contains(backend))
        {
            throw new UsageException(COMMAND + ": unknown backend '" + backend + "'; backends: " +
                String.join(", ", Backends.NAMES));
        }
        final int cpus = Runtime.getRuntime().availableProcessors();
        return new DemoSettings(
            help,
            options.longValue("duration-s", DURATION_S_DEFAULT, 1, 24 * 3600),
            options.longValue("rate", RATE_DEFAULT, 1, 100_000_000),
            options.intValue("cards", CARDS_DEFAULT, 1, 100_000_000),
            options.longValue("seed", SEED_DEFAULT, Long.MIN_VALUE, Long.MAX_VALUE),
            options.intValue("shards", cpus, 1, 128),
            backend,
            Path.of(options.string("checkpoint-dir", CHECKPOINT_DIR_DEFAULT)),
            options.longValue("checkpoint-interval-ms", CHECKPOINT_INTERVAL_MS_DEFAULT, 10, 3_600_000),
            options.longValue("time-scale", TIME_SCALE_DEFAULT, 1, 100_000),
            options.longValue("out-of-order-ms", OUT_OF_ORDERNESS_MS_DEFAULT, 0, 3_600_000),
            options.intValue("samples", SAMPLES_DEFAULT, 0, 1000));
    }
}
