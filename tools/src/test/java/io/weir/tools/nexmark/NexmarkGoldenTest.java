package io.weir.tools.nexmark;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The Nexmark queries against the golden case {@code small} (docs/nexmark.md, section 6) on every backend with 1, 2
 * and 3 shards. The events are generated (the generator is exact, see NexmarkGeneratorTest); the expected rows are
 * in {@code golden-nexmark/small/QUERY.csv}, or, for q1's 46,000 rows, their SHA-256.
 */
class NexmarkGoldenTest
{
    /** SHA-256 of the sorted q1.csv of the golden case small. */
    private static final String Q1_SHA256 = "ea74bca9162c69a1e7efff299e4aa8e3713de139ed654eb427e8734d11af0619";

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
        for (final String query : List.of("q1", "q2", "q5", "q7", "q11"))
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

    private static List<String> sorted(final Path file) throws Exception
    {
        final List<String> lines = new ArrayList<>(Files.readAllLines(file, StandardCharsets.US_ASCII));
        lines.sort(null);
        return lines;
    }

    @ParameterizedTest(name = "{0} on {1} with {2} shards")
    @MethodSource("runs")
    @Timeout(120)
    void equalsTheGoldenResult(final String query, final String backend, final int shards) throws Exception
    {
        final Path out = dir.resolve(query + "-" + backend + "-" + shards + ".csv");
        NexmarkRunCommand.run(query, events, out, shards, backend, null, 0);
        final List<String> actual = sorted(out);
        if (query.equals("q1"))
        {
            final MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (final String line : actual)
            {
                sha.update((line + "\n").getBytes(StandardCharsets.US_ASCII));
            }
            assertEquals(Q1_SHA256, HexFormat.of().formatHex(sha.digest()), "q1: " + actual.size() + " rows");
            return;
        }
        final Path golden = Path.of(NexmarkGoldenTest.class.getResource("/golden-nexmark/small/" + query + ".csv")
            .toURI());
        assertEquals(sorted(golden), actual);
    }
}
