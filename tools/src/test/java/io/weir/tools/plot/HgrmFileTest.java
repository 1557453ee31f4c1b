package io.weir.tools.plot;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HgrmFileTest
{
    @TempDir
    Path dir;

    /** 1 us .. 10 ms, one sample each, recorded in nanoseconds. */
    static Histogram knownNs()
    {
        final Histogram histogram = new Histogram(3_600_000_000_000L, 3);
        for (long us = 1; us <= 10_000; us++)
        {
            histogram.recordValue(us * 1_000);
        }
        return histogram;
    }

    static Path write(final Path file, final Histogram histogram, final double scale, final boolean csv)
        throws IOException
    {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        histogram.outputPercentileDistribution(new PrintStream(bytes, true, StandardCharsets.UTF_8), 5, scale, csv);
        Files.write(file, bytes.toByteArray());
        return file;
    }

    @Test
    void shouldReadBackThePercentilesOfAHistogramWrittenInMicroseconds() throws IOException
    {
        final Histogram histogram = knownNs();
        final PercentileCurve curve = HgrmFile.read(write(dir.resolve("a.hgrm"), histogram, 1000.0, false), 1e3);

        for (final double percentile : new double[]{0, 50, 75, 90})
        {
            // Rows of the file; it holds three decimals of microseconds: within half a nanosecond.
            assertEquals(histogram.highestEquivalentValue(histogram.getValueAtPercentile(percentile)),
                curve.valueAtNs(percentile / 100), 0.5, "p" + percentile);
        }
        for (final double percentile : new double[]{99, 99.9})
        {
            // Between rows: the next row up, within one step (here 0.1% of the values) above the exact value.
            final double exact = histogram.highestEquivalentValue(histogram.getValueAtPercentile(percentile));
            final double read = curve.valueAtNs(percentile / 100);
            assertTrue(read >= exact - 0.5 && read <= exact * 1.002, "p" + percentile + ": " + read + " vs " + exact);
        }
        assertEquals(histogram.getTotalCount(), curve.totalCount());
        assertEquals(histogram.highestEquivalentValue(histogram.getMaxValue()), curve.maxNs(), 0.5);
        assertEquals(0.0, curve.percentiles()[0]);
        assertEquals(1.0, curve.percentiles()[curve.size() - 1]);
        assertEquals(PercentileCurve.of(histogram).size(), curve.size());
    }

    @Test
    void shouldReadTheCsvFormAndUnscaledNanosecondsAsTheSameCurve() throws IOException
    {
        final Histogram histogram = knownNs();
        final PercentileCurve plain = HgrmFile.read(write(dir.resolve("a.hgrm"), histogram, 1000.0, false), 1e3);
        final PercentileCurve csv = HgrmFile.read(write(dir.resolve("b.csv"), histogram, 1000.0, true), 1e3);
        final PercentileCurve ns = HgrmFile.read(write(dir.resolve("c.hgrm"), histogram, 1.0, false), 1.0);

        assertArrayEquals(plain.percentiles(), csv.percentiles());
        assertArrayEquals(plain.valuesNs(), csv.valuesNs(), 1e-6);
        assertArrayEquals(plain.valuesNs(), ns.valuesNs(), 0.5);
        assertArrayEquals(PercentileCurve.of(histogram).valuesNs(), ns.valuesNs(), 0.5);
    }

    @Test
    void shouldNameTheFileAndLineOfAMalformedRow() throws IOException
    {
        final Path file = write(dir.resolve("bad.hgrm"), knownNs(), 1000.0, false);
        final List<String> lines = new ArrayList<>(Files.readAllLines(file));
        lines.set(4, "    12.5 zero 7 1.2");
        Files.write(file, lines);

        final PlotInputException ex = assertThrows(PlotInputException.class, () -> HgrmFile.read(file, 1e3));
        assertTrue(ex.getMessage().startsWith(file + ":5: 'zero' is not a number"), ex.getMessage());
    }

    @Test
    void shouldRejectRowsThatDescendAndFilesWithoutRows() throws IOException
    {
        final Path descending = dir.resolve("descending.hgrm");
        Files.writeString(descending, "Value Percentile TotalCount 1/(1-Percentile)\n\n5.0 0.5 5 2.0\n4.0 0.6 6 2.5\n");
        final PlotInputException ex = assertThrows(PlotInputException.class, () -> HgrmFile.read(descending, 1e3));
        assertTrue(ex.getMessage().startsWith(descending + ":4: rows must ascend"), ex.getMessage());

        final Path empty = dir.resolve("empty.hgrm");
        Files.writeString(empty, "Value Percentile TotalCount 1/(1-Percentile)\n#[Mean = 1.0]\n");
        assertTrue(assertThrows(PlotInputException.class, () -> HgrmFile.read(empty, 1e3)).getMessage()
            .startsWith(empty + ": no percentile rows"));

        final Path missing = dir.resolve("missing.hgrm");
        assertEquals(missing + ": no such file",
            assertThrows(PlotInputException.class, () -> HgrmFile.read(missing, 1e3)).getMessage());
    }
}
