package io.weir.tools;

import io.weir.tools.cli.WeirCli;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Exactly-once of the windowed Nexmark queries q5 (sliding windows, then a re-keyed max) and q8 (a window join of
 * two inputs) with real processes: {@code weir nexmark run} checkpoints every 100 ms and is killed (kill -9) at
 * random points while it reads the golden case {@code small}; the run that finishes must write the golden result.
 */
class NexmarkCrashProcessTest
{
    private static final int KILLS = 3;
    /** The killed runs read this many events per second: the 50,000 events take about 6 s. */
    private static final long KILLED_RUN_RATE = 8_000;

    @TempDir
    static Path shared;
    private static Path events;

    @TempDir
    Path dir;

    @BeforeAll
    static void generate()
    {
        events = shared.resolve("events.csv");
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int exit = WeirCli.run(new String[] {"nexmark", "gen", "--events", "50000", "--seed", "1",
            "--event-rate", "200", "--out", events.toString()}, new PrintStream(new ByteArrayOutputStream()),
            new PrintStream(err));
        assertEquals(0, exit, err.toString(StandardCharsets.UTF_8));
    }

    private List<String> args(final String query, final Path out, final Path checkpoints, final String backend,
        final long rate)
    {
        return List.of("nexmark", "run", query, "--in", events.toString(), "--out", out.toString(),
            "--shards", "2", "--backend", backend, "--checkpoint-dir", checkpoints.toString(),
            "--checkpoint-interval-ms", "100", "--source-rate", Long.toString(rate));
    }

    private static String sortedRows(final Path file) throws IOException
    {
        final List<String> rows = new ArrayList<>(Files.readAllLines(file, StandardCharsets.US_ASCII));
        rows.sort(null);
        final StringBuilder sorted = new StringBuilder();
        for (final String row : rows)
        {
            sorted.append(row).append('\n');
        }
        return sorted.toString();
    }

    @ParameterizedTest(name = "{0} on {1}")
    @CsvSource({"q5, chronicle", "q8, lmdb"})
    @Timeout(300)
    void theResultAfterKillsEqualsTheGoldenResult(final String query, final String backend) throws Exception
    {
        final long seed = Long.getLong("weir.test.seed", System.nanoTime());
        final Random random = new Random(seed);
        final Path log = dir.resolve("child.log");
        final Path out = dir.resolve(query + ".csv");
        final Path checkpoints = dir.resolve("checkpoints");
        for (int kill = 0; kill < KILLS; kill++)
        {
            // Retention keeps the number of checkpoints constant: a new one shows as a higher id.
            final long before = ExactlyOnceProcessTest.newestCheckpointId(checkpoints);
            final Process child = ChildJvm.start(log, args(query, out, checkpoints, backend, KILLED_RUN_RATE));
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (ExactlyOnceProcessTest.newestCheckpointId(checkpoints) <= before && child.isAlive() &&
                System.nanoTime() < deadline)
            {
                Thread.sleep(5);
            }
            Thread.sleep(random.nextInt(600));
            assertTrue(child.isAlive(), "run " + kill + " was still reading when killed (seed " + seed + "):\n" +
                Files.readString(log));
            child.destroyForcibly().waitFor();
            assertFalse(Files.exists(out), "a killed run wrote no result (seed " + seed + ")");
        }
        final Process last = ChildJvm.start(log, args(query, out, checkpoints, backend, 0));
        assertTrue(last.waitFor(120, TimeUnit.SECONDS), "the final run finished (seed " + seed + ")");
        final String output = Files.readString(log);
        assertEquals(0, last.exitValue(), output);
        assertTrue(output.contains("resuming from checkpoint"), "a run resumed (seed " + seed + "):\n" + output);
        final Path golden = Path.of(NexmarkCrashProcessTest.class.getResource("/golden-nexmark/small/" + query +
            ".csv").toURI());
        assertEquals(Files.readString(golden, StandardCharsets.US_ASCII), sortedRows(out),
            query + " on " + backend + " after " + KILLS + " kills, seed " + seed);
    }
}
