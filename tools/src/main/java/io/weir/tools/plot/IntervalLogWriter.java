package io.weir.tools.plot;

import io.weir.engine.checkpoint.CheckpointStats;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogWriter;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes an HdrHistogram interval log ({@code .hlog}) of nanosecond latencies: one line per interval through
 * {@link HistogramLogWriter}, and each completed checkpoint as a marker comment {@link IntervalLog} reads back.
 * Times in the log are seconds since the writer was created ({@code StartTime} and {@code BaseTime}).
 * <p>
 * Not thread-safe: one thread writes (the bench's progress reporter), then closes.
 */
public final class IntervalLogWriter implements AutoCloseable
{
    private final Path file;
    private final PrintStream out;
    private final HistogramLogWriter writer;
    private final long startNs;
    private final long startEpochMs;
    private long lastCheckpointId = Long.MIN_VALUE;

    /**
     * @param file        created or truncated.
     * @param description one comment line saying what was measured.
     */
    public IntervalLogWriter(final Path file, final String description) throws IOException
    {
        this(file, description, System.nanoTime(), System.currentTimeMillis());
    }

    /**
     * @param startNs      System.nanoTime at the log's start.
     * @param startEpochMs the same moment by the clock checkpoints are stamped with (epoch milliseconds).
     */
    IntervalLogWriter(final Path file, final String description, final long startNs, final long startEpochMs)
        throws IOException
    {
        this.file = file;
        this.out = new PrintStream(Files.newOutputStream(file), false, "UTF-8");
        this.writer = new HistogramLogWriter(out);
        this.startNs = startNs;
        this.startEpochMs = startEpochMs;
        writer.outputLogFormatVersion();
        writer.outputComment("[" + description.replace(']', ')') + "; values in nanoseconds]");
        writer.outputStartTime(startEpochMs);
        writer.outputBaseTime(startEpochMs);
        writer.outputLegend();
    }

    /** The file written to. */
    public Path file()
    {
        return file;
    }

    /** Append the interval {@code [fromNs, toNs)} (System.nanoTime) holding {@code histogram}. */
    public void onInterval(final long fromNs, final long toNs, final Histogram histogram)
    {
        // Start and end, not length (the line holds the length); the "max" column in milliseconds.
        writer.outputIntervalHistogram((fromNs - startNs) / 1e9, (toNs - startNs) / 1e9, histogram, 1e6);
    }

    /** Append a marker for each checkpoint with an id above those already marked; ids ascend in the list. */
    public void onCheckpoints(final List<CheckpointStats> completed)
    {
        for (final CheckpointStats stats : completed)
        {
            if (stats.checkpointId() > lastCheckpointId)
            {
                lastCheckpointId = stats.checkpointId();
                out.printf(java.util.Locale.ROOT, "%s%.3f s, id %d, %s%s, max pause %.1f us, %d bytes]%n",
                    IntervalLog.MARKER_PREFIX, (stats.completedAtMs() - startEpochMs) / 1e3, stats.checkpointId(),
                    stats.savepoint() ? "savepoint " : "", stats.full() ? "full" : "delta", stats.maxPauseNs() / 1e3,
                    stats.bytesWritten());
            }
        }
    }

    /** @throws IOException if anything written could not be. */
    public void close() throws IOException
    {
        writer.close();
        if (out.checkError())
        {
            throw new IOException("could not write the interval log " + file);
        }
    }
}
