package io.weir.tools;

import io.weir.snapshot.CheckpointDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SIGTERM to a job whose state takes a while to write: the process exits only once its savepoint is complete, and
 * resuming from that savepoint gives the output of a run that was never stopped.
 */
class StopOnSignalProcessTest
{
    /** Distinct keys: about 10 MB of Chronicle state files, which take a noticeable time to write. */
    private static final int KEYS = 200_000;
    private static final int EVENTS = 3 * KEYS;
    /** Slow enough that the job still runs when its state has grown large. */
    private static final long RATE = 50_000;
    /** The state written to checkpoints before the signal is sent. */
    private static final long STATE_BYTES_BEFORE_SIGNAL = 4L << 20;

    @TempDir
    Path dir;

    private List<String> checkpointedArgs(final Path out, final int shards)
    {
        return new ArrayList<>(List.of("job", "rolling-sum",
            "--in", dir.resolve("input.csv").toString(),
            "--out", out.toString(),
            "--backend", "chronicle",
            "--shards", Integer.toString(shards),
            "--checkpoint-dir", dir.resolve("checkpoints").toString(),
            "--checkpoint-interval-ms", "200"));
    }

    @Test
    @Timeout(300)
    void shouldCompleteTheSavepointOfALargeStateBeforeExitingOnSigterm() throws Exception
    {
        // rolling-sum emits key,event_id,running sum for every event.
        final long[] sums = new long[KEYS];
        try (BufferedWriter input = Files.newBufferedWriter(dir.resolve("input.csv"));
            BufferedWriter expected = Files.newBufferedWriter(dir.resolve("expected.csv")))
        {
            for (int i = 0; i < EVENTS; i++)
            {
                final int key = i % KEYS;
                final int amount = 1 + i % 7;
                sums[key] += amount;
                input.write((1_000 + i) + "," + key + "," + amount + "," + (i + 1) + "\n");
                expected.write(key + "," + (i + 1) + "," + sums[key] + "\n");
            }
        }
        final Path log = dir.resolve("child.log");
        final List<String> stopped = checkpointedArgs(dir.resolve("out.csv"), 2);
        stopped.addAll(List.of("--source-rate", Long.toString(RATE)));
        final Process child = ChildJvm.start(log, stopped);
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (sharedBytes() < STATE_BYTES_BEFORE_SIGNAL && child.isAlive() && System.nanoTime() < deadline)
        {
            Thread.sleep(5);
        }
        assertTrue(child.isAlive(), "the job still runs when its state is large: " + Files.readString(log));
        child.destroy();
        assertTrue(child.waitFor(120, TimeUnit.SECONDS), "the job stopped");
        final String output = Files.readString(log);
        assertNotEquals(1, child.exitValue(), output);
        assertFalse(output.contains("no savepoint"), output);
        final Matcher savepoint = Pattern.compile("stopped by signal; savepoint (\\S+) ").matcher(output);
        assertTrue(savepoint.find(), output);
        final Path savepointDir = Path.of(savepoint.group(1));
        final CheckpointDirectory checkpoints = new CheckpointDirectory(dir.resolve("checkpoints"));
        final CheckpointDirectory.Listing listing = checkpoints.list().stream()
            .filter(l -> l.directory().toAbsolutePath().equals(savepointDir.toAbsolutePath()))
            .findFirst().orElseThrow(() -> new AssertionError(savepointDir + " not in " + checkpoints.list()));
        assertEquals(List.of(), checkpoints.verify(listing), "the savepoint is complete and sound");
        assertTrue(Files.notExists(dir.resolve("out.csv")), "no output is published when stopping");

        final List<String> resume = checkpointedArgs(dir.resolve("out.csv"), 3);
        resume.addAll(List.of("--restore", savepointDir.toString()));
        final Process resumed = ChildJvm.start(log, resume);
        assertTrue(resumed.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, resumed.exitValue(), Files.readString(log));
        GoldenFiles.assertSameRows(dir.resolve("expected.csv"), dir.resolve("out.csv"),
            "resumed from the SIGTERM savepoint " + savepointDir);
    }

    private long sharedBytes() throws Exception
    {
        final Path shared = dir.resolve("checkpoints").resolve(CheckpointDirectory.SHARED_DIR_NAME);
        if (!Files.isDirectory(shared))
        {
            return 0;
        }
        long total = 0;
        try (Stream<Path> files = Files.list(shared))
        {
            for (final Path file : (Iterable<Path>)files::iterator)
            {
                try
                {
                    total += Files.size(file);
                }
                catch (final java.nio.file.NoSuchFileException ex)
                {
                    // deleted by retention meanwhile
                }
            }
        }
        return total;
    }
}
