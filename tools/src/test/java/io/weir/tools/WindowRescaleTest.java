package io.weir.tools;

import io.weir.tools.cli.WeirCli;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tumbling job keeps no list of a window's keys in its checkpoints: a restore lists them again from the restored
 * window contents (through the backend's scan of its entries) and gives each window its timer. Stopped with a
 * savepoint about a third of the way through the basic golden input on 2 shards, it resumes on 3 and on 1 shard, on
 * each backend, and the output equals Flink's: every window restored fires once, with its contents.
 */
@Timeout(120)
class WindowRescaleTest
{
    private static final Pattern SAVEPOINT = Pattern.compile("with savepoint (\\S+)");

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = { "chronicle", "lmdb", "heap" })
    void shouldResumeTumblingWindowsWithMoreAndFewerShardsExactlyOnce(final String backend) throws Exception
    {
        final Path golden = GoldenFiles.root().resolve("basic");
        final Path in = golden.resolve("input.csv");
        final Path stopped = dir.resolve("stopped");
        assertEquals(0, run(jobArgs(backend, in, stopped, 2, "--source-rate", "20000", "--stop-after-events", "7000")),
            err.toString(StandardCharsets.UTF_8));
        final String stopOutput = out.toString(StandardCharsets.UTF_8);
        final Matcher savepoint = SAVEPOINT.matcher(stopOutput);
        assertTrue(savepoint.find(), stopOutput);
        final Path savepointName = Path.of(savepoint.group(1)).getFileName();

        for (final int shards : new int[]{ 3, 1 })
        {
            // The rows before the savepoint are in the stopped run's parts: the restored run goes on with them.
            final Path restored = dir.resolve("restore-" + shards);
            ExactlyOnceProcessTest.copyTree(stopped, restored);
            assertEquals(0, run(jobArgs(backend, in, restored, shards,
                "--restore", restored.resolve("checkpoints").resolve(savepointName).toString())),
                err.toString(StandardCharsets.UTF_8));
            final String context = backend + ", restored on " + shards + " shard(s) from " + savepointName;
            GoldenFiles.assertSameRows(golden.resolve("tumbling.csv"), restored.resolve("out.csv"), context);
            GoldenFiles.assertSameRows(golden.resolve("tumbling.late.csv"), restored.resolve("out.late.csv"), context);
        }
    }

    /** The tumbling job from {@code in} to {@code work/out.csv}, checkpointing into {@code work/checkpoints}. */
    private static List<String> jobArgs(
        final String backend, final Path in, final Path work, final int shards, final String... more)
    {
        final List<String> args = new ArrayList<>(List.of("job", "tumbling", "--in", in.toString(),
            "--out", work.resolve("out.csv").toString(),
            "--out-of-order-ms", Long.toString(GoldenFiles.outOfOrdernessMs("basic")),
            "--backend", backend, "--shards", Integer.toString(shards),
            "--checkpoint-dir", work.resolve("checkpoints").toString(), "--checkpoint-interval-ms", "60000"));
        args.addAll(List.of(more));
        return args;
    }

    private int run(final List<String> args)
    {
        out.reset();
        err.reset();
        return WeirCli.run(args.toArray(new String[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    }
}
