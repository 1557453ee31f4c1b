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
    /**
     * Elements per second the runs read: the input's 20,000 events take 4 s, in which checkpoints every 20 ms complete
     * even on a slow machine (a barrier queues behind the events before it, so a source far ahead of the shards would
     * delay every checkpoint to the end of input). Asserted below, for the cases that resume.
     */
    private static final long RATE = 5_000;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}, {1}, checkpoints every {2} ms")
    @CsvSource({
        "published-0, chronicle, 20, resumes", "published-1, chronicle, 20, resumes",
        "finished, chronicle, 20, starts afresh", "published-1, lmdb, 20, resumes",
        // No checkpoint completes before the end: the rerun starts afresh, beside the published output.
        "published-1, chronicle, 600000, starts afresh"})
    @Timeout(300)
    void shouldKeepThePublishedOutputWholeAndPublishEachRowOnceAfterACrashAtTheEnd(
        final String point, final String backend, final long checkpointIntervalMs, final String rerun) throws Exception
    {
        final Path out = dir.resolve("out.csv");
        final Path late = dir.resolve("out.late.csv");
        final Path checkpoints = dir.resolve("checkpoints");
        final Path finishedMarker = checkpoints.resolve("FINISHED");
        final List<String> args = jobArgs(backend, checkpointIntervalMs);

        final Path crashLog = dir.resolve("crashed-run.log");
        final Run crashedRun = run(crashLog, List.of("-Dweir.test.crash-at=" + point), args);
        final String crashed = crashedRun.output();
        assertEquals(137, crashedRun.status(), crashed);
        assertTrue(crashed.contains("halting at crash point " + point), crashed);
        assertEquals(point.equals("finished"), Files.exists(finishedMarker), "the job's end is recorded");
        final boolean resumes = rerun.equals("resumes");
        if (resumes)
        {
            assertTrue(ExactlyOnceProcessTest.newestCheckpointId(checkpoints) > 0,
                "a checkpoint completed before the end:\n" + crashed);
        }
        else if (!point.equals("finished"))
        {
            assertEquals(0, ExactlyOnceProcessTest.newestCheckpointId(checkpoints),
                "no checkpoint completed before the end");
        }
        // The largest part, kept until the job's end is recorded and its parts removed, is the published rows' file.
        assertEquals(2, ((Number)Files.getAttribute(out, "unix:nlink")).intValue(),
            "the published rows share their file with a part");

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

        final Run rerunRun = run(dir.resolve("rerun.log"), List.of(), args);
        final String rerunOutput = rerunRun.output();
        assertEquals(0, rerunRun.status(), rerunOutput);
        assertEquals(resumes, rerunOutput.contains("resuming from checkpoint"), "the rerun " + rerun + ":\n" +
            rerunOutput);
        assertEquals(point.equals("finished"), rerunOutput.contains("finished its input; starting afresh"),
            "the rerun saw the recorded end:\n" + rerunOutput);
        assertGolden(out, "after the rerun");
        assertGolden(late, "after the rerun");
        for (final Map.Entry<Path, byte[]> reader : readers.entrySet())
        {
            assertArrayEquals(reader.getValue(), Files.readAllBytes(reader.getKey()),
                reader.getKey() + " still holds what was published");
        }
        assertTrue(Files.exists(finishedMarker), "the rerun recorded the job's end");
    }

    private record Run(int status, String output)
    {
    }

    /** Runs {@code weir} with {@code args} in a child JVM, its output to {@code log}, to its end. */
    private static Run run(final Path log, final List<String> jvmOptions, final List<String> args) throws Exception
    {
        final Process child = ChildJvm.start(log, jvmOptions, args);
        try
        {
            assertTrue(child.waitFor(120, TimeUnit.SECONDS), "the run ended within 120 s:\n" + Files.readString(log));
            return new Run(child.exitValue(), Files.readString(log));
        }
        finally
        {
            child.destroyForcibly().waitFor();
        }
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
