package io.weir.engine.checkpoint;

import io.weir.engine.runtime.ShardRestore;
import io.weir.snapshot.CheckpointDirectory;

import java.nio.file.Path;

/**
 * How a job checkpoints: where, how often, how many to keep, when to start a new full base, and what to
 * restore from. Immutable.
 *
 * @param directory           checkpoint root; null disables checkpoints.
 * @param intervalMs          0: only on request ({@code triggerCheckpoint}, savepoints).
 * @param maxDeltaChainLength a shard's chain is compacted into a new full base (or, where the shards write their
 *                            files, ended by a full snapshot) when it holds this many files, unless its deltas are
 *                            still small against its base: see {@link #isChainDue}.
 * @param deltaToBaseRatio    a chain of {@code maxDeltaChainLength} files or more waits for its deltas to add up to
 *                            this fraction of its base's bytes, up to {@link #CHAIN_LENGTH_LIMIT_FACTOR} times that
 *                            many files: a large state with few changes is merged less often, and the deltas of a
 *                            chain that long add up to about this fraction of its base at most. 0: at the length
 *                            alone.
 * @param restoreFrom         a checkpoint or savepoint directory to restore; null: the newest complete checkpoint
 *                            under {@code directory}, if any.
 * @param writerSliceMicros   the checkpoint thread sleeps after each slice of this much file writing, so that
 *                            it never holds a core a busy shard needs for longer; 0 never sleeps. See
 *                            {@link #WRITER_SLICE_MICROS_DEFAULT}. Applies to the checkpoint thread only.
 * @param stateWriter         which thread writes the shards' state files of periodic checkpoints; savepoints are
 *                            always written by the checkpoint thread. See {@link StateWriter}.
 * @param allowNonRestoredState a restore drops the state of a checkpoint that the job no longer registers (logging
 *                            each), instead of refusing the checkpoint; see {@link ShardRestore}.
 */
