package io.weir.tools.nexmark;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The golden case {@code small} (docs/nexmark.md, section 6: {@code weir nexmark gen --events 50000 --seed 1
 * --event-rate 200}): a query's sorted output against {@code golden-nexmark/small/QUERY.csv}, or against the SHA-256
 * of a reference too large to keep.
 */
public final class NexmarkGoldenRows
{
    /**
     * The reference results too large to keep in the repository (one row per bid): the SHA-256 of the reference's
     * sorted file, which is what the sorted output must hash to.
     */
    private static final java.util.Map<String, String> LARGE_RESULTS_SHA256 = java.util.Map.of(
        "q0", "64bff974c70dc2b8a1fe5247982f72673d5764dc82c20812baa27b2dc952caa2",
        "q1", "ea74bca9162c69a1e7efff299e4aa8e3713de139ed654eb427e8734d11af0619");

    private NexmarkGoldenRows()
    {
    }

    /** The sorted rows of {@code out}, written by {@code query} over the small case, equal the reference's. */
    public static void assertEqualsSmallCase(final String query, final Path out) throws Exception
    {
        final String sha256 = LARGE_RESULTS_SHA256.get(query);
        if (sha256 != null)
        {
            assertEquals(sha256, sortedRowsSha256(out), query + ": SHA-256 of the sorted rows of " + out);
            return;
        }
        final Path golden = Path.of(NexmarkGoldenRows.class.getResource("/golden-nexmark/small/" + query + ".csv")
            .toURI());
        assertSameSortedRows(golden, out);
    }

    private static String sortedRowsSha256(final Path actual) throws Exception
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
    public static void assertSameSortedRows(final Path expected, final Path actual) throws Exception
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
