package io.weir.tools.nexmark;

import io.weir.api.ThreadingMode;
import io.weir.tools.nexmark.queries.NexmarkQueries;
import org.junit.jupiter.api.BeforeAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
 * and 3 shards (1 and 2 in the threading modes other than the default): the sorted output equals {@code golden-nexmark/small/QUERY.csv} byte for byte. The events are
 * generated once for all runs (the generator is exact, see NexmarkGeneratorTest); the queries run in-process.
 */
class NexmarkGoldenTest
{
    /**
     * The reference results too large to keep in the repository (one row per bid): the SHA-256 of the reference's
     * sorted file, which is what the sorted output must hash to.
     */
    private static final java.util.Map<String, String> LARGE_RESULTS_SHA256 = java.util.Map.of(
        "q0", "64bff974c70dc2b8a1fe5247982f72673d5764dc82c20812baa27b2dc952caa2",
        "q1", "ea74bca9162c69a1e7efff299e4aa8e3713de139ed654eb427e8734d11af0619");

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
                    for (final ThreadingMode threading : ThreadingMode.values())
                    {
                        if (threading == ThreadingMode.DEDICATED || shards <= 2)
                        {
                            runs.add(Arguments.of(query, backend, shards, threading));
                        }
                    }
                }
            }
        }
        return runs.stream();
    }

    @ParameterizedTest(name = "{0} on {1} with {2} shards, {3}")
    @MethodSource("runs")
    @Timeout(120)
    void equalsTheGoldenResult(final String query, final String backend, final int shards,
        final ThreadingMode threading) throws Exception
    {
        final Path out = dir.resolve(query + "-" + backend + "-" + shards + "-" + threading + ".csv");
        NexmarkRunCommand.run(NexmarkQueries.named(query), events, out, shards, backend, null, 0, 0, threading);
        final String sha256 = LARGE_RESULTS_SHA256.get(query);
        if (sha256 != null)
        {
            assertEquals(sha256, sortedRowsSha256(out), query + ": SHA-256 of the sorted rows");
            return;
        }
        final Path golden = Path.of(NexmarkGoldenTest.class.getResource("/golden-nexmark/small/" + query + ".csv")
            .toURI());
        assertSameSortedRows(golden, out);
    }

    static String sortedRowsSha256(final Path actual) throws Exception
    {
        final List<String> rows = new ArrayList<>(Files.readAllLines(actual, StandardCharsets.US_ASCII));
        rows.sort(null);
        final java.security.MessageDigest digest = java.security.MessageDigest.getInstance("SHA-256");
        for (final String row : rows)
        {
            digest.update((row + '\n').getBytes(StandardCharsets.US_ASCII));
        }
        return java.util.HexFormat.of().formatHex(digest.digest());
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
