package io.weir.tools.plot;

import io.weir.engine.checkpoint.CheckpointStats;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IntervalLogTest
{
    private static final long START_NS = 5_000_000_000L;
    private static final long START_EPOCH_MS = 1_700_000_000_000L;

    @TempDir
    Path dir;

    /** Interval i (0, 1, 2) holds 100 samples of (i + 1) * 10 us and one of (i + 1) ms. */
    static Path writeLog(final Path file) throws IOException
    {
        try (IntervalLogWriter writer = new IntervalLogWriter(file, "test run [x]", START_NS, START_EPOCH_MS))
        {
            final List<CheckpointStats> completed = new ArrayList<>();
            for (int i = 0; i < 3; i++)
            {
                final Histogram histogram = new Histogram(3_600_000_000_000L, 3);
                histogram.recordValueWithCount((i + 1) * 10_000L, 100);
                histogram.recordValue((i + 1) * 1_000_000L);
                writer.onInterval(START_NS + i * 1_000_000_000L, START_NS + (i + 1) * 1_000_000_000L, histogram);
                completed.add(new CheckpointStats(i + 1, false, i == 0, new long[]{45_100}, 0, 1234, 10,
                    START_EPOCH_MS + 500 + i * 1000L, 0, 0));
                writer.onCheckpoints(completed);
            }
        }
        return file;
    }

    @Test
    void shouldReadIntervalsAndCheckpointMarkersBack() throws IOException
    {
        final IntervalLog log = IntervalLog.read(writeLog(dir.resolve("run.hlog")));

        assertEquals(3, log.intervals().size());
        for (int i = 0; i < 3; i++)
        {
            final IntervalLog.Interval interval = log.intervals().get(i);
            assertEquals(i, interval.startSec(), 1e-3);
            assertEquals(1.0, interval.lengthSec(), 1e-3);
            assertEquals(101, interval.count());
            assertEquals((i + 1) * 10_000L, interval.p50Ns(), (i + 1) * 10);
            assertEquals((i + 1) * 10_000L, interval.p99Ns(), (i + 1) * 10);
            assertEquals((i + 1) * 1_000_000L, interval.maxNs(), (i + 1) * 1_000);
        }
        assertEquals(3, log.markers().size(), "each checkpoint marked once");
        final IntervalLog.Marker first = log.markers().get(0);
        assertEquals(1, first.checkpointId());
        assertEquals(0.5, first.timeSec(), 1e-9);
        assertEquals("full, max pause 45.1 us, 1234 bytes", first.text());
        assertEquals(2.5, log.markers().get(2).timeSec(), 1e-9);
        assertEquals(303, log.merged().getTotalCount());
        assertEquals(303, log.curve().totalCount());
    }

    @Test
    void shouldReadALogWrittenByHdrHistogramAloneRelativeToItsFirstInterval() throws IOException
    {
        final Path file = dir.resolve("plain.hlog");
        try (PrintStream out = new PrintStream(Files.newOutputStream(file)))
        {
            final HistogramLogWriter writer = new HistogramLogWriter(out);
            writer.outputLegend();
            final Histogram histogram = new Histogram(3);
            histogram.recordValue(42_000);
            writer.outputIntervalHistogram(1_700_000_010.0, 1_700_000_011.0, histogram);
            writer.outputIntervalHistogram(1_700_000_011.0, 1_700_000_012.0, histogram);
        }
        final IntervalLog log = IntervalLog.read(file);
        assertEquals(0.0, log.intervals().get(0).startSec(), 1e-3);
        assertEquals(1.0, log.intervals().get(1).startSec(), 1e-3);
        assertTrue(log.markers().isEmpty());
    }

    @Test
    void shouldNameTheFileAndLineOfABadIntervalOrMarker() throws IOException
    {
        final Path file = writeLog(dir.resolve("bad.hlog"));
        final List<String> lines = Files.readAllLines(file);
        final int interval = indexOf(lines, "1.000,1.000,");
        final List<String> badInterval = new ArrayList<>(lines);
        badInterval.set(interval, "1.000,1.000,0.020,notbase64!");
        Files.write(file, badInterval);
        final PlotInputException ex = assertThrows(PlotInputException.class, () -> IntervalLog.read(file));
        assertTrue(ex.getMessage().startsWith(file + ":" + (interval + 1) + ": "), ex.getMessage());
        assertTrue(ex.getMessage().contains("notbase64!"), ex.getMessage());

        final int marker = indexOf(lines, IntervalLog.MARKER_PREFIX);
        final List<String> badMarker = new ArrayList<>(lines);
        badMarker.set(marker, IntervalLog.MARKER_PREFIX + "soon, id 3]");
        Files.write(file, badMarker);
        final PlotInputException markerEx = assertThrows(PlotInputException.class, () -> IntervalLog.read(file));
        assertTrue(markerEx.getMessage().startsWith(file + ":" + (marker + 1) + ": expected '#[Checkpoint: "),
            markerEx.getMessage());

        Files.write(file, lines.subList(0, indexOf(lines, "0.000,")));
        assertTrue(assertThrows(PlotInputException.class, () -> IntervalLog.read(file)).getMessage()
            .startsWith(file + ": no interval lines"));
    }

    private static int indexOf(final List<String> lines, final String prefix)
    {
        for (int i = 0; i < lines.size(); i++)
        {
            if (lines.get(i).startsWith(prefix))
            {
                return i;
            }
        }
        throw new AssertionError("no line starts with " + prefix + " in " + lines);
    }
}
