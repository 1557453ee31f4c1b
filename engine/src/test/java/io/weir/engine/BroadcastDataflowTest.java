package io.weir.engine;

import io.weir.api.KeyedBroadcastProcessFunction;
import io.weir.api.KeyedProcessFunction;
import io.weir.api.RuntimeContext;
import io.weir.api.codec.LongCodec;
import io.weir.api.codec.StringCodec;
import io.weir.api.connector.SinkFactory;
import io.weir.api.connector.SinkWriter;
import io.weir.api.dataflow.BroadcastStream;
import io.weir.api.dataflow.DataStream;
import io.weir.api.dataflow.Dataflow;
import io.weir.api.dataflow.Job;
import io.weir.api.dataflow.SourceProducer;
import io.weir.api.eventtime.WatermarkStrategy;
import io.weir.api.functions.Collector;
import io.weir.api.state.MapStateDescriptor;
import io.weir.engine.checkpoint.CheckpointSettings;
import io.weir.engine.checkpoint.CheckpointStats;
import io.weir.snapshot.CheckpointDirectory;
import io.weir.snapshot.CheckpointManifest;
import io.weir.state.heap.HeapStateBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Keyed broadcast operators in running jobs: every instance gets every broadcast element in the same order, and
 * the broadcast state is checkpointed once and restored to every instance at another shard count.
 */
@Timeout(120)
class BroadcastDataflowTest
{
    static final MapStateDescriptor<String, Long> RULES =
        new MapStateDescriptor<>("rules", StringCodec.INSTANCE, LongCodec.INSTANCE);

    @TempDir
    Path dir;

    /** Per writer (shard), what it received, in order. */
    static final class ShardSink<T> implements SinkFactory<T>
    {
        final Map<Integer, List<T>> byShard = new ConcurrentHashMap<>();

        public SinkWriter<T> createWriter(final int shardId, final int shards)
        {
            final List<T> received = byShard.computeIfAbsent(shardId, s -> new CopyOnWriteArrayList<>());
            return new SinkWriter<>()
            {
                public void collect(final T value)
                {
                    received.add(value);
                }

                public void close()
                {
                }
            };
        }

        List<T> all()
        {
            final List<T> all = new ArrayList<>();
            byShard.values().forEach(all::addAll);
            return all;
        }
    }

    /** Broadcast elements set the "threshold" rule and are echoed; keyed elements at or above it pass. */
    static final class Threshold extends KeyedBroadcastProcessFunction<Long, Long, Long, Long>
    {
        private int shardId;

        public void open(final RuntimeContext runtimeContext)
        {
            shardId = runtimeContext.shardId();
        }

        public void processElement(final Long value, final ReadOnlyContext ctx, final Collector<Long> out)
        {
            final Long threshold = ctx.getBroadcastState(RULES).get("threshold");
            if (null == threshold)
            {
                out.collect(-1L);
            }
            else if (value >= threshold)
            {
                out.collect(value);
            }
        }

        public void processBroadcastElement(final Long value, final Context ctx, final Collector<Long> out)
        {
            ctx.getBroadcastState(RULES).put("threshold", value);
            out.collect(-1_000_000L - value); // echo: which instance saw which rule, in which order
        }
    }

    /** Passes every element on. */
    static final class Identity extends KeyedProcessFunction<Long, Long, Long>
    {
        public void processElement(final Long value, final Context ctx, final Collector<Long> out)
        {
            out.collect(value);
        }
    }

