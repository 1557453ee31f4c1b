package io.weir.tools.cli;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code weir job --threading}: a job stopped with a savepoint in one threading mode resumes in another, with
 * another shard count, and its output equals an uninterrupted run's, row for row (exactly once). In INVOKER mode
 * the command's own thread reads the file, runs the shards and waits for the savepoint.
 */
@Timeout(60)
class JobThreadingTest
{
    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(final String... args)
    {
        out.reset();
        err.reset();
        return WeirCli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @ParameterizedTest(name = "{0} with {1} shards, then {2} with {3}")
    @CsvSource({"invoker, 2, dedicated, 3", "dedicated, 2, invoker, 1", "shared, 3, invoker, 2"})
    void shouldResumeASavepointInAnotherModeExactlyOnce(final String first, final int firstShards,
        final String second, final int secondShards) throws Exception
    {
        final Path in = dir.resolve("in.csv");
        final StringBuilder csv = new StringBuilder();
        for (int i = 1; i <= 2_000; i++)
        {
            csv.append(i).append(',').append(i % 7).append(',').append(i % 13).append(',').append(i).append('\n');
        }
        Files.writeString(in, csv);
        final Path expected = dir.resolve("expected.csv");
        assertEquals(0, run("job", "rolling-sum", "--in", in.toString(), "--out", expected.toString(),
            "--backend", "heap", "--shards", "1"), err.toString());

        final Path outFile = dir.resolve("out.csv");
        final Path checkpoints = dir.resolve("cp");
        assertEquals(0, run("job", "rolling-sum", "--in", in.toString(), "--out", outFile.toString(),
            "--backend", "heap", "--checkpoint-dir", checkpoints.toString(), "--source-rate", "1000",
            "--stop-after-events", "300", "--threading", first, "--shards", String.valueOf(firstShards)),
            err.toString());
        final String stopped = out.toString(StandardCharsets.UTF_8);
        assertTrue(stopped.contains("with savepoint "), stopped);
        final String savepoint = stopped.substring(stopped.indexOf("with savepoint ") + 15).trim();

        assertEquals(0, run("job", "rolling-sum", "--in", in.toString(), "--out", outFile.toString(),
            "--backend", "heap", "--checkpoint-dir", checkpoints.toString(), "--restore", savepoint,
            "--threading", second, "--shards", String.valueOf(secondShards)), err.toString());
        assertEquals(sorted(expected), sorted(outFile), first + " -> " + second);
    }

    @org.junit.jupiter.api.Test
    void shouldNameTheOptionOfABadMode()
    {
        assertEquals(2, run("job", "rolling-sum", "--in", "a", "--out", "b", "--threading", "pooled"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains(
            "weir job: --threading must be dedicated, shared or invoker, got 'pooled'"), err.toString());
    }

    private static List<String> sorted(final Path file) throws Exception
    {
        final List<String> rows = new ArrayList<>(Files.readAllLines(file));
        rows.sort(null);
        return rows;
    }
}
