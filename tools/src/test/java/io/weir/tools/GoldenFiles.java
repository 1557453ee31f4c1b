package io.weir.tools;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The Flink-produced golden cases under ../shared/golden, and the row order they are compared in. */
final class GoldenFiles
{
    static final List<String> CASES = List.of("edge", "basic", "sparse");

    private GoldenFiles()
    {
    }

    static Path root()
    {
        final String override = System.getProperty("weir.golden.dir");
        if (override != null)
        {
            return Path.of(override);
        }
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null)
        {
            final Path candidate = dir.resolveSibling("shared").resolve("golden");
            if (Files.isDirectory(candidate))
            {
                return candidate;
            }
            dir = dir.getParent();
        }
        throw new IllegalStateException("cannot find ../shared/golden above " + Path.of("").toAbsolutePath() +
            "; set -Dweir.golden.dir");
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
}
