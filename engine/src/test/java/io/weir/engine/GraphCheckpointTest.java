package io.weir.engine;

import io.weir.api.codec.LongCodec;
import io.weir.api.dataflow.DataStream;
import io.weir.api.dataflow.Dataflow;
import io.weir.api.eventtime.WatermarkStrategy;
import io.weir.api.functions.Collector;
import io.weir.engine.checkpoint.CheckpointSettings;
import io.weir.engine.checkpoint.CheckpointStats;
import io.weir.snapshot.CheckpointManifest;
import io.weir.state.heap.HeapStateBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Checkpoints across a graph of two keyed operators: barriers aligned per operator instance, state and timer
 * files per operator uid, restore per operator at another shard count, added and removed operators.
 */
@Timeout(120)
class GraphCheckpointTest
{
    private static final int EVENTS = 8_000;

    @TempDir
    Path dir;

    private DataflowJobTest.ListSink<Long> sums = new DataflowJobTest.ListSink<>();

    /** count (per v % 100) then, re-keyed by count % 7, the sum of twice the counts, emitted at end of input. */
    private WeirJob<Object, Object> twoStages(final int shards, final CheckpointSettings settings, final boolean withSum)
    {
        return twoStages(shards, settings, withSum, false);
    }

    private WeirJob<Object, Object> twoStages(
        final int shards, final CheckpointSettings settings, final boolean withSum, final boolean hotKeyCache)
    {
        final Dataflow flow = Dataflow.named("graph");
        final DataStream<Long> counted = flow.source("numbers", LongCodec.INSTANCE)
            .timestamps(v -> v, WatermarkStrategy.noWatermarks())
            .filter(v -> v % 5 != 0)
            .keyBy(v -> v % 100)
            .process(DataflowJobTest.RunningCount::new).uid("count");
        final DataStream<Long> doubled = counted
            .map(v -> v % 1_000_000)
            .flatMap((Long v, Collector<Long> out) ->
            {
                out.collect(v);
                out.collect(v);
            })
            .returns(LongCodec.INSTANCE);
        if (withSum)
        {
            doubled.keyBy(v -> v % 7).process(DataflowJobTest.SumAtEnd::new).uid("sum").sinkTo(sums);
        }
        else
        {
            doubled.sinkTo(sums);
        }
        return new WeirContext().shards(shards).stateBackend(new HeapStateBackend()).checkpoints(settings)
            .hotKeyCache(hotKeyCache).build(flow);
    }

    private static void offer(final WeirJob<Object, Object> job, final long from, final long to)
    {
        final Producer<Long> producer = job.producer("numbers", 0);
        for (long v = from; v < to; v++)
        {
            assertTrue(producer.offer(v, TimeUnit.SECONDS.toNanos(10)), "offer " + v);
        }
    }

