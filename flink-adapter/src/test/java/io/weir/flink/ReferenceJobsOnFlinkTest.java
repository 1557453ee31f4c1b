package io.weir.flink;

import io.weir.tools.jobs.ReferenceJobs;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The five reference jobs, the same graphs Weir runs ({@link ReferenceJobs#dataflow}), on a Flink mini-cluster at
 * parallelism 1 and 2 on the heap and RocksDB backends: outputs and late files identical to the golden files.
 */
class ReferenceJobsOnFlinkTest
{
    private static final List<String> CASES = List.of("edge", "basic", "sparse");

    @TempDir
    Path dir;

    static Stream<Arguments> runs()
    {
        final List<Arguments> runs = new ArrayList<>();
        for (final String backend : FlinkRunner.BACKENDS)
        {
            for (final int parallelism : new int[]{1, 2})
            {
                for (final String goldenCase : CASES)
                {
                    for (final String job : ReferenceJobs.NAMES)
                    {
                        runs.add(Arguments.of(backend, parallelism, goldenCase, job));
                    }
                }
            }
        }
        return runs.stream();
    }

    @ParameterizedTest(name = "{0} parallelism={1} {2}/{3}")
    @MethodSource("runs")
    @Timeout(180)
    void shouldReproduceTheGoldenFiles(
        final String backend, final int parallelism, final String goldenCase, final String job) throws Exception
    {
        final Path golden = Outputs.GOLDEN.resolve(goldenCase);
        final Path out = dir.resolve(job + ".csv");
        final long outOfOrderness = switch (goldenCase)
        {
            case "edge" -> 1000;
            case "basic" -> 5000;
            default -> 2000;
        };
        try (FlinkJob flinkJob = new FlinkRunner().sharedMiniCluster().parallelism(parallelism).stateBackend(backend)
            .build(ReferenceJobs.dataflow(job, golden.resolve("input.csv"), out, outOfOrderness, 0, m -> {})))
        {
            flinkJob.start().awaitTermination();
        }
        final String what = job + " on " + goldenCase + " (" + backend + ", parallelism " + parallelism + ")";
        Outputs.assertSameRows(Outputs.numericallySorted(golden.resolve(job + ".csv")), Outputs.numericallySorted(out),
            what);
        if (ReferenceJobs.hasLateOutput(job))
        {
            Outputs.assertSameRows(Outputs.numericallySorted(golden.resolve(job + ".late.csv")),
                Outputs.numericallySorted(ReferenceJobs.latePath(out)), what + ", late events");
        }
        else
        {
            assertTrue(Files.notExists(ReferenceJobs.latePath(out)), "no late file for " + job);
        }
    }
}
