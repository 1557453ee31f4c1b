package io.weir.tools.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --engine flink} without the Flink adapter on the classpath (the CLI jar alone): a one-line error that
 * says how to get it, no output; and the options Flink does not take are refused.
 */
class FlinkEngineOptionTest
{
    @TempDir
    Path dir;

    @Test
    void shouldSayTheAdapterIsMissing() throws Exception
    {
        final Path in = dir.resolve("in.csv");
        Files.writeString(in, "1,1,1,1\n");
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int exit = WeirCli.run(new String[]{"job", "rolling-sum", "--in", in.toString(), "--out",
            dir.resolve("out.csv").toString(), "--engine", "flink"}, new PrintStream(new ByteArrayOutputStream()),
            new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(1, exit);
        final String message = err.toString(StandardCharsets.UTF_8);
        assertTrue(message.startsWith("weir job rolling-sum: --engine flink needs the Flink adapter") &&
            message.contains("./weir") && message.lines().count() == 1, message);
        assertTrue(Files.notExists(dir.resolve("out.csv")));
    }

    @Test
    void shouldRefuseWeirOnlyOptionsAndUnknownEngines()
    {
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
        final PrintStream out = new PrintStream(new ByteArrayOutputStream());
        assertEquals(2, WeirCli.run(new String[]{"job", "dedup", "--in", "a", "--out", "b", "--engine", "flink",
            "--checkpoint-dir", dir.toString()}, out, errStream));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("not with --engine flink"), err.toString());
        err.reset();
        assertEquals(2, WeirCli.run(new String[]{"job", "dedup", "--in", "a", "--out", "b", "--engine", "spark"},
            out, errStream));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--engine must be one of weir, flink"),
            err.toString());
        err.reset();
        assertEquals(2, WeirCli.run(new String[]{"job", "dedup", "--in", "a", "--out", "b", "--engine", "flink",
            "--backend", "lmdb"}, out, errStream));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("heap (hashmap) or rocksdb"), err.toString());
    }
}