    private static CheckpointStats checkpoint(final WeirJob<Object, Object> job) throws Exception
    {
        final CompletableFuture<CheckpointStats> future = job.triggerCheckpoint();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!future.isDone() && System.nanoTime() < deadline)
        {
            job.producer("numbers", 0).tryInjectRequestedBarrier();
            Thread.sleep(1);
        }
        return future.get(1, TimeUnit.SECONDS);
    }

    private static List<Long> expectedSums(final long events)
    {
        final Map<Long, Long> expected = new TreeMap<>();
        final long[] counts = new long[100];
        for (long v = 0; v < events; v++)
        {
            if (v % 5 != 0)
            {
                final long count = ++counts[(int)(v % 100)];
                expected.merge(count % 7, 2 * count, Long::sum);
            }
        }
        final List<Long> rows = new ArrayList<>();
        expected.forEach((key, sum) -> rows.add(key * 1_000_000_000_000L + sum));
        return rows;
    }

    @ParameterizedTest
    @EnumSource(CheckpointSettings.StateWriter.class)
    void bothOperatorsRestoreAtAnotherShardCount(final CheckpointSettings.StateWriter writer) throws Exception
    {
        restoreAtAnotherShardCount(CheckpointSettings.every(dir, 0).stateWriter(writer), false);
    }

    /** The count's 80 keys stay in the hot-key caches: the snapshot points must write them back. */
    @ParameterizedTest
    @EnumSource(CheckpointSettings.StateWriter.class)
    void bothOperatorsRestoreAtAnotherShardCountWithHotKeyCaches(final CheckpointSettings.StateWriter writer)
        throws Exception
    {
        restoreAtAnotherShardCount(CheckpointSettings.every(dir, 0).stateWriter(writer), true);
    }

    private void restoreAtAnotherShardCount(final CheckpointSettings settings, final boolean hotKeyCache)
        throws Exception
    {
        final WeirJob<Object, Object> first = twoStages(2, settings, true, hotKeyCache);
        first.start();
        offer(first, 0, 3_000);
        final CheckpointStats full = checkpoint(first);
        offer(first, 3_000, 5_000);
        final CheckpointStats delta = checkpoint(first);
        assertTrue(full.full() && !delta.full(), full + " then " + delta);
        first.close(WeirJob.CloseMode.DISCARD);
        assertEquals(List.of(), sums.sorted(), "the sums are emitted at the end of input only");

        final WeirJob<Object, Object> second = twoStages(3, settings, true, hotKeyCache);
        final CheckpointManifest manifest = second.restoredFrom().orElseThrow();
        assertEquals(delta.checkpointId(), manifest.checkpointId());
        assertEquals(List.of("count", "sum"), manifest.operators());
        assertEquals(4, manifest.shards().size(), "2 operators x 2 shards");
        for (final CheckpointManifest.ShardState shard : manifest.shards())
        {
            assertTrue(shard.files().get(0).name().startsWith(shard.operator() + "-shard-" + shard.shardId() + "-"),
                shard.toString());
        }
        assertEquals(5_000, manifest.sources().get(0).position());
        second.start();
        offer(second, 5_000, EVENTS);
        second.close();
        assertEquals(expectedSums(EVENTS), sums.sorted(),
            "records in flight between the operators at the barrier are in the second operator's snapshot");
    }

    @Test
    void aRemovedOperatorIsRefusedUnlessNonRestoredStateIsAllowed() throws Exception
    {
        final CheckpointSettings settings = CheckpointSettings.every(dir, 0);
        final WeirJob<Object, Object> first = twoStages(2, settings, true);
        first.start();
        offer(first, 0, 1_000);
        checkpoint(first);
        first.close(WeirJob.CloseMode.DISCARD);

        final IllegalArgumentException refused =
            assertThrows(IllegalArgumentException.class, () -> twoStages(2, settings, false));
        assertTrue(refused.getMessage().contains("operator 'sum'") &&
            refused.getMessage().contains("--allow-non-restored-state"), refused.getMessage());

        final WeirJob<Object, Object> without = twoStages(2, settings.allowNonRestoredState(true), false);
        without.start();
        offer(without, 1_000, 1_100);
        without.close();
        // the counts of the restored operator went on from the checkpoint: key 1 had 10 elements in [0, 1000)
        assertTrue(sums.elements.contains(11L), "count of key 1 continues at 11");
    }

    @Test
    void anAddedOperatorStartsEmpty() throws Exception
    {
        final CheckpointSettings settings = CheckpointSettings.every(dir, 0);
        final WeirJob<Object, Object> first = twoStages(2, settings, false);
        first.start();
        offer(first, 0, 1_000);
        checkpoint(first);
        first.close(WeirJob.CloseMode.DISCARD);
        sums = new DataflowJobTest.ListSink<>();

        final WeirJob<Object, Object> second = twoStages(2, settings, true);
        assertEquals(List.of("count"), second.restoredFrom().orElseThrow().operators());
        second.start();
        offer(second, 1_000, 2_000);
        second.close();
        // sum saw only the counts of [1000, 2000): 11..20 per key of v % 100 (80 keys pass the filter)
        long total = 0;
        for (final long row : sums.elements)
        {
            total += row % 1_000_000_000_000L;
        }
        assertEquals(80L * 2 * (11 + 20) * 10 / 2, total);
    }
}