    private static List<Long> echoes(final List<Long> received)
    {
        final List<Long> rules = new ArrayList<>();
        for (final Long value : received)
        {
            if (value <= -1_000_000L)
            {
                rules.add(-1_000_000L - value);
            }
        }
        return rules;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void everyInstanceGetsEveryBroadcastElementInTheSameOrder(final int shards) throws Exception
    {
        final ShardSink<Long> sink = new ShardSink<>();
        final Dataflow flow = Dataflow.named("broadcast");
        final BroadcastStream<Long> rules = flow.source("rules", LongCodec.INSTANCE)
            .timestamps(v -> 0, WatermarkStrategy.noWatermarks())
            .map(v -> v * 10).returns(LongCodec.INSTANCE)   // chained into the rules' producer
            .broadcast(RULES);
        flow.source("numbers", LongCodec.INSTANCE)
            .timestamps(v -> v, WatermarkStrategy.noWatermarks())
            .keyBy(v -> v)
            .connect(rules)
            .process(Threshold::new).uid("threshold")
            .sinkTo(sink);
        final List<Long> expected = new ArrayList<>();
        try (Job job = flow.build(new WeirContext().shards(shards).ringCapacityBytes(4096)).start())
        {
            final SourceProducer<Long> producer = job.producer("rules", 0);
            for (long v = 0; v < 2_000; v++)   // far more than a 4 KiB ring holds: refused offers are retried whole
            {
                assertTrue(producer.offer(v, TimeUnit.SECONDS.toNanos(10)), "offer " + v);
                expected.add(v * 10);
            }
            producer.endOfInput();
            job.producer("numbers", 0).endOfInput();
            job.awaitTermination();
        }
        assertEquals(shards, sink.byShard.size());
        sink.byShard.forEach((shard, received) -> assertEquals(expected, echoes(received), "shard " + shard));
    }

    @Test
    void aBroadcastStreamFromAKeyedStageReachesEveryInstance() throws Exception
    {
        final int shards = 3;
        final ShardSink<Long> sink = new ShardSink<>();
        final Dataflow flow = Dataflow.named("broadcast-from-stage");
        final BroadcastStream<Long> rules = flow.source("rules", LongCodec.INSTANCE)
            .timestamps(v -> 0, WatermarkStrategy.noWatermarks())
            .keyBy(v -> v % 2).process(Identity::new).uid("rules-by-parity").returns(LongCodec.INSTANCE)
            .broadcast(RULES);
        flow.source("numbers", LongCodec.INSTANCE)
            .timestamps(v -> v, WatermarkStrategy.noWatermarks())
            .keyBy(v -> v)
            .connect(rules)
            .process(Threshold::new).uid("threshold")
            .sinkTo(sink);
        try (Job job = flow.build(new WeirContext().shards(shards).ringCapacityBytes(4096)).start())
        {
            final SourceProducer<Long> producer = job.producer("rules", 0);
            for (long v = 0; v < 1_000; v++)
            {
                assertTrue(producer.offer(v, TimeUnit.SECONDS.toNanos(10)), "offer " + v);
            }
            producer.endOfInput();
            job.producer("numbers", 0).endOfInput();
            job.awaitTermination();
        }
        assertEquals(shards, sink.byShard.size());
        for (final Map.Entry<Integer, List<Long>> entry : sink.byShard.entrySet())
        {
            final List<Long> rulesSeen = echoes(entry.getValue());
            rulesSeen.sort(null);
            assertEquals(1_000, rulesSeen.size(), "shard " + entry.getKey());
            for (int v = 0; v < 1_000; v++)
            {
                assertEquals(v, rulesSeen.get(v), "shard " + entry.getKey());
            }
        }
    }

    private WeirJob<Object, Object> thresholdJob(final int shards, final ShardSink<Long> sink)
    {
        return thresholdJobFrom(shards, sink, null);
    }

    private WeirJob<Object, Object> thresholdJobFrom(final int shards, final ShardSink<Long> sink, final Path from)
    {
        final Dataflow flow = Dataflow.named("threshold");
        final BroadcastStream<Long> rules = flow.source("rules", LongCodec.INSTANCE)
            .timestamps(v -> 0, WatermarkStrategy.noWatermarks())
            .broadcast(RULES);
        final DataStream<Long> passed = flow.source("numbers", LongCodec.INSTANCE)
            .timestamps(v -> v, WatermarkStrategy.noWatermarks())
            .keyBy(v -> v)
            .connect(rules)
            .process(Threshold::new).uid("threshold");
        passed.sinkTo(sink);
        return new WeirContext().shards(shards).stateBackend(new HeapStateBackend())
            .checkpoints(null == from ? CheckpointSettings.every(dir, 0) :
                CheckpointSettings.every(dir, 0).restoreFrom(from)).build(flow);
    }

    private static CheckpointStats checkpoint(final WeirJob<Object, Object> job) throws Exception
    {
        final CompletableFuture<CheckpointStats> future = job.triggerCheckpoint();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!future.isDone() && System.nanoTime() < deadline)
        {
            job.producer("numbers", 0).tryInjectRequestedBarrier();
            job.producer("rules", 0).tryInjectRequestedBarrier();
            Thread.sleep(1);
        }
        return future.get(1, TimeUnit.SECONDS);
    }

    private static void offer(final WeirJob<Object, Object> job, final String source, final long... values)
    {
        final Producer<Long> producer = job.producer(source, 0);
        for (final long v : values)
        {
            assertTrue(producer.offer(v, TimeUnit.SECONDS.toNanos(10)), "offer " + v);
        }
    }

