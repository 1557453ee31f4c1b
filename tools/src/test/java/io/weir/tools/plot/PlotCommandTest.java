package io.weir.tools.plot;

import io.weir.tools.cli.WeirCli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PlotCommandTest
{
    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(final String... args)
    {
        return WeirCli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void shouldOverlayAnIntervalLogAndAPercentileDistribution() throws Exception
    {
        final Path hlog = IntervalLogTest.writeLog(dir.resolve("weir.hlog"));
        final Path hgrm = HgrmFileTest.write(dir.resolve("flink.hgrm"), HgrmFileTest.knownNs(), 1000.0, false);
        final Path svg = dir.resolve("both.svg");

        assertEquals(0, run("plot", hlog.toString(), hgrm.toString(), "-o", svg.toString()), err.toString());

        final List<String> texts = SvgLatencyPlotTest.texts(SvgLatencyPlotTest.parse(Files.readString(svg)));
        assertTrue(texts.contains("Latency: weir.hlog, flink.hgrm"), texts.toString());
        assertTrue(texts.stream().anyMatch(t -> t.startsWith("weir.hlog")), texts.toString());
        assertTrue(texts.stream().anyMatch(t -> t.startsWith("flink.hgrm")), texts.toString());
        assertTrue(out.toString().contains(svg.toString()), out.toString());
    }

    @Test
    void shouldTakeLabelsTitleAndTheUnitOfTheHgrmValues() throws Exception
    {
        final Path hgrm = HgrmFileTest.write(dir.resolve("ns.hgrm"), HgrmFileTest.knownNs(), 1.0, false);
        final Path svg = dir.resolve("ns.svg");

        assertEquals(0, run("plot", hgrm.toString(), "--out", svg.toString(), "--title", "T", "--labels", "Flink",
            "--hgrm-unit", "ns"), err.toString());

        final List<String> texts = SvgLatencyPlotTest.texts(SvgLatencyPlotTest.parse(Files.readString(svg)));
        assertTrue(texts.contains("T"), texts.toString());
        assertTrue(texts.stream().anyMatch(t -> t.startsWith("Flink") && t.contains("max 10 ms")), texts.toString());
    }

    @Test
    void shouldPrintUsageForHelpOnStdout()
    {
        assertEquals(0, run("plot", "-h"));
        assertTrue(out.toString().startsWith("Usage: weir plot FILE... -o OUT.svg"), out.toString());
        assertEquals("", err.toString());
    }

    @Test
    void shouldSayInOneLineWhichFileAndLineIsBad() throws Exception
    {
        final Path missing = dir.resolve("missing.hgrm");
        assertEquals(1, run("plot", missing.toString(), "-o", dir.resolve("x.svg").toString()));
        assertEquals("weir plot: " + missing + ": no such file" + System.lineSeparator(), err.toString());

        err.reset();
        final Path bad = dir.resolve("bad.hgrm");
        Files.writeString(bad, "       Value     Percentile TotalCount 1/(1-Percentile)\n\n  1.0 0.0 1 1.00\n  x\n");
        assertEquals(1, run("plot", bad.toString(), "-o", dir.resolve("x.svg").toString()));
        assertEquals("weir plot: " + bad + ":4: expected 'value percentile total-count [1/(1-percentile)]', got 'x'" +
            System.lineSeparator(), err.toString());
        assertTrue(Files.notExists(dir.resolve("x.svg")));
    }

    @Test
    void shouldRejectMissingOutputAndMismatchedLabels() throws Exception
    {
        final Path hgrm = HgrmFileTest.write(dir.resolve("a.hgrm"), HgrmFileTest.knownNs(), 1000.0, false);
        assertEquals(2, run("plot", hgrm.toString()));
        assertTrue(err.toString().contains("--out"), err.toString());
        err.reset();
        assertEquals(2, run("plot", hgrm.toString(), "-o", "x.svg", "--labels", "a,b"));
        assertTrue(err.toString().contains("--labels has 2 label(s) for 1 file(s)"), err.toString());
        err.reset();
        assertEquals(2, run("plot", "-o", "x.svg"));
        assertTrue(err.toString().contains("expected one or more"), err.toString());
    }
}