public record CheckpointSettings(
    Path directory,
    long intervalMs,
    int retainedCheckpoints,
    int maxDeltaChainLength,
    double deltaToBaseRatio,
    Path restoreFrom,
    long writerSliceMicros,
    StateWriter stateWriter,
    boolean allowNonRestoredState)
{
    /** Who reads a shard's snapshot and writes its state file. */
    public enum StateWriter
    {
        /**
         * The shard itself, a few entries at a time when its input is empty (and one step per busy duty cycle, so
         * that a saturated shard still completes its checkpoints). No thread competes with the shard for its
         * core, and an event waits at most one step; the checkpoint thread only opens, fsyncs and publishes
         * files. For machines with no core to spare for checkpoints. A backend whose writes may wait for an open
         * snapshot (LMDB: its map grows only with no read transaction open) has its snapshots read by the
         * checkpoint thread instead ({@link io.weir.state.spi.StateBackend#shardMayReadItsSnapshots}).
         */
        SHARD,

        /**
         * The checkpoint thread, while the shard goes on: the shard does no checkpoint work at all, which is
         * best when a core is free for the checkpoint thread; on a machine whose cores are all busy it preempts
         * a shard (see {@link #writerSliceMicros}).
         */
        CHECKPOINT_THREAD;

        /** Parses {@code shard} or {@code checkpoint-thread} (case-insensitive), naming {@code source} if bad. */
        public static StateWriter parse(final String value, final String source)
        {
            final String normalized = value.trim().toLowerCase(java.util.Locale.ROOT);
            if (normalized.equals("shard"))
            {
                return SHARD;
            }
            if (normalized.equals("checkpoint-thread"))
            {
                return CHECKPOINT_THREAD;
            }
            throw new IllegalArgumentException(source + " must be 'shard' or 'checkpoint-thread', got '" + value +
                "'");
        }
    }

    /** System property that overrides {@link #STATE_WRITER_DEFAULT} for settings made without one. */
    public static final String STATE_WRITER_PROP_NAME = "weir.checkpoint.state.writer";

    /** The default {@link StateWriter}. */
    public static final StateWriter STATE_WRITER_DEFAULT = StateWriter.SHARD;

    /** System property that overrides {@link #WRITER_SLICE_MICROS_DEFAULT} for settings made without one. */
    public static final String WRITER_SLICE_MICROS_PROP_NAME = "weir.checkpoint.writer.slice.us";

    /**
     * Checkpoint writing between sleeps, in microseconds. A sleep is about 50 µs on Linux, so the writer takes
     * at most about four fifths of a core. That matters when busy-spinning shards and producers fill every core:
     * the writer then runs by preempting one of them, which otherwise loses a whole scheduler slice (several
     * milliseconds) each time. Measured at 500,000 events/s on two cores (perf/README.md): p99 33 and 23 ms
     * without sleeps, 4-7 ms with slices from 20 to 1,000 µs; slices under 200 µs raised the median from 1 µs
     * to 3-19 µs (more preemptions), and unthrottled throughput did not change.
     */
    public static final long WRITER_SLICE_MICROS_DEFAULT = 200;

    /** The default {@link #maxDeltaChainLength}. */
    public static final int MAX_DELTA_CHAIN_LENGTH_DEFAULT = 10;

    /**
     * The default {@link #deltaToBaseRatio}: a base is rewritten once its chain's deltas add up to half of it, not
     * every {@link #maxDeltaChainLength} files (at 50M keys and a checkpoint a second, a base of 775 MB a shard was
     * merged from deltas of about 10 MB each), and a restore of a chain that long reads about one and a half times
     * its base.
     */
    public static final double DELTA_TO_BASE_RATIO_DEFAULT = 0.5;

    /** A chain never grows longer than this many times {@link #maxDeltaChainLength}, however small its deltas. */
    public static final int CHAIN_LENGTH_LIMIT_FACTOR = 16;

    /** No checkpoints: the default of a {@link io.weir.engine.WeirContext}. */
    public static final CheckpointSettings DISABLED =
        new CheckpointSettings(null, 0, 3, MAX_DELTA_CHAIN_LENGTH_DEFAULT, DELTA_TO_BASE_RATIO_DEFAULT, null,
            defaultWriterSliceMicros(), defaultStateWriter(), false);

    /** Validates every setting; throws {@link IllegalArgumentException} naming the bad one. */
    public CheckpointSettings
    {
        if (intervalMs < 0)
        {
            throw new IllegalArgumentException("checkpoint interval must be >= 0 ms: " + intervalMs);
        }
        if (retainedCheckpoints < 1)
        {
            throw new IllegalArgumentException("retained checkpoints must be >= 1: " + retainedCheckpoints);
        }
        if (maxDeltaChainLength < 1)
        {
            throw new IllegalArgumentException("max delta chain length must be >= 1: " + maxDeltaChainLength);
        }
        if (!(deltaToBaseRatio >= 0) || Double.isInfinite(deltaToBaseRatio))
        {
            throw new IllegalArgumentException("delta-to-base ratio must be a finite number >= 0: " +
                deltaToBaseRatio);
        }
        if (writerSliceMicros < 0)
        {
            throw new IllegalArgumentException("checkpoint writer slice must be >= 0 µs (0: never sleep): " +
                writerSliceMicros);
        }
        if (null == stateWriter)
        {
            throw new IllegalArgumentException("state writer must be set (SHARD or CHECKPOINT_THREAD)");
        }
    }

    /** {@link #STATE_WRITER_DEFAULT}, or the {@value #STATE_WRITER_PROP_NAME} system property. */
    public static StateWriter defaultStateWriter()
    {
        final String value = System.getProperty(STATE_WRITER_PROP_NAME);
        return null == value ? STATE_WRITER_DEFAULT : StateWriter.parse(value, "system property " +
            STATE_WRITER_PROP_NAME);
    }

    /** {@link #WRITER_SLICE_MICROS_DEFAULT}, or the {@value #WRITER_SLICE_MICROS_PROP_NAME} system property. */
    public static long defaultWriterSliceMicros()
    {
        final String value = System.getProperty(WRITER_SLICE_MICROS_PROP_NAME);
        if (null == value)
        {
            return WRITER_SLICE_MICROS_DEFAULT;
        }
        try
        {
            return Long.parseLong(value.trim());
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("system property " + WRITER_SLICE_MICROS_PROP_NAME +
                " must be a whole number of microseconds, got '" + value + "'", ex);
        }
    }

    /**
     * Checkpoints into {@code directory} every {@code intervalMs} ms, with the default retention, chain length and
     * writer.
     */
    public static CheckpointSettings every(final Path directory, final long intervalMs)
    {
        return new CheckpointSettings(directory, intervalMs, CheckpointDirectory.RETAINED_CHECKPOINTS_DEFAULT,
            MAX_DELTA_CHAIN_LENGTH_DEFAULT, DELTA_TO_BASE_RATIO_DEFAULT, null, defaultWriterSliceMicros(),
            defaultStateWriter(), false);
    }

    /** True if checkpoints are taken (a directory is set). */
    public boolean enabled()
    {
        return directory != null;
    }

    /** These settings, restoring from the checkpoint or savepoint directory {@code path} at start. */
    public CheckpointSettings restoreFrom(final Path path)
    {
        return new CheckpointSettings(directory, intervalMs, retainedCheckpoints, maxDeltaChainLength,
            deltaToBaseRatio, path, writerSliceMicros, stateWriter, allowNonRestoredState);
    }

    /** These settings, with chains due for a new base from {@code length} files on ({@link #isChainDue}). */
    public CheckpointSettings maxDeltaChainLength(final int length)
    {
        return new CheckpointSettings(directory, intervalMs, retainedCheckpoints, length,
            deltaToBaseRatio, restoreFrom, writerSliceMicros, stateWriter, allowNonRestoredState);
    }

    /** These settings, with chains of {@code length} files or more waiting for deltas of {@code ratio} × base. */
    public CheckpointSettings deltaToBaseRatio(final double ratio)
    {
        return new CheckpointSettings(directory, intervalMs, retainedCheckpoints, maxDeltaChainLength, ratio,
            restoreFrom, writerSliceMicros, stateWriter, allowNonRestoredState);
    }

    /**
     * Whether a shard's chain is due for a new base: it holds {@link #maxDeltaChainLength} files and its deltas
     * add up to {@link #deltaToBaseRatio} of its base, or it holds {@link #chainLengthLimit} files.
     *
     * @param files      in the chain, the base included.
     * @param baseBytes  the size of its full base file.
     * @param deltaBytes the sizes of its delta files, added up.
     */
    public boolean isChainDue(final int files, final long baseBytes, final long deltaBytes)
    {
        return files > 1 && (files >= chainLengthLimit() ||
            (files >= maxDeltaChainLength && deltaBytes >= deltaToBaseRatio * baseBytes));
    }

    /** The most files a chain holds before it is due whatever its sizes. */
    public int chainLengthLimit()
    {
        return (int)Math.min(Integer.MAX_VALUE, (long)maxDeltaChainLength * CHAIN_LENGTH_LIMIT_FACTOR);
    }

    /** These settings, keeping the newest {@code count} completed checkpoints on disk. */
    public CheckpointSettings retainedCheckpoints(final int count)
    {
        return new CheckpointSettings(directory, intervalMs, count, maxDeltaChainLength,
            deltaToBaseRatio, restoreFrom, writerSliceMicros, stateWriter, allowNonRestoredState);
    }

    /** These settings, with the checkpoint writer sleeping after each {@code micros} µs of writing (0: never). */
    public CheckpointSettings writerSliceMicros(final long micros)
    {
        return new CheckpointSettings(directory, intervalMs, retainedCheckpoints, maxDeltaChainLength,
            deltaToBaseRatio, restoreFrom, micros, stateWriter, allowNonRestoredState);
    }

    /** These settings, with {@code writer} writing the shards' state files. */
    public CheckpointSettings stateWriter(final StateWriter writer)
    {
        return new CheckpointSettings(directory, intervalMs, retainedCheckpoints, maxDeltaChainLength,
            deltaToBaseRatio, restoreFrom, writerSliceMicros, writer, allowNonRestoredState);
    }

    /**
     * Whether a restore may leave out state of the checkpoint that the job no longer registers (Flink's
     * {@code --allowNonRestoredState}); without it such a checkpoint is refused, naming the state.
     */
    public CheckpointSettings allowNonRestoredState(final boolean allow)
    {
        return new CheckpointSettings(directory, intervalMs, retainedCheckpoints, maxDeltaChainLength,
            deltaToBaseRatio, restoreFrom, writerSliceMicros, stateWriter, allow);
    }
}
