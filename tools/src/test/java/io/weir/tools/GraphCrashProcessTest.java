package io.weir.tools;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Exactly-once across a job of two keyed operators, with real processes: a child JVM runs {@link TwoStageJob} with
 * checkpoints every 40 ms and is killed (kill -9) at random points; the run that finishes must write what an
 * uninterrupted run writes, for the first operator's running output and the second's end-of-input totals.
 */
class GraphCrashProcessTest
{
    private static final int KILLS = 3;
    /** Slow enough that a kill lands while the input is being read (see ExactlyOnceProcessTest). */
    private static final long KILLED_RUN_RATE = 3_000;

    @TempDir
    Path dir;

    private static Process start(final Path log, final List<String> args) throws IOException
    {
        return start(log, TwoStageJob.class, args);
    }

    private static Process start(final Path log, final Class<?> job, final List<String> args) throws IOException
    {
        return ChildJvm.start(log, job, args);
    }

    private List<String> args(final Path out, final Path checkpoints, final String backend, final long rate)
    {
        return List.of(GoldenFiles.root().resolve("basic").resolve("input.csv").toString(), out.toString(),
            checkpoints.toString(), backend, "2", Long.toString(rate));
    }

    private static List<String> sortedLines(final Path file) throws IOException
    {
        final List<String> lines = new ArrayList<>(Files.readAllLines(file));
        lines.sort(null);
        return lines;
    }

    @ParameterizedTest
    @ValueSource(strings = {"chronicle", "lmdb"})
    @Timeout(300)
    void bothOperatorsOutputExactlyOnceDespiteKills(final String backend) throws Exception
    {
        final long seed = Long.getLong("weir.test.seed", System.nanoTime());
        final Random random = new Random(seed);
        final Path log = dir.resolve("child.log");
        final Path expectedOut = Files.createDirectories(dir.resolve("expected"));
        final Process reference = start(log, args(expectedOut, dir.resolve("reference-checkpoints"), backend, 0));
        assertTrue(reference.waitFor(120, TimeUnit.SECONDS), "the uninterrupted run finished");
        assertEquals(0, reference.exitValue(), Files.readString(log));

        final Path out = Files.createDirectories(dir.resolve("out"));
        final Path checkpoints = dir.resolve("checkpoints");
        int killedAfterACheckpoint = 0;
        for (int kill = 0; kill < KILLS; kill++)
        {
            // Retention keeps the number of checkpoints constant: a new one shows as a higher id.
            final long before = ExactlyOnceProcessTest.newestCheckpointId(checkpoints);
            final Process child = start(log, args(out, checkpoints, backend, KILLED_RUN_RATE));
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (ExactlyOnceProcessTest.newestCheckpointId(checkpoints) <= before && child.isAlive() &&
                System.nanoTime() < deadline)
            {
                Thread.sleep(5);
            }
            killedAfterACheckpoint += ExactlyOnceProcessTest.newestCheckpointId(checkpoints) > before &&
                child.isAlive() ? 1 : 0;
            Thread.sleep(random.nextInt(400));
            child.destroyForcibly().waitFor();
        }
        assertTrue(killedAfterACheckpoint >= 2, "runs were killed after they completed a checkpoint (seed " + seed +
            "):\n" + Files.readString(log));
        final Process last = start(log, args(out, checkpoints, backend, 0));
        assertTrue(last.waitFor(120, TimeUnit.SECONDS), "the final run finished");
        final String output = Files.readString(log);
        assertEquals(0, last.exitValue(), output);
        assertTrue(output.contains("resuming from checkpoint"), "a run resumed (seed " + seed + "):\n" + output);
        final List<String> expectedSums = sortedLines(expectedOut.resolve("sums.csv"));
        assertTrue(expectedSums.size() > 10_000, "the reference wrote every running sum");
        assertEquals(expectedSums, sortedLines(out.resolve("sums.csv")), "running sums, seed " + seed);
        assertEquals(sortedLines(expectedOut.resolve("totals.csv")), sortedLines(out.resolve("totals.csv")),
            "totals, seed " + seed);
    }

    @Test
    @Timeout(300)
    void theBroadcastStateIsRestoredExactlyOnceDespiteKills() throws Exception
    {
        final long seed = Long.getLong("weir.test.seed", System.nanoTime());
        final Random random = new Random(seed);
        final Path log = dir.resolve("child.log");
        final Path expectedOut = Files.createDirectories(dir.resolve("expected"));
        final Process reference = start(log, BroadcastJob.class,
            args(expectedOut, dir.resolve("reference-checkpoints"), "chronicle", 0));
        assertTrue(reference.waitFor(120, TimeUnit.SECONDS), "the uninterrupted run finished");
        assertEquals(0, reference.exitValue(), Files.readString(log));

        final Path out = Files.createDirectories(dir.resolve("out"));
        final Path checkpoints = dir.resolve("checkpoints");
        int killedAfterACheckpoint = 0;
        for (int kill = 0; kill < KILLS; kill++)
        {
            // Retention keeps the number of checkpoints constant: a new one shows as a higher id.
            final long before = ExactlyOnceProcessTest.newestCheckpointId(checkpoints);
            final Process child = start(log, BroadcastJob.class, args(out, checkpoints, "chronicle", KILLED_RUN_RATE));
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (ExactlyOnceProcessTest.newestCheckpointId(checkpoints) <= before && child.isAlive() &&
                System.nanoTime() < deadline)
            {
                Thread.sleep(5);
            }
            killedAfterACheckpoint += ExactlyOnceProcessTest.newestCheckpointId(checkpoints) > before &&
                child.isAlive() ? 1 : 0;
            Thread.sleep(random.nextInt(400));
            child.destroyForcibly().waitFor();
        }
        assertTrue(killedAfterACheckpoint >= 2, "runs were killed after they completed a checkpoint (seed " + seed +
            "):\n" + Files.readString(log));
        final Process last = start(log, BroadcastJob.class, args(out, checkpoints, "chronicle", 0));
        assertTrue(last.waitFor(120, TimeUnit.SECONDS), "the final run finished");
        final String output = Files.readString(log);
        assertEquals(0, last.exitValue(), output);
        assertTrue(output.contains("resuming from checkpoint"), "a run resumed (seed " + seed + "):\n" + output);
        final List<String> expected = sortedLines(expectedOut.resolve("totals.csv"));
        assertTrue(expected.size() > 10 && expected.get(0).startsWith(expected.get(expected.size() - 1)
            .split(",")[0] + ","), "every key's row names the same rules: " + expected);
        assertEquals(expected, sortedLines(out.resolve("totals.csv")), "totals with rules, seed " + seed);
    }
}
