package io.weir.tools.jobs;

import io.weir.tools.io.BadInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

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
}
