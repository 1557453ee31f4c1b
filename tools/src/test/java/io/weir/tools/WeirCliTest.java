package io.weir.tools;

import io.weir.tools.cli.WeirCli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(60)
class WeirCliTest
{
    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(final String... args)
    {
        return WeirCli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String err()
    {
        return err.toString(StandardCharsets.UTF_8);
    }

    private Path input(final String content) throws Exception
    {
        final Path in = dir.resolve("in.csv");
        Files.writeString(in, content);
        return in;
    }

    private void assertBadInput(final String content, final String expectedMessage) throws Exception
    {
        final Path in = input(content);
        final Path outFile = dir.resolve("out.csv");
        assertEquals(1, run("job", "rolling-sum", "--in", in.toString(), "--out", outFile.toString(),
            "--backend", "heap", "--shards", "2"));
        assertTrue(err().contains(expectedMessage), err());
        assertFalse(Files.exists(outFile), "no partial output");
        try (var files = Files.list(dir))
        {
            assertEquals(1, files.count(), "no part or temp files left behind");
        }
    }

    @Test
    void shouldNameFileLineAndTextOfANonNumber() throws Exception
    {
        assertBadInput("1,2,3,4\n\n5,6,x7,8\n", "in.csv:3: field 3 is not a decimal integer: 'x7' in line '5,6,x7,8'");
    }

    @Test
    void shouldRejectAWrongFieldCount() throws Exception
    {
        assertBadInput("1,2,3,4\n1,2,3\n", "in.csv:2: expected 4 comma-separated fields");
        err.reset();
        assertBadInput("1,2,3,4,5\n", "in.csv:1: expected 4 comma-separated fields (ts,key,amount,event_id) but " +
            "found more");
    }

    @Test
    void shouldRejectOverflow() throws Exception
    {
        assertBadInput("9223372036854775808,1,1,1\n", "in.csv:1: field 1 overflows a signed 64-bit integer");
    }

    @Test
    void shouldAcceptExtremeValuesAndSkipEmptyLines() throws Exception
    {
        final Path in = input("\n-9223372036854775808,1,9223372036854775807,1\n\n1,1,1,2");
        final Path outFile = dir.resolve("out.csv");
        assertEquals(0, run("job", "rolling-sum", "--in", in.toString(), "--out", outFile.toString(),
            "--backend", "heap"), err());
        assertEquals("1,1,9223372036854775807\n1,2,-9223372036854775808\n", Files.readString(outFile));
    }

    @Test
    void shouldExplainUnknownJobBackendAndOptionInOneLine() throws Exception
    {
        assertEquals(2, run("job", "stateless", "--in", "a", "--out", "b"));
        assertEquals("weir job: unknown job 'stateless'; jobs: rolling-sum, dedup, session, tumbling, velocity\n",
            err(), "the bench's floor is not a job to run");
        err.reset();
        assertEquals(2, run("job", "nope", "--in", "a", "--out", "b"));
        assertEquals("weir job: unknown job 'nope'; jobs: rolling-sum, dedup, session, tumbling, velocity\n",
            err());
        err.reset();
        final Path in = input("1,1,1,1\n");
        assertEquals(2, run("job", "dedup", "--in", in.toString(), "--out", "b", "--backend", "rocks"));
        assertEquals("weir: unknown backend 'rocks'; backends: chronicle, lmdb, heap\n", err());
        err.reset();
        assertEquals(2, run("job", "dedup", "--in", "a", "--out", "b", "--colour", "red"));
        assertEquals("weir job: unknown option --colour (see 'weir job --help')\n", err());
        err.reset();
        assertEquals(2, run("job", "dedup", "--in", "a", "--out", "b", "--shards", "zero"));
        assertEquals("weir job: --shards must be an integer, got 'zero'\n", err());
        err.reset();
        assertEquals(2, run("frobnicate"));
        assertEquals("weir: unknown command 'frobnicate' (see 'weir --help')\n", err());
    }

    @Test
    void shouldChooseTheStateWriterAndRejectABadOneInOneLine() throws Exception
    {
        final Path in = input("1,1,1,1\n2,1,2,2\n3,2,3,3\n");
        final Path outFile = dir.resolve("out.csv");
        assertEquals(0, run("job", "rolling-sum", "--in", in.toString(), "--out", outFile.toString(),
            "--backend", "heap", "--checkpoint-dir", dir.resolve("cp").toString(), "--state-writer",
            "checkpoint-thread"), err());
        assertEquals(3, Files.readAllLines(outFile).size());
        assertEquals(2, run("job", "dedup", "--in", in.toString(), "--out", "b", "--checkpoint-dir",
            dir.resolve("cp2").toString(), "--state-writer", "elsewhere"));
        assertEquals("weir job: --state-writer must be 'shard' or 'checkpoint-thread', got 'elsewhere'\n", err());
        err.reset();
        assertEquals(2, run("job", "dedup", "--in", in.toString(), "--out", "b", "--state-writer", "shard"));
        assertEquals("weir job: --state-writer needs --checkpoint-dir\n", err());
        err.reset();
        assertEquals(2, run("bench", "--events", "1000", "--state-writer", "shard"));
        assertEquals("weir bench: --state-writer needs --checkpoint-interval-ms\n", err());
    }

    @Test
    void shouldTakeTheDeltaToBaseRatioAndRejectABadOneInOneLine() throws Exception
    {
        final Path in = input("1,1,1,1\n2,1,2,2\n3,2,3,3\n");
        final Path outFile = dir.resolve("out.csv");
        assertEquals(0, run("job", "rolling-sum", "--in", in.toString(), "--out", outFile.toString(),
            "--backend", "heap", "--checkpoint-dir", dir.resolve("cp").toString(), "--delta-to-base-ratio", "0"),
            err());
        assertEquals(3, Files.readAllLines(outFile).size());
        for (final String bad : new String[] {"-1", "NaN", "half"})
        {
            err.reset();
            assertEquals(2, run("job", "dedup", "--in", in.toString(), "--out", "b", "--checkpoint-dir",
                dir.resolve("cp2").toString(), "--delta-to-base-ratio", bad));
            assertTrue(err().startsWith("weir job: --delta-to-base-ratio must be a") &&
                err().endsWith("got '" + bad + "'\n") && err().lines().count() == 1, err());
        }
        err.reset();
        assertEquals(2, run("job", "dedup", "--in", in.toString(), "--out", "b", "--delta-to-base-ratio", "1"));
        assertEquals("weir job: --delta-to-base-ratio needs --checkpoint-dir\n", err());
        err.reset();
        assertEquals(2, run("bench", "--events", "1000", "--delta-to-base-ratio", "1"));
        assertEquals("weir bench: --delta-to-base-ratio needs --checkpoint-interval-ms\n", err());
        err.reset();
        assertEquals(2, run("bench", "--events", "1000", "--checkpoint-interval-ms", "100",
            "--delta-to-base-ratio", "-2"));
        assertEquals("weir bench: --delta-to-base-ratio must be a finite number >= 0, got '-2'\n", err());
    }

    @Test
    void shouldReportAMissingInputFile()
    {
        assertEquals(1, run("job", "dedup", "--in", dir.resolve("absent.csv").toString(), "--out",
            dir.resolve("o.csv").toString(), "--backend", "heap"));
        assertTrue(err().contains("input file not found"), err());
    }

    @Test
    void shouldExplainEveryOptionInHelp()
    {
        assertEquals(0, run("job", "--help"));
        final String help = out.toString(StandardCharsets.UTF_8);
        for (final String option : new String[]{"--in", "--out", "--out-of-order-ms", "--shards", "--backend",
            "--state-dir", "--keep-state", "--state-writer"})
        {
            assertTrue(help.contains(option), option);
        }
        out.reset();
        assertEquals(0, run("--help"));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("job NAME"));
    }
}
