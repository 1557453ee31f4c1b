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
    private static final Pattern CHECKPOINT_DIR = Pattern.compile("chk-(\\d+)");
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
        return jobArgs(job, goldenCase, backend, "dedicated", shards, rate);
    }

    private List<String> jobArgs(final String job, final String goldenCase, final String backend,
        final String threading, final int shards, final long rate)
    {
        final Path golden = GoldenFiles.root().resolve(goldenCase);
        final List<String> args = new ArrayList<>(List.of("job", job,
            "--in", golden.resolve("input.csv").toString(),
            "--out", dir.resolve("out.csv").toString(),
            "--out-of-order-ms", Long.toString(GoldenFiles.outOfOrdernessMs(goldenCase)),
            "--backend", backend,
            "--shards", Integer.toString(shards),
            "--checkpoint-dir", dir.resolve("checkpoints").toString(),
            "--checkpoint-interval-ms", "40",
            "--delta-to-base-ratio", "0",
            "--threading", threading));
        if (rate > 0)
        {
            args.add("--source-rate");
            args.add(Long.toString(rate));
        }
        return args;
    }

    /**
     * In INVOKER mode the checkpoint thread reads the snapshots, so Chronicle's full scans (the first checkpoint
     * after a restore) are copied by the invoking thread for it. Every tenth checkpoint's chains are compacted into
     * new bases on the checkpoint thread ({@code --delta-to-base-ratio 0}: whatever the deltas' sizes), between
     * checkpoints, so kills also land during a compaction.
     */
    @ParameterizedTest(name = "{0} {1} on {2}, {3}")
    @CsvSource({
        "velocity, basic, chronicle, dedicated", "session, sparse, chronicle, dedicated",
        "tumbling, basic, chronicle, dedicated", "velocity, sparse, lmdb, dedicated", "session, basic, lmdb, dedicated",
        "tumbling, sparse, lmdb, dedicated", "velocity, sparse, chronicle, invoker", "session, basic, chronicle, invoker"})
    @Timeout(300)
    void shouldProduceTheGoldenOutputDespiteRepeatedKills(
        final String job, final String goldenCase, final String backend, final String threading) throws Exception
    {
        final long seed = Long.getLong("weir.test.seed", System.nanoTime());
        System.out.println("ExactlyOnceProcessTest " + job + "/" + goldenCase + "/" + backend + "/" + threading +
            " seed=" + seed);
        final Random random = new Random(seed);
        final Path log = dir.resolve("child.log");
        int resumed = 0;
        int killedAfterACheckpoint = 0;
        for (int kill = 0; kill < KILLS; kill++)
        {
            // Checkpoint ids only grow, across runs too, while retention keeps only the newest few: wait for a
            // newer id than the last run left, not for more checkpoint directories.
            final long newestBefore = newestCheckpointId();
            final Process child = ChildJvm.start(log, jobArgs(job, goldenCase, backend, threading, 2, KILLED_RUN_RATE));
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            // Let the run complete at least one new checkpoint, then kill it at a random point after that.
            while (newestCheckpointId() <= newestBefore && child.isAlive() && System.nanoTime() < deadline)
            {
                Thread.sleep(5);
            }
            killedAfterACheckpoint += newestCheckpointId() > newestBefore && child.isAlive() ? 1 : 0;
            Thread.sleep(random.nextInt(400));
            child.destroyForcibly().waitFor();
        }
        assertTrue(killedAfterACheckpoint >= 1, "a run was killed after it completed a checkpoint (seed " + seed +
            "):\n" + Files.readString(log));
        final Process last = ChildJvm.start(log, jobArgs(job, goldenCase, backend, threading, 2, 0));
        assertTrue(last.waitFor(120, TimeUnit.SECONDS), "the final run finished (seed " + seed + ")");
        final String output = Files.readString(log);
        assertEquals(0, last.exitValue(), "seed " + seed + ":\n" + output);
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
        while (newestCheckpointId() == 0 && child.isAlive() && System.nanoTime() < deadline)
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

    /** Events of the large-state input: every key once, then the first keys again. */
    private static final int BIG_KEYS = 1_000_000;
    private static final int BIG_EVENTS = 1_200_000;

    /**
     * SIGTERM part-way through an input of a million keys, with about half a million in state, so that the
     * savepoint takes a while to write: the process must not exit before it is written, and a run restored from it
     * (with another shard count) must produce each event's row exactly once with the right running sum.
     */
    @Test
    @Timeout(300)
    void shouldTakeASavepointOnSigtermWithLargeStateAndResumeFromIt() throws Exception
    {
        final Path input = dir.resolve("big.csv");
        final long[] expectedSums = writeBigInput(input);
        final long inputBytes = Files.size(input);
        final Path log = dir.resolve("sigterm-big.log");
        final Path checkpoints = dir.resolve("checkpoints");
        final List<String> args = new ArrayList<>(List.of("job", "rolling-sum", "--in", input.toString(),
            "--out", dir.resolve("out.csv").toString(), "--backend", "chronicle", "--shards", "2",
            "--checkpoint-dir", checkpoints.toString(), "--checkpoint-interval-ms", "500",
            "--source-rate", "100000"));
        final Process child = ChildJvm.start(log, args);
        // Stop once a checkpoint shows the source past 40% of the input: by then about 500,000 keys are in state. At
        // 100,000 events/s the source still has 7 s to read, time for a checkpoint in flight on a loaded machine to
        // complete before the savepoint starts (a source that ended first makes the job run to its end instead).
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        long position = 0;
        while (position < inputBytes * 2 / 5 && child.isAlive() && System.nanoTime() < deadline)
        {
            Thread.sleep(20);
            position = newestSourcePosition(checkpoints);
        }
        assertTrue(child.isAlive() && position >= inputBytes * 2 / 5,
            "the run was stopped mid-input (at byte " + position + " of " + inputBytes + "):\n" + Files.readString(log));
        child.destroy();
        assertTrue(child.waitFor(120, TimeUnit.SECONDS), "the stopped run exited");
        final String output = Files.readString(log);
        final Matcher savepoint = Pattern.compile("stopped by signal; savepoint (\\S+) ").matcher(output);
        assertTrue(savepoint.find(), "a savepoint was written before the process exited:\n" + output);
        assertTrue(Files.notExists(dir.resolve("out.csv")), "no output is published when stopping");

        final List<String> resume = new ArrayList<>(List.of("job", "rolling-sum", "--in", input.toString(),
            "--out", dir.resolve("out.csv").toString(), "--backend", "chronicle", "--shards", "3",
            "--checkpoint-dir", checkpoints.toString(), "--restore", savepoint.group(1)));
        final Process restore = ChildJvm.start(log, resume);
        assertTrue(restore.waitFor(180, TimeUnit.SECONDS), "the restored run finished");
        assertEquals(0, restore.exitValue(), Files.readString(log));
        assertRollingSums(dir.resolve("out.csv"), expectedSums);
    }

    /**
     * Writes event i = 0 .. BIG_EVENTS - 1 as {@code ts,key,amount,i}: key {@code i % BIG_KEYS} scrambled, amount
     * {@code 1 + i % 97}, timestamps in order.
     *
     * @return the running sum of each event's key after it, by event id.
     */
    private static long[] writeBigInput(final Path input) throws Exception
    {
        final long[] sums = new long[BIG_KEYS];
        final long[] expected = new long[BIG_EVENTS];
        try (java.io.BufferedWriter writer = Files.newBufferedWriter(input))
        {
            final StringBuilder line = new StringBuilder(64);
            for (int i = 0; i < BIG_EVENTS; i++)
            {
                final int k = i % BIG_KEYS;
                final long amount = 1 + i % 97;
                sums[k] += amount;
                expected[i] = sums[k];
                line.setLength(0);
                line.append(1_700_000_000_000L + i).append(',').append(bigKey(k)).append(',').append(amount)
                    .append(',').append(i).append('\n');
                writer.append(line);
            }
        }
        return expected;
    }

    /** Key number k as the job sees it: spread over the long range, so key groups are hashed from varied bytes. */
    private static long bigKey(final int k)
    {
        return k * 0x9E3779B97F4A7C15L >>> 1;
    }

    /** Each event's row {@code key,event_id,sum} exactly once, with its key and running sum. */
    private static void assertRollingSums(final Path out, final long[] expectedSums) throws Exception
    {
        final java.util.BitSet seen = new java.util.BitSet(expectedSums.length);
        long rows = 0;
        try (java.io.BufferedReader reader = Files.newBufferedReader(out))
        {
            for (String line = reader.readLine(); line != null; line = reader.readLine())
            {
                rows++;
                final String[] fields = line.split(",");
                assertEquals(3, fields.length, out + " line " + rows + ": " + line);
                final int eventId = Integer.parseInt(fields[1]);
                assertTrue(eventId >= 0 && eventId < expectedSums.length, out + " line " + rows + ": " + line);
                assertTrue(!seen.get(eventId), out + " line " + rows + ": event " + eventId + " emitted twice");
                seen.set(eventId);
                assertEquals(bigKey(eventId % BIG_KEYS), Long.parseLong(fields[0]), out + " line " + rows + ": " + line);
                assertEquals(expectedSums[eventId], Long.parseLong(fields[2]), out + " line " + rows + ": " + line);
            }
        }
        assertEquals(expectedSums.length, rows, out + ": rows; first missing event " + seen.nextClearBit(0));
    }

    /** The source position recorded by the newest complete checkpoint, 0 if none could be read. */
    private static long newestSourcePosition(final Path checkpoints)
    {
        if (!Files.isDirectory(checkpoints.resolve(io.weir.snapshot.CheckpointDirectory.SHARED_DIR_NAME)))
        {
            return 0; // not created by the job yet (opening it here would create it)
        }
        try
        {
            final io.weir.snapshot.CheckpointDirectory directory = new io.weir.snapshot.CheckpointDirectory(checkpoints);
            return directory.latestComplete()
                .map(listing -> directory.readManifest(listing).sources().get(0).position())
                .orElse(0L);
        }
        catch (final RuntimeException ex)
        {
            // The directory does not exist yet, or retention deleted the checkpoint being read: ask again.
            return 0;
        }
    }

    private void assertGolden(final String job, final String goldenCase, final String context)
    {
        final Path golden = GoldenFiles.root().resolve(goldenCase);
        GoldenFiles.assertSameRows(golden.resolve(job + ".csv"), dir.resolve("out.csv"), context);
        GoldenFiles.assertSameRows(golden.resolve(job + ".late.csv"), dir.resolve("out.late.csv"), context);
    }

    /** The id of the newest complete checkpoint in {@code dir/checkpoints}, 0 if none; ids only grow. */
    private long newestCheckpointId() throws Exception
    {
        return newestCheckpointId(dir.resolve("checkpoints"));
    }

    static long newestCheckpointId(final Path checkpoints) throws Exception
    {
        if (!Files.isDirectory(checkpoints))
        {
            return 0;
        }
        long newest = 0;
        try (Stream<Path> entries = Files.list(checkpoints))
        {
            for (final Path entry : (Iterable<Path>)entries::iterator)
            {
                final Matcher id = CHECKPOINT_DIR.matcher(entry.getFileName().toString());
                // Retention may delete a directory between the listing and this check: then it is not counted.
                if (id.matches() && Files.exists(entry.resolve("MANIFEST")))
                {
                    newest = Math.max(newest, Long.parseLong(id.group(1)));
                }
            }
        }
        return newest;
    }

    /** Copies {@code from} into {@code to}, leaving out {@code to} itself and any {@code restore-*} entry. */
    static void copyTree(final Path from, final Path to) throws Exception
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
