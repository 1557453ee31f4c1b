package io.weir.flink;

import io.weir.api.dataflow.Dataflow;
import io.weir.tools.io.CsvFileSink;
import io.weir.tools.nexmark.NexmarkEventReader;
import io.weir.tools.nexmark.NexmarkGenCommand;
import io.weir.tools.nexmark.NexmarkGenerator;
import io.weir.tools.nexmark.queries.NexmarkQueries;
import io.weir.tools.nexmark.queries.NexmarkQuery;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every Nexmark query, the graphs Weir runs, on a Flink mini-cluster at parallelism 1 and 2 on the heap and
 * RocksDB backends, over the golden case {@code small} (50,000 events, seed 1, 200 events/s, generated as
 * NexmarkGoldenTest does): sorted rows identical to the golden files (q0 and q1 by the SHA-256 of their sorted rows).
 */
class NexmarkOnFlinkTest
{
    private static final Map<String, String> LARGE_RESULTS_SHA256 = Map.of(
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
            for (final String backend : FlinkRunner.BACKENDS)
            {
                for (final int parallelism : new int[]{1, 2})
                {
                    runs.add(Arguments.of(query, backend, parallelism));
                }
            }
        }
        return runs.stream();
    }

    @ParameterizedTest(name = "{0} on {1} at parallelism {2}")
    @MethodSource("runs")
    @Timeout(180)
    void equalsTheGoldenResult(final String name, final String backend, final int parallelism) throws Exception
    {
        final NexmarkQuery<?> query = NexmarkQueries.named(name);
        final Path out = dir.resolve(name + "-" + backend + "-" + parallelism + ".csv");
        run(query, out, backend, parallelism);
        final List<String> rows = Outputs.textSorted(out);
        final String sha256 = LARGE_RESULTS_SHA256.get(name);
        if (sha256 != null)
        {
            final MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (final String row : rows)
            {
                digest.update((row + '\n').getBytes(StandardCharsets.US_ASCII));
            }
            assertEquals(sha256, HexFormat.of().formatHex(digest.digest()), name + ": SHA-256 of the sorted rows");
            return;
        }
        Outputs.assertSameRows(Outputs.textSorted(Outputs.GOLDEN_NEXMARK.resolve(name + ".csv")), rows,
            name + " (" + backend + ", parallelism " + parallelism + ")");
    }

    private static <R> void run(final NexmarkQuery<R> query, final Path out, final String backend,
        final int parallelism) throws Exception
    {
        final Dataflow flow = Dataflow.named("nexmark-" + query.name());
        query.apply(NexmarkQueries.events(flow, new NexmarkEventReader(events)))
            .sinkTo(new CsvFileSink<>(out, query)).name("rows");
        try (FlinkJob job = new FlinkRunner().sharedMiniCluster().parallelism(parallelism).stateBackend(backend).build(flow))
        {
            job.start().awaitTermination();
        }
    }
}
