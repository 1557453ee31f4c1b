package io.weir.tools.nexmark;

import io.weir.tools.nexmark.queries.NexmarkQueries;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every Nexmark query against the golden case {@code small} (docs/nexmark.md, section 6) on every backend with 1, 2
 * and 3 shards: the sorted output equals {@code golden-nexmark/small/QUERY.csv} byte for byte. The events are
 * generated once for all runs (the generator is exact, see NexmarkGeneratorTest); the queries run in-process.
 */
class NexmarkGoldenTest
{
    @TempDir
    static Path dir;
    private static Path events;

    @BeforeAll
    static void generate()
    {
        events = dir.resolve("events.csv");
        NexmarkGenCommand.write(new NexmarkGenerator(1, 200), 50_000, events);
    }

    static Stream<Arguments> runs()
    {
        final List<Arguments> runs = new ArrayList<>();
        for (final String query : NexmarkQueries.NAMES)
        {
            for (final String backend : List.of("chronicle", "lmdb", "heap"))
            {
                for (int shards = 1; shards <= 3; shards++)
                {
                    runs.add(Arguments.of(query, backend, shards));
                }
            }
        }
        return runs.stream();
    }

    @ParameterizedTest(name = "{0} on {1} with {2} shards")
    @MethodSource("runs")
    @Timeout(120)
    void equalsTheGoldenResult(final String query, final String backend, final int shards) throws Exception
    {
        final Path out = dir.resolve(query + "-" + backend + "-" + shards + ".csv");
        NexmarkRunCommand.run(NexmarkQueries.named(query), events, out, shards, backend, null, 0, 0);
        final Path golden = Path.of(NexmarkGoldenTest.class.getResource("/golden-nexmark/small/" + query + ".csv")
            .toURI());
        assertSameSortedRows(golden, out);
    }

    /** {@code LC_ALL=C sort actual | cmp expected -}, with the first difference in the message. */
    static void assertSameSortedRows(final Path expected, final Path actual) throws Exception
    {
        final List<String> rows = new ArrayList<>(Files.readAllLines(actual, StandardCharsets.US_ASCII));
        rows.sort(null);
        final StringBuilder sorted = new StringBuilder();
        for (final String row : rows)
        {
            sorted.append(row).append('\n');
        }
        final String want = Files.readString(expected, StandardCharsets.US_ASCII);
        if (want.contentEquals(sorted))
        {
            return;
        }
        final List<String> wanted = want.lines().toList();
        for (int i = 0; i < Math.max(wanted.size(), rows.size()); i++)
        {
            final String w = i < wanted.size() ? wanted.get(i) : "(none)";
            final String a = i < rows.size() ? rows.get(i) : "(none)";
            if (!w.equals(a))
            {
                fail(actual + ": " + rows.size() + " rows, expected " + wanted.size() + " (" + expected +
                    "); first difference at sorted row " + (i + 1) + ": expected '" + w + "' but was '" + a + "'");
            }
        }
        fail(actual + " differs from " + expected + " in its line ends");
    }
}
