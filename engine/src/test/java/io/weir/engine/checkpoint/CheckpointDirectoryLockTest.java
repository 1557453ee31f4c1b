package io.weir.engine.checkpoint;

import io.weir.api.KeyedProcessFunction;
import io.weir.api.eventtime.WatermarkStrategy;
import io.weir.api.functions.Collector;
import io.weir.engine.HandlerSink;
import io.weir.engine.JobBuilder;
import io.weir.engine.WeirContext;
import io.weir.engine.WeirJob;
import io.weir.snapshot.DirectoryLock;
import io.weir.snapshot.DirectoryLockedException;
import io.weir.state.heap.HeapStateBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** An embedded job holds its checkpoint directory from build to close, also against jobs of the same JVM. */
@Timeout(60)
class CheckpointDirectoryLockTest
{
    @TempDir
    Path dir;

    private static final class Echo extends KeyedProcessFunction<Long, CheckpointRestoreTest.Item, String>
    {
        public void processElement(
            final CheckpointRestoreTest.Item value, final Context ctx, final Collector<String> out)
        {
            out.collect(Long.toString(value.key));
        }
    }

    private WeirJob<CheckpointRestoreTest.Item, String> job(final String name, final int maxParallelism)
    {
        return JobBuilder.named(name, CheckpointRestoreTest.ItemCodec.INSTANCE)
            .timestamps(i -> i.timestamp, WatermarkStrategy.noWatermarks())
            .keyBy(i -> i.key)
            .process(Echo::new)
            .sink(new HandlerSink<>((shard, value) -> {}))
            .build(new WeirContext()
                .shards(1)
                .maxParallelism(maxParallelism)
                .stateBackend(new HeapStateBackend())
                .externalProducers(1)
                .checkpoints(CheckpointSettings.every(dir.resolve("ck"), 0))
                .log(message -> {}));
    }

    /** An idle application producer injects a requested barrier when asked to. */
    private static void checkpoint(final WeirJob<CheckpointRestoreTest.Item, String> job) throws Exception
    {
        final CompletableFuture<CheckpointStats> future = job.triggerCheckpoint();
        while (!future.isDone())
        {
            job.producer(0).tryInjectRequestedBarrier();
            Thread.sleep(1);
        }
        future.get();
    }

    @Test
    void shouldRefuseASecondJobOfTheSameJvmUntilTheFirstIsClosed() throws Exception
    {
        final Path checkpoints = dir.resolve("ck");
        try (WeirJob<CheckpointRestoreTest.Item, String> first = job("first", 128))
        {
            first.start();
            final CheckpointRestoreTest.Item item = new CheckpointRestoreTest.Item();
            item.key = 7;
            item.timestamp = 1;
            assertTrue(first.producer(0).offer(item, TimeUnit.SECONDS.toNanos(10)));
            checkpoint(first);
            final long files = Files.walk(checkpoints).count();

            final DirectoryLockedException refused = assertThrows(DirectoryLockedException.class,
                () -> job("second", 128));
            assertTrue(refused.getMessage().startsWith("checkpoint directory " + checkpoints +
                " is in use by job 'first' (pid " + ProcessHandle.current().pid()), refused.getMessage());
            assertEquals(files, Files.walk(checkpoints).count(), "the refused job deleted nothing");
        }
        job("third", 128).close();
    }

    @Test
    void shouldLetGoOfTheDirectoryWhenBuildingTheJobFails() throws Exception
    {
        try (WeirJob<CheckpointRestoreTest.Item, String> first = job("first", 128))
        {
            first.start();
            checkpoint(first);
            first.close(WeirJob.CloseMode.DISCARD);
        }
        final IllegalArgumentException mismatch = assertThrows(IllegalArgumentException.class,
            () -> job("first", 64));
        assertTrue(mismatch.getMessage().contains("maxParallelism"), mismatch.getMessage());
        try (WeirJob<CheckpointRestoreTest.Item, String> third = job("first", 128))
        {
            assertTrue(third.restoredFrom().isPresent());
        }
        DirectoryLock.acquire(dir.resolve("ck"), "checkpoint directory", "test").close();
    }
}
