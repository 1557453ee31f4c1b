package io.weir.tools;

import io.weir.api.ThreadingMode;
import io.weir.engine.WeirContext;
import io.weir.engine.WeirJob;
import io.weir.tools.common.Backends;
import io.weir.tools.jobs.Event;
import io.weir.tools.jobs.ReferenceJobs;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every golden case, every job, every backend, 1, 2 and 4 shards with a thread per shard, and 1 and 2 shards with
 * the other threading modes (one thread for all shards; the test's thread running them): output equals Flink's,
 * row for row.
 */
class GoldenFilesTest
{
    @TempDir
    Path tempDir;

    static Stream<Arguments> runs()
    {
        final List<Arguments> runs = new ArrayList<>();
        for (final String backend : Backends.NAMES)
        {
            for (final int shards : new int[]{1, 2, 4})
            {
                for (final ThreadingMode threading : ThreadingMode.values())
                {
                    if (threading != ThreadingMode.DEDICATED && shards > 2)
                    {
                        continue;
                    }
                    for (final String goldenCase : GoldenFiles.CASES)
                    {
                        for (final String job : ReferenceJobs.NAMES)
                        {
                            runs.add(Arguments.of(backend, shards, threading, goldenCase, job));
                        }
                    }
                }
            }
        }
        return runs.stream();
    }

    @ParameterizedTest(name = "{0} shards={1} {2} {3}/{4}")
    @MethodSource("runs")
    @Timeout(120)
    void shouldReproduceFlinksOutput(
        final String backend, final int shards, final ThreadingMode threading, final String goldenCase,
        final String job) throws Exception
    {
        final Path golden = GoldenFiles.root().resolve(goldenCase);
        final Path out = tempDir.resolve(job + ".csv");
        final WeirContext context = new WeirContext()
            .shards(shards)
            .threading(threading)
            .expectedEntriesPerShard(64 * 1024)
            .stateBackend(Backends.create(backend, tempDir.resolve("state"), false))
            .shardIdleStrategy(() -> new SleepingMillisIdleStrategy(1))
            .sourceIdleStrategy(() -> new SleepingMillisIdleStrategy(1));
        try (WeirJob<?, ?> weirJob = ReferenceJobs.build(
            job, golden.resolve("input.csv"), out, GoldenFiles.outOfOrdernessMs(goldenCase), context))
        {
            weirJob.start();
            weirJob.awaitTermination();
        }
        final String what = backend + " shards=" + shards + " " + threading + " " + goldenCase + "/" + job;
        GoldenFiles.assertSameRows(golden.resolve(job + ".csv"), out, what);
        final Path goldenLate = golden.resolve(job + ".late.csv");
        if (Files.exists(goldenLate))
        {
            GoldenFiles.assertSameRows(goldenLate, ReferenceJobs.latePath(out), what);
        }
        else
        {
            assertTrue(Files.notExists(ReferenceJobs.latePath(out)), "no late file for " + job);
        }
    }
}
