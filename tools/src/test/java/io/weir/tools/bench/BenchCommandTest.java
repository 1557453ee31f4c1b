package io.weir.tools.bench;

import io.weir.tools.cli.WeirCli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(120)
class BenchCommandTest
{
    private static final Pattern RESULT = Pattern.compile(
        "^RESULT job=rolling-sum backend=(\\S+) shards=(\\d+) keys=(\\d+) events=(\\d+) rate=(\\d+) " +
        "checkpoints=(\\S+) events_per_s=(\\d+) p50_ns=(\\d+) p90_ns=(\\d+) p99_ns=(\\d+) p999_ns=(\\d+) " +
        "p9999_ns=(\\d+) max_ns=(\\d+) checkpoints_completed=(\\d+) threading=(\\S+) snap_count=(\\d+)" +
        "( snap_p50_ns=(\\d+) snap_p99_ns=(\\d+) snap_max_ns=(\\d+))?$", Pattern.MULTILINE);

    @TempDir
    Path dir;

    @Test
    void shouldSummarisePausesOfCheckpointsCompletedAfterWarmUpOnTheirOwn()
    {
        final java.util.List<io.weir.engine.checkpoint.CheckpointStats> checkpoints = java.util.List.of(
            stats(1, true, 1_000_000L, 900_000L, 1_000),
            stats(2, false, 30_000L, 20_000L, 2_000),
            stats(3, false, 5_000L, 7_000L, 3_000),
            stats(4, false, 6_000L, 4_000L, 4_000));
        final String summary = BenchCommand.CheckpointSummary.of(checkpoints, 2_000);
        assertTrue(summary.startsWith("4 completed; shard pause us p50 20.0 p99 1000.0 max 1000.0;"), summary);
        assertTrue(summary.endsWith("after warm-up: 4 pauses, shard pause us p50 6.0 p99 7.0 max 7.0"), summary);
        assertTrue(BenchCommand.CheckpointSummary.of(checkpoints, 5_000).endsWith("after warm-up: 0 pauses, " +
            "shard pause us none"));
    }

    @Test
    void shouldReportTheLongestStretchOfTheMeasuredRunWithoutACompletedCheckpoint()
    {
        final List<io.weir.engine.checkpoint.CheckpointStats> checkpoints = List.of(
            stats(1, true, 1_000L, 1_000L, 500),
            stats(2, false, 1_000L, 1_000L, 2_100),
            stats(3, false, 1_000L, 1_000L, 3_000),
            stats(4, false, 1_000L, 1_000L, 9_000),
            stats(5, false, 1_000L, 1_000L, 12_500));
        assertEquals("longest 6,000 ms without a completed checkpoint after warm-up (3 completed in 10,000 ms, one " +
            "asked every 1,000 ms); the events in it were measured without one",
            BenchCommand.CheckpointSummary.gaps(checkpoints, 2_000, 12_000, 1_000));
        assertEquals("longest 900 ms without a completed checkpoint after warm-up (1 completed in 1,000 ms, one " +
            "asked every 1,000 ms)", BenchCommand.CheckpointSummary.gaps(checkpoints, 2_000, 3_000, 1_000));
        assertEquals("longest 5,000 ms without a completed checkpoint after warm-up (0 completed in 5,000 ms, one " +
            "asked every 1,000 ms); the events in it were measured without one",
            BenchCommand.CheckpointSummary.gaps(List.of(), 10_000, 15_000, 1_000));
    }

