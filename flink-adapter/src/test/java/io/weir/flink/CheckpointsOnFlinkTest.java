package io.weir.flink;

import io.weir.tools.jobs.ReferenceJobs;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;

/**
 * Flink checkpoints every 100 ms of a job with Weir state (codecs as Flink serializers and their snapshots, timers,
 * the source's split positions), read at 10,000 events/s for about 2 s, on both backends: the checkpoints do not
 * disturb the job, which ends with the golden output. (Restoring a Flink checkpoint is not covered here.)
 */
class CheckpointsOnFlinkTest
{
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"hashmap", "rocksdb"})
    @Timeout(120)
    void shouldCheckpointWhileRunning(final String backend) throws Exception
    {
        final Path golden = Outputs.GOLDEN.resolve("basic");
        final Path out = dir.resolve("session.csv");
        final Path checkpoints = dir.resolve("checkpoints");
        try (FlinkJob job = new FlinkRunner().parallelism(2).stateBackend(backend).checkpoints(checkpoints, 100)
            .build(ReferenceJobs.dataflow("session", golden.resolve("input.csv"), out, 5000, 10_000, m -> {})))
        {
            job.start().awaitTermination();
        }
        Outputs.assertSameRows(Outputs.numericallySorted(golden.resolve("session.csv")),
            Outputs.numericallySorted(out), "session with checkpoints on " + backend);
        Outputs.assertSameRows(Outputs.numericallySorted(golden.resolve("session.late.csv")),
            Outputs.numericallySorted(ReferenceJobs.latePath(out)), "session late events with checkpoints");
    }
}
