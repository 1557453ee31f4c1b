package io.weir.tools.io;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

class CsvLineWriterTest
{
    @Test
    void shouldWriteEveryLongAsJavaDoesAcrossBufferFlushes()
    {
        final long seed = Long.getLong("weir.test.seed", System.nanoTime());
        final Random random = new Random(seed);
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final StringBuilder expected = new StringBuilder();
        final long[] edges = { 0, 1, -1, 9, 10, 99, 100, 101, 999_999_999_999_999_999L, 1_000_000_000_000_000_000L,
            Long.MAX_VALUE, Long.MIN_VALUE, Long.MIN_VALUE + 1, -10, -100, 10_000_001, 100_000_001,
            1_000_000_000_000_001L, 10_000_000_000_000_001L, 12_345_678_901_234_567L, 1_699_999_998_452L,
            -1_000_000_000_000_001L, 90_000_000_900_000_009L };
        try (CsvLineWriter writer = new CsvLineWriter(bytes, 256))
        {
            for (int line = 0; line < 20_000; line++)
            {
                final int fields = 1 + random.nextInt(5);
                for (int f = 0; f < fields; f++)
                {
                    final long value = line < edges.length && f == 0 ? edges[line] :
                        random.nextLong() >> random.nextInt(64);
                    writer.field(value);
                    expected.append(f > 0 ? "," : "").append(value);
                }
                writer.endLine();
                expected.append('\n');
            }
            for (long power = 1, n = 0; n < 19; n++, power *= 10)
            {
                writer.field(power).field(power - 1).field(-power).endLine();
                expected.append(power).append(',').append(power - 1).append(',').append(-power).append('\n');
            }
        }
        assertEquals(expected.toString(), bytes.toString(StandardCharsets.US_ASCII), "seed " + seed +
            " (-Dweir.test.seed=" + seed + " repeats it)");
    }

    @Test
    void shouldWriteColumnsThatRepeatFromLineToLineAsJavaDoesAcrossBufferFlushesAndTextFields()
    {
        final long seed = Long.getLong("weir.test.seed", System.nanoTime());
        final Random random = new Random(seed);
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final StringBuilder expected = new StringBuilder();
        final long[] column = new long[10];
        try (CsvLineWriter writer = new CsvLineWriter(bytes, 256))
        {
            for (int line = 0; line < 50_000; line++)
            {
                // Each column keeps its value for a while, then takes another of any length or sign; lines have 1 to
                // 10 fields, and some fields are text.
                final int fields = 1 + random.nextInt(column.length);
                for (int f = 0; f < fields; f++)
                {
                    if (random.nextInt(8) == 0)
                    {
                        column[f] = random.nextInt(20) == 0 ? Long.MIN_VALUE : random.nextLong() >> random.nextInt(64);
                    }
                    expected.append(f > 0 ? "," : "");
                    if (random.nextInt(50) == 0)
                    {
                        writer.field("t" + f);
                        expected.append("t").append(f);
                    }
                    else
                    {
                        writer.field(column[f]);
                        expected.append(column[f]);
                    }
                }
                writer.endLine();
                expected.append('\n');
            }
        }
        assertEquals(expected.toString(), bytes.toString(StandardCharsets.US_ASCII), "seed " + seed +
            " (-Dweir.test.seed=" + seed + " repeats it)");
    }

    @Test
    void shouldWriteTheLongestLongsAtEveryPositionUpToTheBuffersEnd()
    {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final StringBuilder expected = new StringBuilder();
        try (CsvLineWriter writer = new CsvLineWriter(bytes, 256))
        {
            // Lines of 1 to 40 one-digit fields shift the longs after them through every offset of the buffer.
            for (int pad = 1; pad <= 40; pad++)
            {
                for (int i = 0; i < pad; i++)
                {
                    writer.field(i % 10);
                    expected.append(i > 0 ? "," : "").append(i % 10);
                }
                writer.field(Long.MIN_VALUE + 1).field(Long.MAX_VALUE).field(-99_999_999L).endLine();
                expected.append(',').append(Long.MIN_VALUE + 1).append(',').append(Long.MAX_VALUE)
                    .append(',').append(-99_999_999L).append('\n');
            }
        }
        assertEquals(expected.toString(), bytes.toString(StandardCharsets.US_ASCII));
    }
}
