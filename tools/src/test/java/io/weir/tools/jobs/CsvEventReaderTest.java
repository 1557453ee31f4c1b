package io.weir.tools.jobs;

import io.weir.tools.io.BadInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CsvEventReaderTest
{
    @TempDir
    Path dir;

    private Event readOne(final String line) throws Exception
    {
        final Path file = dir.resolve("one.csv");
        Files.writeString(file, line + "\n", StandardCharsets.US_ASCII);
        try (CsvEventReader reader = new CsvEventReader(file))
        {
            assertTrue(reader.next());
            final Event event = reader.current();
            final Event copy = new Event();
            copy.set(event.timestamp, event.key, event.amount, event.eventId);
            assertFalse(reader.next());
            return copy;
        }
    }

    @Test
    void shouldParseEveryLongIncludingBothEndsAndLeadingZeros() throws Exception
    {
        final Event event = readOne("9223372036854775807,-9223372036854775808,+0000000000000000000000042,-17");
        assertEquals(Long.MAX_VALUE, event.timestamp);
        assertEquals(Long.MIN_VALUE, event.key);
        assertEquals(42, event.amount);
        assertEquals(-17, event.eventId);
    }

    @Test
    void shouldRefuseANumberOneBeyondEitherEndNamingTheFieldAndLine() throws Exception
    {
        for (final String line : new String[] {"9223372036854775808,1,1,1", "1,-9223372036854775809,1,1",
            "1,1,99999999999999999999,1", "1,1,1,00000000000000000000009223372036854775808"})
        {
            final BadInputException ex = assertThrows(BadInputException.class, () -> readOne(line), line);
            assertTrue(ex.getMessage().contains("one.csv:1: field ") &&
                ex.getMessage().contains("overflows a signed 64-bit integer"), ex.getMessage());
        }
    }

    @Test
    @Timeout(60)
    void shouldParseRandomFieldsOfEveryLengthAsLongParseLongDoesAcrossBufferBoundaries() throws Exception
    {
        // Lines of random fields (1 to 18 digits with signs and leading zeros, and both ends of a long) over many of
        // the reader's 64 KiB blocks, so that fields and lines end at many different offsets of a block's end.
        final SplittableRandom random = new SplittableRandom(7);
        final int lines = 40_000;
        final long[][] expected = new long[lines][4];
        final StringBuilder text = new StringBuilder();
        for (int l = 0; l < lines; l++)
        {
            for (int f = 0; f < 4; f++)
            {
                final String field = randomNumber(random);
                expected[l][f] = Long.parseLong(field);
                text.append(field).append(f < 3 ? "," : l % 5 == 0 ? "\r\n" : "\n");
            }
        }
        final Path file = dir.resolve("random.csv");
        Files.writeString(file, text, StandardCharsets.US_ASCII);
        try (CsvEventReader reader = new CsvEventReader(file))
        {
            for (int l = 0; l < lines; l++)
            {
                assertTrue(reader.next(), "line " + (l + 1));
                final Event event = reader.current();
                assertEquals(expected[l][0], event.timestamp, "line " + (l + 1));
                assertEquals(expected[l][1], event.key, "line " + (l + 1));
                assertEquals(expected[l][2], event.amount, "line " + (l + 1));
                assertEquals(expected[l][3], event.eventId, "line " + (l + 1));
            }
            assertFalse(reader.next());
        }
    }

    @Test
    @Timeout(60)
    void shouldRefuseAFieldWithANonDigitAtAnyPlaceNamingTheField() throws Exception
    {
        final SplittableRandom random = new SplittableRandom(11);
        final String notDigits = "/:; .x*\u00ff+-";
        for (int run = 0; run < 300; run++)
        {
            final String[] fields = {randomNumber(random), randomNumber(random), randomNumber(random),
                randomNumber(random)};
            final int f = random.nextInt(4);
            final char[] chars = fields[f].toCharArray();
            final int first = chars[0] == '-' || chars[0] == '+' ? 1 : 0;
            final int at = first + random.nextInt(chars.length - first);
            // A sign as the field's first character would make a valid number.
            chars[at] = notDigits.charAt(random.nextInt(at == 0 ? notDigits.length() - 2 : notDigits.length()));
            fields[f] = new String(chars);
            final String line = String.join(",", fields);
            // The second line: a first line that does not start with a number would be skipped as a header.
            final Path file = dir.resolve("bad.csv");
            Files.writeString(file, "1,2,3,4\n" + line + "\n", StandardCharsets.ISO_8859_1);
            try (CsvEventReader reader = new CsvEventReader(file))
            {
                assertTrue(reader.next());
                final BadInputException ex = assertThrows(BadInputException.class, reader::next, line);
                assertTrue(ex.getMessage().contains("bad.csv:2: field " + (f + 1) + " "),
                    line + ": " + ex.getMessage());
            }
        }
    }

    @Test
    void shouldEndALastLineWithoutLineEndAtTheFilesEndWhateverTheBlockHoldsAfterIt() throws Exception
    {
        // The reader's first 64 KiB block ends inside a line; the rest of the file, that line's end and the last
        // line (without an LF), is read into the start of the same array, over bytes of the first block: each
        // line's bytes but the LF are digits, so a digit follows the last line there.
        final StringBuilder text = new StringBuilder();
        final String line = "1111111111111,2222222,3333,4444444\n";
        while (text.length() < (1 << 16) + 2 * line.length())
        {
            text.append(line);
        }
        final int afterLast = (text.length() - ((1 << 16) / line.length()) * line.length()) + "12,3,4,5".length();
        assertTrue(Character.isDigit(line.charAt(afterLast % line.length())), "a digit follows the last line");
        text.append("12,3,4,5");
        final Path file = dir.resolve("last.csv");
        Files.writeString(file, text, StandardCharsets.US_ASCII);
        try (CsvEventReader reader = new CsvEventReader(file))
        {
            Event last = null;
            while (reader.next())
            {
                last = reader.current();
            }
            assertEquals(12, last.timestamp);
            assertEquals(3, last.key);
            assertEquals(4, last.amount);
            assertEquals(5, last.eventId);
        }
    }

    /** An optional sign, then 1 to 18 digits (some with leading zeros), or a long's extreme. */
    private static String randomNumber(final SplittableRandom random)
    {
        final int kind = random.nextInt(20);
        if (kind == 0)
        {
            return Long.toString(random.nextBoolean() ? Long.MAX_VALUE : Long.MIN_VALUE);
        }
        final int digits = 1 + random.nextInt(18);
        final StringBuilder number = new StringBuilder();
        final int sign = random.nextInt(4);
        number.append(sign == 0 ? "-" : sign == 1 ? "+" : "");
        for (int d = 0; d < digits; d++)
        {
            number.append((char)('0' + (d == 0 && kind > 3 ? 1 + random.nextInt(9) : random.nextInt(10))));
        }
        return number.toString();
    }
}
