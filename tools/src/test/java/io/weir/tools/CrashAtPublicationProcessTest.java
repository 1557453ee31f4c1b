package io.weir.tools;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Exactly-once at a job's end, with real processes: a child JVM runs the tumbling job (two outputs: its rows and its
 * late events) and halts, as a {@code kill -9} would, at a crash point of its end: after its first output is
 * published, after both are, or after the job's end is recorded. A reader takes a hard link to every published
 * output. The same command then runs again. Its outputs must equal the golden files, each row once, and what each
 * reader holds must be what was published, byte for byte: a published output is never cut back or rewritten.
 */
class CrashAtPublicationProcessTest
{
    private static final String GOLDEN_CASE = "basic";
    /** Long enough a run (20,000 events) for checkpoints every 20 ms to complete before its end. */
    private static final long RATE = 40_000;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}, {1}, checkpoints every {2} ms")
    @CsvSource({
        "published-0, chronicle, 20", "published-1, chronicle, 20", "finished, chronicle, 20",
        "published-1, lmdb, 20",
        // No checkpoint completes before the end: the rerun starts afresh, beside the published output.
        "published-1, chronicle, 600000"})
    @Timeout(300)
    void shouldKeepThePublishedOutputWholeAndPublishEachRowOnceAfterACrashAtTheEnd(
        final String point, final String backend, final long checkpointIntervalMs) throws Exception
    {
        final Path log = dir.resolve("child.log");
        final Path out = dir.resolve("out.csv");
        final Path late = dir.resolve("out.late.csv");
        final Path finishedMarker = dir.resolve("checkpoints").resolve("FINISHED");
        final List<String> args = jobArgs(backend, checkpointIntervalMs);

        final Process crashed = ChildJvm.start(log, List.of("-Dweir.test.crash-at=" + point), args);
        assertTrue(crashed.waitFor(120, TimeUnit.SECONDS), "the run reached its end");
        assertEquals(137, crashed.exitValue(), Files.readString(log));
        assertTrue(Files.readString(log).contains("halting at crash point " + point), Files.readString(log));
        assertEquals(point.equals("finished"), Files.exists(finishedMarker), "the job's end is recorded");

        // The sinks publish in the order the job added them: its rows, then its late events.
        final List<Path> published = new ArrayList<>(List.of(out));
        if (!point.equals("published-0"))
        {
            published.add(late);
        }
        else
        {
            assertFalse(Files.exists(late), "the late events are not published yet");
        }
        final Map<Path, byte[]> readers = new LinkedHashMap<>();
        for (final Path output : published)
        {
            assertGolden(output, "published before the crash at " + point);
            final Path reader = dir.resolve("reader-" + output.getFileName());
            Files.createLink(reader, output);
            readers.put(reader, Files.readAllBytes(reader));
        }

        final Process rerun = ChildJvm.start(log, args);
        assertTrue(rerun.waitFor(120, TimeUnit.SECONDS), "the rerun finished");
        final String output = Files.readString(log);
        assertEquals(0, rerun.exitValue(), output);
        if (point.startsWith("published") && checkpointIntervalMs < 1000)
        {
            assertTrue(output.contains("resuming from checkpoint"), "the rerun resumed:\n" + output);
        }
        assertGolden(out, "after the rerun");
        assertGolden(late, "after the rerun");
        for (final Map.Entry<Path, byte[]> reader : readers.entrySet())
        {
            assertArrayEquals(reader.getValue(), Files.readAllBytes(reader.getKey()),
                reader.getKey() + " still holds what was published");
        }
        assertTrue(Files.exists(finishedMarker), "the rerun recorded the job's end");
    }

    private List<String> jobArgs(final String backend, final long checkpointIntervalMs)
    {
        final Path golden = GoldenFiles.root().resolve(GOLDEN_CASE);
        return List.of("job", "tumbling",
            "--in", golden.resolve("input.csv").toString(),
            "--out", dir.resolve("out.csv").toString(),
            "--out-of-order-ms", Long.toString(GoldenFiles.outOfOrdernessMs(GOLDEN_CASE)),
            "--backend", backend,
            "--shards", "2",
            "--checkpoint-dir", dir.resolve("checkpoints").toString(),
            "--checkpoint-interval-ms", Long.toString(checkpointIntervalMs),
            "--source-rate", Long.toString(RATE));
    }

    private static void assertGolden(final Path output, final String context)
    {
        final String name = output.getFileName().toString().equals("out.csv") ? "tumbling.csv" : "tumbling.late.csv";
        GoldenFiles.assertSameRows(GoldenFiles.root().resolve(GOLDEN_CASE).resolve(name), output,
            output.getFileName() + " " + context);
    }
}
