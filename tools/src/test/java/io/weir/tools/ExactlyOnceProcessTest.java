package io.weir.tools;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Exactly-once end to end, with real processes: a child JVM runs a reference job with checkpoints, is killed
 * with SIGKILL at random points (seeded) and restarted with the same command; the final output must equal the
 * golden file. And stop-with-savepoint, then restore with another shard count.
 */
class ExactlyOnceProcessTest
{
    private static final int KILLS = 3;
    /**
     * Events per second offered to the runs that get killed. A checkpoint's barrier queues behind the events
     * before it, so when the shards fall behind the source, every barrier waits for the backlog and the first
     * checkpoint completes only at end of input: the kill then finds a finished run and nothing resumes (CI saw
     * this at 8,000/s). The slowest case, velocity on Chronicle, rewrites its list state on every event and makes
     * about 6,000 events/s on 2 shards here; CI machines are slower. A kill lands about a second into a run
     * whatever the rate, so a low rate costs no test time.
     */
    private static final long KILLED_RUN_RATE = 2_000;

    @TempDir
    Path dir;

    private List<String> jobArgs(
        final String job, final String goldenCase, final String backend, final int shards, final long rate)
    {
        final Path golden = GoldenFiles.root().resolve(goldenCase);
        final List<String> args = new ArrayList<>(List.of("job", job,
            "--in", golden.resolve("input.csv").toString(),
            "--out", dir.resolve("out.csv").toString(),
            "--out-of-order-ms", Long.toString(GoldenFiles.outOfOrdernessMs(goldenCase)),
            "--backend", backend,
            "--shards", Integer.toString(shards),
            "--checkpoint-dir", dir.resolve("checkpoints").toString(),
            "--checkpoint-interval-ms", "40"));
        if (rate > 0)
        {
            args.add("--source-rate");
            args.add(Long.toString(rate));
        }
        return args;
    }

    @ParameterizedTest(name = "{0} {1} on {2}")
    @CsvSource({
        "velocity, basic, chronicle", "session, sparse, chronicle", "tumbling, basic, chronicle",
        "velocity, sparse, lmdb", "session, basic, lmdb", "tumbling, sparse, lmdb"})
    @Timeout(300)
    void shouldProduceTheGoldenOutputDespiteRepeatedKills(
        final String job, final String goldenCase, final String backend) throws Exception
    {
        final long seed = Long.getLong("weir.test.seed", System.nanoTime());
        System.out.println("ExactlyOnceProcessTest " + job + "/" + goldenCase + "/" + backend + " seed=" + seed);
        final Random random = new Random(seed);
        final Path log = dir.resolve("child.log");
        int resumed = 0;
        for (int kill = 0; kill < KILLS; kill++)
        {
            final int manifestsBefore = manifestCount();
            final Process child = ChildJvm.start(log, jobArgs(job, goldenCase, backend, 2, KILLED_RUN_RATE));
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            // Let the run complete at least one new checkpoint, then kill it at a random point after that.
            while (manifestCount() <= manifestsBefore && child.isAlive() && System.nanoTime() < deadline)
            {
                Thread.sleep(5);
            }
            Thread.sleep(random.nextInt(400));
            child.destroyForcibly().waitFor();
        }
        final Process last = ChildJvm.start(log, jobArgs(job, goldenCase, backend, 2, 0));
        assertTrue(last.waitFor(120, TimeUnit.SECONDS), "the final run finished");
        final String output = Files.readString(log);
        assertEquals(0, last.exitValue(), output);
        final Matcher matcher = Pattern.compile("resuming from checkpoint").matcher(output);
        while (matcher.find())
        {
            resumed++;
        }
        assertTrue(resumed >= 1, "at least one run resumed from a checkpoint (seed " + seed + "):\n" + output);
        assertGolden(job, goldenCase, "seed " + seed);
    }

