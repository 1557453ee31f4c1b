package io.weir.flink;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.fail;

/** The golden files of the tools module, and comparing outputs with them. */
final class Outputs
{
    /** The reference jobs' golden cases (docs/reference-jobs.md), Flink-produced. */
    static final Path GOLDEN = Path.of("../tools/src/test/resources/golden");
    /** The Nexmark golden case {@code small} (docs/nexmark.md, section 6). */
    static final Path GOLDEN_NEXMARK = Path.of("../tools/src/test/resources/golden-nexmark/small");

    private Outputs()
    {
    }

    /** Rows sorted numerically column by column, as the golden files of the reference jobs are. */
    static List<String> numericallySorted(final Path file) throws IOException
    {
        final List<long[]> rows = new ArrayList<>();
        for (final String line : Files.readAllLines(file, StandardCharsets.US_ASCII))
        {
            if (!line.isEmpty())
            {
                rows.add(Arrays.stream(line.split(",")).mapToLong(Long::parseLong).toArray());
            }
        }
        rows.sort(Arrays::compare);
        final List<String> sorted = new ArrayList<>(rows.size());
        for (final long[] row : rows)
        {
            final StringBuilder sb = new StringBuilder();
            for (int i = 0; i < row.length; i++)
            {
                sb.append(i == 0 ? "" : ",").append(row[i]);
            }
            sorted.add(sb.toString());
        }
        return sorted;
    }

    /** Rows in String order, as {@code LC_ALL=C sort}: how the Nexmark golden files are sorted. */
    static List<String> textSorted(final Path file) throws IOException
    {
        final List<String> rows = new ArrayList<>(Files.readAllLines(file, StandardCharsets.US_ASCII));
        rows.sort(null);
        return rows;
    }

    static void assertSameRows(final List<String> expected, final List<String> actual, final String what)
    {
        if (expected.equals(actual))
        {
            return;
        }
        for (int i = 0; i < Math.max(expected.size(), actual.size()); i++)
        {
            final String e = i < expected.size() ? expected.get(i) : "(none)";
            final String a = i < actual.size() ? actual.get(i) : "(none)";
            if (!e.equals(a))
            {
                fail(what + ": " + actual.size() + " rows, expected " + expected.size() + "; first difference at " +
                    "sorted row " + (i + 1) + ": expected '" + e + "' but was '" + a + "'");
            }
        }
    }
}