    private static void awaitRules(final ShardSink<Long> sink, final int shards, final long rule) throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline)
        {
            int seen = 0;
            for (final List<Long> received : sink.byShard.values())
            {
                seen += echoes(received).contains(rule) ? 1 : 0;
            }
            if (seen == shards)
            {
                return;
            }
            Thread.sleep(1);
        }
        throw new AssertionError("rule " + rule + " did not reach all " + shards + " shards: " + sink.byShard);
    }

    private static void awaitPassed(final ShardSink<Long> sink, final int count) throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (passed(sink).size() < count && System.nanoTime() < deadline)
        {
            Thread.sleep(1);
        }
        assertEquals(count, passed(sink).size(), "passed before the next rule: " + passed(sink));
    }

    private static long[] range(final long from, final long to)
    {
        final long[] values = new long[(int)(to - from)];
        for (int i = 0; i < values.length; i++)
        {
            values[i] = from + i;
        }
        return values;
    }

    private static List<Long> passed(final ShardSink<Long> sink)
    {
        final List<Long> passed = new ArrayList<>();
        for (final Long value : sink.all())
        {
            if (value > -1_000_000L)
            {
                passed.add(value);
            }
        }
        passed.sort(null);
        return passed;
    }

    @Test
    void theBroadcastStateIsCheckpointedOnceAndRestoredToEveryInstanceAtAnyShardCount() throws Exception
    {
        // 1 shard: the rule arrives, then a checkpoint.
        final ShardSink<Long> first = new ShardSink<>();
        final WeirJob<Object, Object> one = thresholdJob(1, first);
        one.start();
        offer(one, "rules", 50);
        awaitRules(first, 1, 50);
        final CheckpointStats onShard = checkpoint(one);
        one.close(WeirJob.CloseMode.DISCARD);

        // 3 shards from it: no rule is sent again, every instance has it.
        final ShardSink<Long> second = new ShardSink<>();
        final WeirJob<Object, Object> three = thresholdJob(3, second);
        final CheckpointManifest manifest = three.restoredFrom().orElseThrow();
        assertEquals(onShard.checkpointId(), manifest.checkpointId());
        assertEquals(1, manifest.broadcasts().size(), manifest.toString());
        assertEquals("threshold", manifest.broadcasts().get(0).operator());
        assertTrue(manifest.broadcasts().get(0).file().name().startsWith("threshold-broadcast-chk-"),
            manifest.toString());
        assertEquals(List.of(), new CheckpointDirectory(dir).verify(new CheckpointDirectory(dir).latestComplete()
            .orElseThrow()));
        three.start();
        offer(three, "numbers", range(0, 100));
        awaitPassed(second, 50); // the rule's channel is not ordered with the numbers': it goes after them
        offer(three, "rules", 70);
        awaitRules(second, 3, 70);
        final CheckpointStats onThree = checkpoint(three);
        offer(three, "numbers", range(100, 110));
        awaitPassed(second, 60);
        three.close(WeirJob.CloseMode.DISCARD); // a job that ends marks its run finished: the next would not resume
        final List<Long> expected = new ArrayList<>();
        for (long v = 50; v < 110; v++)
        {
            expected.add(v);
        }
        assertEquals(expected, passed(second), "every instance of 3 restored the threshold 50, then got 70");
        assertEquals(3, second.byShard.size());

        // 1 shard again, from the 3-shard checkpoint: the threshold is 70.
        final ShardSink<Long> third = new ShardSink<>();
        final WeirJob<Object, Object> back = thresholdJob(1, third);
        assertEquals(onThree.checkpointId(), back.restoredFrom().orElseThrow().checkpointId());
        back.start();
        offer(back, "numbers", range(0, 100));
        back.close();
        assertEquals(range(70, 100).length, passed(third).size());
        assertEquals(70L, passed(third).get(0));
        assertNotNull(back.completedCheckpoints());
    }

    @Test
    void aStopWithSavepointKeepsTheBroadcastStateInTheSavepoint() throws Exception
    {
        final ShardSink<Long> first = new ShardSink<>();
        final WeirJob<Object, Object> two = thresholdJob(2, first);
        two.start();
        offer(two, "rules", 60);
        awaitRules(first, 2, 60);
        final CompletableFuture<Path> savepoint = CompletableFuture.supplyAsync(() ->
        {
            try
            {
                return two.stopWithSavepoint(30, TimeUnit.SECONDS);
            }
            catch (final Exception ex)
            {
                throw new IllegalStateException(ex);
            }
        });
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!savepoint.isDone() && System.nanoTime() < deadline)
        {
            two.producer("numbers", 0).tryInjectRequestedBarrier();
            two.producer("rules", 0).tryInjectRequestedBarrier();
            Thread.sleep(1);
        }
        final Path savepointDir = savepoint.get(1, TimeUnit.SECONDS);
        two.close(WeirJob.CloseMode.DISCARD);
        try (var files = java.nio.file.Files.list(savepointDir))
        {
            assertTrue(files.anyMatch(f -> f.getFileName().toString().startsWith("threshold-broadcast-chk-")),
                "the savepoint holds its own broadcast state file: " + savepointDir);
        }

        final ShardSink<Long> second = new ShardSink<>();
        final WeirJob<Object, Object> three = thresholdJobFrom(3, second, savepointDir);
        three.start();
        offer(three, "numbers", range(0, 100));
        awaitPassed(second, 40);
        three.close(WeirJob.CloseMode.DISCARD);
        assertEquals(60L, passed(second).get(0), "every instance restored the threshold 60 from the savepoint");
    }
}