    @Test
    @Timeout(300)
    void shouldRestoreASavepointWithMoreAndFewerShards() throws Exception
    {
        final Path log = dir.resolve("savepoint.log");
        final List<String> first = jobArgs("session", "basic", "chronicle", 2, 10_000);
        first.addAll(List.of("--stop-after-events", "7000"));
        final Process stop = ChildJvm.start(log, first);
        assertTrue(stop.waitFor(120, TimeUnit.SECONDS));
        final String stopOutput = Files.readString(log);
        assertEquals(0, stop.exitValue(), stopOutput);
        final Matcher savepoint = Pattern.compile("with savepoint (\\S+)").matcher(stopOutput);
        assertTrue(savepoint.find(), stopOutput);
        assertTrue(Files.notExists(dir.resolve("out.csv")), "no output is published when stopping");

        for (final int shards : new int[]{3, 1})
        {
            final Path restoreDir = dir.resolve("restore-" + shards);
            copyTree(dir, restoreDir);
            final List<String> args = new ArrayList<>(List.of("job", "session",
                "--in", GoldenFiles.root().resolve("basic").resolve("input.csv").toString(),
                "--out", restoreDir.resolve("out.csv").toString(),
                "--out-of-order-ms", "5000", "--backend", "chronicle", "--shards", Integer.toString(shards),
                "--checkpoint-dir", restoreDir.resolve("checkpoints").toString(),
                "--restore", restoreDir.resolve("checkpoints").resolve(Path.of(savepoint.group(1)).getFileName())
                    .toString()));
            final Process restore = ChildJvm.start(log, args);
            assertTrue(restore.waitFor(120, TimeUnit.SECONDS));
            assertEquals(0, restore.exitValue(), Files.readString(log));
            GoldenFiles.assertSameRows(GoldenFiles.root().resolve("basic").resolve("session.csv"),
                restoreDir.resolve("out.csv"), "restored with " + shards + " shards");
            GoldenFiles.assertSameRows(GoldenFiles.root().resolve("basic").resolve("session.late.csv"),
                restoreDir.resolve("out.late.csv"), "restored with " + shards + " shards");
        }
    }

    @Test
    @Timeout(300)
    void shouldTakeASavepointOnSigtermAndResumeFromIt() throws Exception
    {
        final Path log = dir.resolve("sigterm.log");
        final Process child = ChildJvm.start(log, jobArgs("velocity", "basic", "lmdb", 2, 4_000));
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (manifestCount() == 0 && child.isAlive() && System.nanoTime() < deadline)
        {
            Thread.sleep(5);
        }
        child.destroy();
        assertTrue(child.waitFor(60, TimeUnit.SECONDS));
        final String output = Files.readString(log);
        final Matcher savepoint = Pattern.compile("stopped by signal; savepoint (\\S+) ").matcher(output);
        assertTrue(savepoint.find(), output);
        assertTrue(Files.notExists(dir.resolve("out.csv")), "no output is published when stopping");
        final List<String> args = jobArgs("velocity", "basic", "lmdb", 3, 0);
        args.addAll(List.of("--restore", savepoint.group(1)));
        final Process restore = ChildJvm.start(log, args);
        assertTrue(restore.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, restore.exitValue(), Files.readString(log));
        assertGolden("velocity", "basic", "resumed from the SIGTERM savepoint with 3 shards");
    }

    private void assertGolden(final String job, final String goldenCase, final String context)
    {
        final Path golden = GoldenFiles.root().resolve(goldenCase);
        GoldenFiles.assertSameRows(golden.resolve(job + ".csv"), dir.resolve("out.csv"), context);
        GoldenFiles.assertSameRows(golden.resolve(job + ".late.csv"), dir.resolve("out.late.csv"), context);
    }

    private int manifestCount() throws Exception
    {
        final Path checkpoints = dir.resolve("checkpoints");
        if (!Files.isDirectory(checkpoints))
        {
            return 0;
        }
        try (Stream<Path> entries = Files.list(checkpoints))
        {
            return (int)entries.filter(p -> Files.exists(p.resolve("MANIFEST"))).count();
        }
    }

    private static void copyTree(final Path from, final Path to) throws Exception
    {
        try (Stream<Path> paths = Files.walk(from))
        {
            for (final Path path : (Iterable<Path>)paths::iterator)
            {
                if (path.startsWith(to) || path.getFileName().toString().startsWith("restore-"))
                {
                    continue;
                }
                final Path target = to.resolve(from.relativize(path).toString());
                if (Files.isDirectory(path))
                {
                    Files.createDirectories(target);
                }
                else if (!path.toString().contains("restore-"))
                {
                    Files.copy(path, target);
                }
            }
        }
    }
}
