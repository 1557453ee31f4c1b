package io.weir.tools;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The Flink-produced golden cases of docs/reference-jobs.md (tools/src/test/resources/golden), and the row order
 * they are compared in.
 */
final class GoldenFiles
{
    static final List<String> CASES = List.of("edge", "basic", "sparse");

    private GoldenFiles()
    {
    }

    /**
     * The golden cases: Flink 2.3's output for each input, read-only fixtures kept in this module's
     * test resources, so that a clean clone tests without anything beside it.
     */
    static Path root()
    {
        final String override = System.getProperty("weir.golden.dir");
        if (override != null)
        {
            return Path.of(override);
        }
        final java.net.URL marker = GoldenFiles.class.getResource("/golden/edge/input.csv");
        if (marker == null)
        {
            throw new IllegalStateException("golden files missing from the test classpath (tools/src/test/resources/" +
                "golden); set -Dweir.golden.dir");
        }
        try
        {
            return Path.of(marker.toURI()).getParent().getParent();
        }
        catch (final java.net.URISyntaxException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    static long outOfOrdernessMs(final String goldenCase)
    {
        switch (goldenCase)
        {
            case "edge":
                return 1000;
            case "basic":
                return 5000;
            case "sparse":
                return 2000;
            default:
                throw new IllegalArgumentException(goldenCase);
        }
    }

    /** Rows sorted numerically column by column, as {@code sort -t, -k1,1n -k2,2n ...}. */
    static List<String> sortedRows(final Path file)
    {
        try
        {
            final List<long[]> rows = new ArrayList<>();
            for (final String line : Files.readAllLines(file))
            {
                if (!line.isEmpty())
                {
                    rows.add(Arrays.stream(line.split(",")).mapToLong(Long::parseLong).toArray());
                }
            }
            rows.sort(Arrays::compare);
            final List<String> result = new ArrayList<>(rows.size());
            for (final long[] row : rows)
            {
                final StringBuilder sb = new StringBuilder();
                for (int i = 0; i < row.length; i++)
                {
                    sb.append(i == 0 ? "" : ",").append(row[i]);
                }
                result.add(sb.toString());
            }
            return result;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /** Assert equal row multisets, reporting counts and the first differences instead of both files. */
    static void assertSameRows(final Path expectedFile, final Path actualFile, final String context)
    {
        final List<String> expected = sortedRows(expectedFile);
        final List<String> actual = Files.exists(actualFile) ? sortedRows(actualFile) : List.of();
        if (expected.equals(actual))
        {
            return;
        }
        final java.util.Map<String, Integer> counts = new java.util.TreeMap<>();
        expected.forEach(r -> counts.merge(r, 1, Integer::sum));
        actual.forEach(r -> counts.merge(r, -1, Integer::sum));
        final StringBuilder sb = new StringBuilder(context).append(": ").append(actualFile).append(" has ")
            .append(actual.size()).append(" rows, ").append(expectedFile).append(" has ").append(expected.size())
            .append("; first differences (+missing, -extra):");
        int shown = 0;
        for (final java.util.Map.Entry<String, Integer> entry : counts.entrySet())
        {
            if (entry.getValue() != 0 && shown++ < 10)
            {
                sb.append("\n  ").append(entry.getValue() > 0 ? "+" : "-").append(Math.abs(entry.getValue()))
                    .append(" ").append(entry.getKey());
            }
        }
        throw new AssertionError(sb.toString());
    }
}
