package io.weir.tools.nexmark;

import io.weir.tools.io.BadInputException;
import io.weir.tools.nexmark.queries.NexmarkEvent;
import io.weir.tools.nexmark.queries.NexmarkEventCodec;
import org.agrona.ExpandableArrayBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The event codec and readers, and the {@code weir nexmark run} and {@code bench} command lines. */
class NexmarkCommandTest
{
    @TempDir
    Path dir;

    private static String csv(final NexmarkEvent event)
    {
        final StringBuilder line = new StringBuilder();
        event.appendCsv(line);
        return line.toString();
    }

    @Test
    void theCodecAndTheFileReaderGiveBackTheGeneratorsEvents() throws Exception
    {
        final NexmarkGenerator generator = new NexmarkGenerator(7, 1000);
        final Path file = dir.resolve("events.csv");
        NexmarkGenCommand.write(generator, 3_000, file);
        final NexmarkEvent made = new NexmarkEvent();
        final NexmarkEvent decoded = new NexmarkEvent();
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(1024);
        long positionAt1000 = 0;
        try (NexmarkEventReader reader = new NexmarkEventReader(file))
        {
            for (long n = 0; n < 3_000; n++)
            {
                assertTrue(reader.next(), "event " + n);
                generator.generate(n, made);
                assertEquals(csv(made), csv(reader.current()), "event " + n);
                final int length = NexmarkEventCodec.INSTANCE.encode(made, buffer, 0);
                assertEquals(NexmarkEventCodec.INSTANCE.encodedLength(made), length, "event " + n);
                assertEquals(csv(made), csv(NexmarkEventCodec.INSTANCE.decode(buffer, 0, length, decoded)));
                if (n == 999)
                {
                    positionAt1000 = reader.position();
                }
            }
            assertTrue(!reader.next());
        }
        try (NexmarkEventReader resumed = new NexmarkEventReader(file))
        {
            resumed.seek(positionAt1000, 1000);
            assertTrue(resumed.next());
            generator.generate(1000, made);
            assertEquals(csv(made), csv(resumed.current()));
            assertEquals(1001, resumed.line());
        }
    }

    @Test
    void aMalformedLineIsNamedByFileAndLine() throws Exception
    {
        final Path file = dir.resolve("bad.csv");
        Files.writeString(file, "B,1000,1001,5410514,Apple,https://x,1700000000000\nB,1000,x1001,5,Apple,u,17\n");
        try (NexmarkEventReader reader = new NexmarkEventReader(file))
        {
            assertTrue(reader.next());
            final BadInputException bad = assertThrows(BadInputException.class, reader::next);
            assertEquals(file + ":2: field bidder is empty or not a decimal integer: 'B,1000,x1001,5,Apple,u,17'",
                bad.getMessage());
        }
    }

    @Test
    void runWritesTheQuerysRowsAndBenchPrintsItsLine() throws Exception
    {
        final Path events = dir.resolve("events.csv");
        NexmarkGenCommand.write(new NexmarkGenerator(1, 200), 50_000, events);
        final Path out = dir.resolve("q2.csv");
        final ByteArrayOutputStream text = new ByteArrayOutputStream();
        assertEquals(0, io.weir.tools.cli.WeirCli.run(new String[] {"nexmark", "run", "q2", "--in", events.toString(), "--out",
            out.toString(), "--shards", "2", "--backend", "heap"}, new PrintStream(text), System.err));
        NexmarkGoldenRows.assertSameSortedRows(
            Path.of(NexmarkCommandTest.class.getResource("/golden-nexmark/small/q2.csv").toURI()), out);

        text.reset();
        assertEquals(0, io.weir.tools.cli.WeirCli.run(new String[] {"nexmark", "bench", "q5", "--events", "200000", "--shards", "2",
            "--backend", "heap"}, new PrintStream(text), System.err));
        final String line = text.toString(StandardCharsets.US_ASCII).trim();
        assertTrue(line.matches("NEXMARK query=q5 events=200000 shards=2 backend=heap checkpoints=0 " +
            "events_per_s=\\d+ p50_ns=\\d+ p99_ns=\\d+ p9999_ns=\\d+ threading=dedicated"), line);

        // The command's own thread runs the generator's reader and both shards.
        text.reset();
        final Path invokerOut = dir.resolve("q2-invoker.csv");
        assertEquals(0, io.weir.tools.cli.WeirCli.run(new String[] {"nexmark", "run", "q2", "--in", events.toString(),
            "--out", invokerOut.toString(), "--shards", "2", "--backend", "heap", "--threading", "invoker"},
            new PrintStream(text), System.err));
        NexmarkGoldenRows.assertSameSortedRows(
            Path.of(NexmarkCommandTest.class.getResource("/golden-nexmark/small/q2.csv").toURI()), invokerOut);
        text.reset();
        assertEquals(0, io.weir.tools.cli.WeirCli.run(new String[] {"nexmark", "bench", "q5", "--events", "200000",
            "--shards", "2", "--backend", "heap", "--threading", "shared"}, new PrintStream(text), System.err));
        final String shared = text.toString(StandardCharsets.US_ASCII).trim();
        assertTrue(shared.endsWith(" threading=shared"), shared);
        text.reset();
        assertEquals(2, io.weir.tools.cli.WeirCli.run(new String[] {"nexmark", "bench", "q5", "--events", "200000",
            "--threading", "pooled"}, new PrintStream(text), new PrintStream(text)));
        assertTrue(text.toString(StandardCharsets.US_ASCII).contains(
            "weir nexmark bench: --threading must be dedicated, shared or invoker, got 'pooled'"), text.toString());
    }
}
