package io.weir.tools.nexmark;

import io.weir.api.ThreadingMode;
import io.weir.tools.nexmark.queries.NexmarkQueries;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Every Nexmark query against the golden case {@code small} (docs/nexmark.md, section 6) on every backend with 1, 2
 * and 3 shards (1 and 2 in the threading modes other than the default): the sorted output equals {@code golden-nexmark/small/QUERY.csv} byte for byte. The events are
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
        NexmarkGoldenRows.assertEqualsSmallCase(query, out);
    }
}
