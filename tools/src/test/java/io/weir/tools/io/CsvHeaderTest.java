package io.weir.tools.io;

import io.weir.tools.jobs.CsvEventReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A header line is skipped once, with a notice; a non-numeric line anywhere else is still an error. */
class CsvHeaderTest
{
    @TempDir
    Path dir;

    @Test
    void shouldSkipAHeaderLineAndSaySoOnce() throws Exception
    {
        final Path file = dir.resolve("in.csv");
        Files.writeString(file, "ts_millis,key,amount,event_id\r\n1,2,3,4\n-5,6,7,8\n");
        final List<String> notices = new ArrayList<>();
        final List<Long> timestamps = new ArrayList<>();
        try (CsvEventReader reader = new CsvEventReader(file, notices::add))
        {
            while (reader.next())
            {
                timestamps.add(reader.current().timestamp());
            }
            assertEquals(Files.size(file), reader.position());
        }
        assertEquals(List.of(1L, -5L), timestamps);
        assertEquals(List.of(file + ":1: skipped a header line 'ts_millis,key,amount,event_id'"), notices);
    }

    @Test
    void shouldStillRejectANonNumericLineAfterTheFirst() throws Exception
    {
        final Path file = dir.resolve("in.csv");
        Files.writeString(file, "1,2,3,4\nts,key,amount,id\n");
        final List<String> notices = new ArrayList<>();
        try (CsvEventReader reader = new CsvEventReader(file, notices::add))
        {
            assertTrue(reader.next());
            final BadInputException ex = assertThrows(BadInputException.class, reader::next);
            assertTrue(ex.getMessage().startsWith(file + ":2: field 1 is not a decimal integer"), ex.getMessage());
        }
        assertEquals(List.of(), notices);
    }
}