    private static io.weir.engine.checkpoint.CheckpointStats stats(
        final long id, final boolean full, final long pause0Ns, final long pause1Ns, final long completedAtMs)
    {
        return new io.weir.engine.checkpoint.CheckpointStats(
            id, false, full, new long[]{ pause0Ns, pause1Ns }, 0, 0, 0, completedAtMs, 0, 0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"dedicated", "shared", "invoker"})
    void shouldEndWithTheResultLineOfBenchmarksMdAndWriteTheHgrmFile(final String threading)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final Path hgrm = dir.resolve("latency.hgrm");
        final int exit = WeirCli.run(new String[]{"bench", "--events", "200000", "--keys", "5000", "--rate", "100000",
            "--backend", "heap", "--idle", "sleep", "--checkpoint-interval-ms", "200", "--hgrm", hgrm.toString(),
            "--threading", threading},
            new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
        final String text = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, exit, text);
        final String[] lines = text.strip().split("\n");
        final Matcher result = RESULT.matcher(lines[lines.length - 1]);
        assertTrue(result.matches(), "the last line is the RESULT line: " + lines[lines.length - 1]);
        assertEquals("heap", result.group(1));
        assertEquals("1", result.group(2));
        assertEquals("5000", result.group(3));
        assertEquals("200000", result.group(4));
        assertEquals("100000", result.group(5));
        assertEquals("200ms", result.group(6));
        final long eventsPerSecond = Long.parseLong(result.group(7));
        assertTrue(eventsPerSecond > 10_000 && eventsPerSecond <= 100_500, "paced near the offered rate: " + text);
        long previous = 0;
        for (int group = 8; group <= 13; group++)
        {
            final long value = Long.parseLong(result.group(group));
            assertTrue(value >= previous, "percentiles are ordered: " + lines[lines.length - 1]);
            previous = value;
        }
        final long completed = Long.parseLong(result.group(14));
        assertTrue(completed >= 1, "checkpoints completed during a 2 s run");
        assertEquals(threading, result.group(15));
        assertEquals(completed, Long.parseLong(result.group(16)), "a snapshot point per checkpoint of one shard");
        assertTrue(Long.parseLong(result.group(18)) <= Long.parseLong(result.group(19)) &&
            Long.parseLong(result.group(19)) <= Long.parseLong(result.group(20)), "ordered: " + text);
        assertTrue(Files.exists(hgrm));
    }

    /**
     * BENCHMARKS.md's formulas, written out again here so that the test does not check the implementation against
     * itself: the SplitMix64 finaliser and the key and amount of event i.
     */
    private static long splitMix64Finaliser(final long value)
    {
        long z = value;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static long workloadKey(final long i, final long keys)
    {
        return Long.remainderUnsigned(splitMix64Finaliser(i + 0x632BE59BD9B4E019L), keys);
    }

    @Test
    void shouldWriteTheFinaliserOfBenchmarksMdAsSplitMix64Does()
    {
        // The reference SplitMix64 generator seeded with 0 returns the finaliser of 1, 2, 3... times its golden
        // gamma 0x9E3779B97F4A7C15; its published first outputs pin the finaliser written above.
        final long gamma = 0x9E3779B97F4A7C15L;
        assertEquals(0xE220A8397B1DCDAFL, splitMix64Finaliser(gamma));
        assertEquals(0x6E789E6AA1B965F4L, splitMix64Finaliser(2 * gamma));
        assertEquals(0x06C45D188009454FL, splitMix64Finaliser(3 * gamma));
        assertEquals(0xF88BB8A8724C81ECL, splitMix64Finaliser(4 * gamma));
    }

    @Test
    void shouldMatchTheWorkloadOfBenchmarksMd()
    {
        final BenchEvent event = new BenchEvent();
        for (final long keys : new long[]{1_000_000, 1, 7, 1L << 40, Long.MAX_VALUE})
        {
            for (long i = 0; i < 20_000; i++)
            {
                event.generate(i, keys, 42 + i);
                assertEquals(workloadKey(i, keys), event.key, "key of event " + i + " of " + keys + " keys");
                assertEquals(1 + (i % 100), event.amount, "amount of event " + i);
                assertEquals(i, event.sequence);
                assertEquals(42 + i, event.intendedNs);
            }
        }
        // Keys reduced as unsigned: an event whose mixed value is negative still gets a key in [0, K).
        long negative = 0;
        for (long i = 0; i < 1_000; i++)
        {
            negative += splitMix64Finaliser(i + 0x632BE59BD9B4E019L) < 0 ? 1 : 0;
            assertTrue(event.generate(i, 1_000_000, 0).key >= 0 && event.key < 1_000_000, "key of event " + i);
        }
        assertTrue(negative > 0, "some mixed values are negative");
        event.generate(0, 1_000_000, 0);
        assertEquals(1, event.amount);
        event.generate(199, 1_000_000, 0);
        assertEquals(100, event.amount);
    }
}
