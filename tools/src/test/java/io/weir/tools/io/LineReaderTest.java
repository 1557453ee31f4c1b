package io.weir.tools.io;

import io.weir.tools.jobs.CsvEventReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class LineReaderTest
{
    @TempDir
    Path dir;

    private static List<String> rest(final LineReader lines) throws IOException
    {
        final List<String> text = new ArrayList<>();
        while (lines.nextLine())
        {
            text.add(lines.text(lines.lineStart(), lines.lineEnd()) + (lines.lineTerminated() ? "" : "<no LF>") +
                "@" + lines.lineNumber() + ":" + lines.position());
        }
        return text;
    }

    @Test
    void shouldSplitRandomBytesAtEveryLineFeedWhateverTheBytesAroundIt() throws Exception
    {
        final long seed = Long.getLong("weir.test.seed", System.nanoTime());
        final java.util.Random random = new java.util.Random(seed);
        // Bytes next to LF in value (0x09, 0x0B), with its bits plus the high bit (0x8A), and the rest at random.
        final byte[] near = { 0x09, 0x0B, (byte)0x8A, 0x00, (byte)0xFF, 0x0A ^ 0x01, 0x1A };
        final java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        final List<Integer> lengths = new ArrayList<>();
        for (int line = 0; line < 20_000; line++)
        {
            final int length = random.nextInt(50) == 0 ? 70_000 + random.nextInt(100) : random.nextInt(40);
            for (int i = 0; i < length; i++)
            {
                byte b = random.nextBoolean() ? near[random.nextInt(near.length)] : (byte)random.nextInt(256);
                bytes.write(b == '\n' ? 'x' : b);
            }
            bytes.write('\n');
            lengths.add(length);
        }
        final Path file = dir.resolve("random.txt");
        Files.write(file, bytes.toByteArray());
        try (LineReader lines = new LineReader(file))
        {
            long position = 0;
            for (int line = 0; line < lengths.size(); line++)
            {
                assertTrue(lines.nextLine(), "seed " + seed);
                assertEquals(lengths.get(line), lines.lineEnd() - lines.lineStart(), "line " + (line + 1) +
                    ", seed " + seed + " (-Dweir.test.seed=" + seed + " repeats it)");
                position += lengths.get(line) + 1;
                assertEquals(position, lines.position(), "seed " + seed);
            }
            assertFalse(lines.nextLine(), "seed " + seed);
        }
    }

    @Test
    void shouldGiveEachLineInPlaceWithItsNumberAndThePositionAfterIt() throws Exception
    {
        final Path file = dir.resolve("in.txt");
        final String longLine = "x".repeat(200_000);
        Files.writeString(file, "a\r\n\nbc\n" + longLine + "\nlast", StandardCharsets.US_ASCII);
        try (LineReader lines = new LineReader(file))
        {
            assertEquals(List.of("a\r@1:3", "@2:4", "bc@3:7", longLine + "@4:200008", "last<no LF>@5:200012"),
                rest(lines));
            assertEquals(Files.size(file), lines.position());
            assertFalse(lines.nextLine());
        }
    }

    @Test
    void shouldResumeAfterThePositionOfALineAndRefuseAFileShorterThanIt() throws Exception
    {
        final Path file = dir.resolve("in.txt");
        final StringBuilder text = new StringBuilder();
        for (int i = 1; i <= 50_000; i++)
        {
            text.append("line ").append(i).append('\n');
        }
        Files.writeString(file, text, StandardCharsets.US_ASCII);
        long positionAfter30000 = 0;
        try (LineReader lines = new LineReader(file))
        {
            while (lines.nextLine())
            {
                if (lines.lineNumber() == 30_000)
                {
                    positionAfter30000 = lines.position();
                }
            }
        }
        try (LineReader resumed = new LineReader(file))
        {
            resumed.seek(positionAfter30000, 30_000);
            assertTrue(resumed.nextLine());
            assertEquals("line 30001", resumed.text(resumed.lineStart(), resumed.lineEnd()));
            assertEquals(30_001, resumed.lineNumber());
            assertThrows(IllegalStateException.class, () -> resumed.seek(0, 0));
        }
        try (LineReader tooFar = new LineReader(file))
        {
            final IOException ex = assertThrows(IOException.class, () -> tooFar.seek(Files.size(file) + 1, 1));
            assertTrue(ex.getMessage().startsWith(file + " has " + Files.size(file) + " bytes but the checkpoint"),
                ex.getMessage());
        }
        final NoSuchFileException missing =
            assertThrows(NoSuchFileException.class, () -> new LineReader(dir.resolve("missing.txt")));
        assertTrue(missing.getMessage().contains("input file does not exist"), missing.getMessage());
    }

    @Test
    void shouldResumeTheCsvReaderAfterACheckpointedPosition() throws Exception
    {
        final Path file = dir.resolve("in.csv");
        final StringBuilder text = new StringBuilder("ts_millis,key,amount,event_id\n");
        for (int i = 0; i < 20_000; i++)
        {
            text.append(i * 10).append(',').append(i % 7).append(',').append(i % 100).append(',').append(i)
                .append(i % 3 == 0 ? "\r\n" : "\n");
        }
        Files.writeString(file, text, StandardCharsets.US_ASCII);
        long position = 0;
        long line = 0;
        try (CsvEventReader reader = new CsvEventReader(file))
        {
            for (int i = 0; i < 12_345; i++)
            {
                assertTrue(reader.next());
                assertEquals(i, reader.current().eventId);
            }
            position = reader.position();
            line = reader.line();
        }
        assertEquals(12_346, line, "the header is line 1");
        try (CsvEventReader resumed = new CsvEventReader(file))
        {
            resumed.seek(position, line);
            for (int i = 12_345; i < 20_000; i++)
            {
                assertTrue(resumed.next());
                assertEquals(i * 10L, resumed.current().timestamp);
                assertEquals(i, resumed.current().eventId);
                assertEquals(i + 2, resumed.line());
            }
            assertFalse(resumed.next());
            assertEquals(Files.size(file), resumed.position());
        }
    }
}
