package io.weir.tools.bench;

import io.weir.tools.cli.WeirCli;
import io.weir.tools.plot.HgrmFile;
import io.weir.tools.plot.IntervalLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(120)
class BenchPlotTest
{
    private static final Pattern CHECKPOINTS = Pattern.compile("checkpoints_completed=(\\d+)");

    @TempDir
    Path dir;

    @Test
    void shouldLogEveryRecordedSampleAndEveryCheckpointAndDrawThePlot() throws Exception
    {
        final Path hlog = dir.resolve("run.hlog");
        final Path hgrm = dir.resolve("run.hgrm");
        final Path svg = dir.resolve("run.svg");
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final int exit = WeirCli.run(new String[]{"bench", "--events", "300000", "--keys", "5000", "--rate", "100000",
            "--backend", "heap", "--idle", "sleep", "--checkpoint-interval-ms", "300", "--hgrm", hgrm.toString(),
            "--hlog", hlog.toString(), "--plot", svg.toString()},
            new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
        final String text = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, exit, text);

        final IntervalLog log = IntervalLog.read(hlog);
        assertTrue(log.intervals().size() >= 2, "one interval per second of a 3 s run: " + log.intervals());
        // The intervals add up to the run's whole histogram: the last, partial interval is in the log too.
        assertEquals(HgrmFile.read(hgrm, 1e3).totalCount(), log.merged().getTotalCount());
        assertEquals(240_000, log.merged().getTotalCount(), "events less the 20% warm-up");
        final Matcher checkpoints = CHECKPOINTS.matcher(text);
        assertTrue(checkpoints.find(), text);
        final int completed = Integer.parseInt(checkpoints.group(1));
        assertTrue(completed >= 1, text);
        assertEquals(completed, log.markers().size(), "every completed checkpoint marked once: " + log.markers());
        for (int i = 1; i < log.markers().size(); i++)
        {
            assertTrue(log.markers().get(i).timeSec() >= log.markers().get(i - 1).timeSec(), log.markers().toString());
        }

        final String document = Files.readString(svg);
        DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(svg.toFile());
        assertTrue(document.contains("weir heap"), "the series is labelled");
        assertTrue(document.contains(": checkpoint 1 completed at "), "checkpoint markers are drawn");
        assertTrue(text.contains("plot:               " + svg), text);
    }

    @Test
    void shouldRefuseAFileInAMissingDirectoryBeforeTheRun()
    {
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final Path missing = dir.resolve("no-such-dir").resolve("run.hlog");
        final int exit = WeirCli.run(new String[]{"bench", "--events", "1000", "--hlog", missing.toString()},
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(2, exit);
        assertEquals("weir bench: --hlog " + missing + ": directory " + missing.getParent() + " does not exist" +
            System.lineSeparator(), err.toString(StandardCharsets.UTF_8));
    }
}
