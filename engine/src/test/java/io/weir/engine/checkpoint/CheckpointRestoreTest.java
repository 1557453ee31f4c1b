package io.weir.engine.checkpoint;

import io.weir.api.KeyedProcessFunction;
import io.weir.api.RuntimeContext;
import io.weir.api.codec.FixedLayoutCodec;
import io.weir.api.functions.Collector;
import io.weir.api.state.LongValueState;
import io.weir.api.state.LongValueStateDescriptor;
import io.weir.engine.HandlerSink;
import io.weir.engine.JobBuilder;
import io.weir.engine.Producer;
import io.weir.engine.WatermarkStrategy;
import io.weir.engine.WeirContext;
import io.weir.engine.WeirJob;
import io.weir.snapshot.CheckpointDirectory;
import io.weir.snapshot.CheckpointManifest;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** In-process checkpoints: what a restore brings back, rescaling, timers, and falling back past corruption. */
@Timeout(120)
class CheckpointRestoreTest
{
    @TempDir
    Path dir;

    /** (key, amount, timestamp) */
    static final class Item
    {
        long key;
        long amount;
        long timestamp;
    }

    static final class ItemCodec extends FixedLayoutCodec<Item>
    {
        static final ItemCodec INSTANCE = new ItemCodec();

        ItemCodec()
        {
            super("test-item-v1", 24);
        }

        protected void write(final Item value, final MutableDirectBuffer buffer, final int offset)
        {
            buffer.putLong(offset, value.key);
            buffer.putLong(offset + 8, value.amount);
            buffer.putLong(offset + 16, value.timestamp);
        }

        protected Item read(final DirectBuffer buffer, final int offset, final Item reuse)
        {
            final Item item = reuse != null ? reuse : new Item();
            item.key = buffer.getLong(offset);
            item.amount = buffer.getLong(offset + 8);
            item.timestamp = buffer.getLong(offset + 16);
            return item;
        }
    }

    /** Keeps a per-key sum; on an event-time timer at ts + 100 reports "timer:key:sum". */
    static final class SumFunction extends KeyedProcessFunction<Long, Item, String>
    {
        private LongValueState sum;

        public void open(final RuntimeContext runtimeContext)
        {
            sum = runtimeContext.getLongState(new LongValueStateDescriptor("sum"));
        }

        public void processElement(final Item value, final Context ctx, final Collector<String> out)
        {
            sum.update(sum.valueOr(0) + value.amount);
            ctx.timerService().registerEventTimeTimer(value.timestamp + 100);
        }

        public void onTimer(final long timestampMs, final OnTimerContext ctx, final Collector<String> out)
        {
            out.collect("timer:" + ctx.getCurrentKey() + ":" + timestampMs + ":" + sum.valueOr(0));
        }
    }

    private final Map<String, Boolean> results = new ConcurrentHashMap<>();
    private final List<String> log = java.util.Collections.synchronizedList(new ArrayList<>());

    private WeirJob<Item, String> job(final int shards, final CheckpointSettings settings)
    {
        return job(shards, settings, new io.weir.state.heap.HeapStateBackend());
    }

    private WeirJob<Item, String> job(
        final int shards, final CheckpointSettings settings, final io.weir.state.spi.StateBackend backend)
    {
        return JobBuilder.named("sum", ItemCodec.INSTANCE)
            .timestamps(i -> i.timestamp, WatermarkStrategy.none())
            .keyBy(i -> i.key)
            .process(SumFunction::new)
            .sink(new HandlerSink<>((shard, value) -> results.put(value, Boolean.TRUE)))
            .build(new WeirContext()
                .shards(shards)
                .stateBackend(backend)
                .externalProducers(1)
                .checkpoints(settings)
                .log(log::add)
                .shardIdleStrategy(() -> new SleepingMillisIdleStrategy(1))
                .sourceIdleStrategy(() -> new SleepingMillisIdleStrategy(1)));
    }

    private static void offer(final Producer<Item> producer, final long from, final long to)
    {
        final Item item = new Item();
        for (long i = from; i < to; i++)
        {
            item.key = i % 50;
            item.amount = i;
            item.timestamp = 1_000 + i;
            assertTrue(producer.offer(item, TimeUnit.SECONDS.toNanos(10)));
        }
    }

    /** An idle application producer injects a requested barrier when it next offers or is asked to. */
    private static CheckpointStats checkpoint(final WeirJob<Item, String> job) throws Exception
    {
        final java.util.concurrent.CompletableFuture<CheckpointStats> future = job.triggerCheckpoint();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!future.isDone() && System.nanoTime() < deadline)
        {
            job.producer(0).tryInjectRequestedBarrier();
            Thread.sleep(1);
        }
        return future.get(1, TimeUnit.SECONDS);
    }

    private Map<String, Boolean> expectedTimers(final long events)
    {
        // Without any watermark until the end, every timer fires at end of input with the final sum.
        final long[] sums = new long[50];
        final long[] lastTs = new long[50];
        for (long i = 0; i < events; i++)
        {
            sums[(int)(i % 50)] += i;
            lastTs[(int)(i % 50)] = Math.max(lastTs[(int)(i % 50)], 1_000 + i);
        }
        final Map<String, Boolean> expected = new java.util.TreeMap<>();
        for (long i = 0; i < events; i++)
        {
            final int key = (int)(i % 50);
            expected.put("timer:" + key + ":" + (1_000 + i + 100) + ":" + sums[key], Boolean.TRUE);
        }
        return expected;
    }

    @ParameterizedTest
    @EnumSource(CheckpointSettings.StateWriter.class)
    void shouldRestoreStateAndTimersIntoADifferentShardCount(final CheckpointSettings.StateWriter writer)
        throws Exception
    {
        final CheckpointSettings settings = CheckpointSettings.every(dir, 0).stateWriter(writer);
        final WeirJob<Item, String> first = job(2, settings);
        first.start();
        offer(first.producer(0), 0, 3_000);
        final CheckpointStats full = checkpoint(first);
        offer(first.producer(0), 3_000, 5_000);
        final CheckpointStats delta = checkpoint(first);
        assertTrue(full.full(), "the first checkpoint is a full base");
        assertTrue(!delta.full() && delta.entries() <= 50, "the second is a delta of the changed keys: " + delta);
        first.close(WeirJob.CloseMode.DISCARD);
        assertTrue(results.isEmpty(), "no timer fired without a watermark");

        final WeirJob<Item, String> second = job(3, settings);
        assertEquals(delta.checkpointId(), second.restoredFrom().orElseThrow().checkpointId());
        final CheckpointManifest.SourcePosition position = second.restoredFrom().orElseThrow().sources().get(0);
        assertEquals(5_000, position.position(), "the producer's position at the barrier");
        second.start();
        offer(second.producer(0), 5_000, 6_000);
        second.close();
        assertEquals(expectedTimers(6_000), new java.util.TreeMap<>(results));
    }

    @Test
    void shouldRestoreACheckpointWhoseWriterSleptBetweenSlices() throws Exception
    {
        final WeirJob<Item, String> unpaced = job(1, CheckpointSettings.every(dir.resolve("unpaced"), 0)
            .stateWriter(CheckpointSettings.StateWriter.CHECKPOINT_THREAD)
            .writerSliceMicros(0));
        unpaced.start();
        offer(unpaced.producer(0), 0, 3_000);
        assertEquals(0, checkpoint(unpaced).writerSleeps(), "a slice of 0 never sleeps");
        unpaced.close(WeirJob.CloseMode.DISCARD);
        results.clear();

        // A 1 µs slice is used up within the 16 entries between clock reads: the writer sleeps all through.
        final CheckpointSettings settings = CheckpointSettings.every(dir, 0)
            .stateWriter(CheckpointSettings.StateWriter.CHECKPOINT_THREAD)
            .writerSliceMicros(1);
        final WeirJob<Item, String> first = job(1, settings);
        first.start();
        offer(first.producer(0), 0, 3_000);
        final CheckpointStats stats = checkpoint(first);
        first.close(WeirJob.CloseMode.DISCARD);
        // 50 state entries and 3,000 timers: at least one sleep per 16 entries.
        assertTrue(stats.writerSleeps() >= 3_050 / WriterPacer.ENTRIES_PER_CLOCK_READ - 2 &&
            stats.writerSleptNs() > 0, stats.toString());

        final WeirJob<Item, String> second = job(1, settings);
        assertEquals(stats.checkpointId(), second.restoredFrom().orElseThrow().checkpointId());
        second.start();
        offer(second.producer(0), 3_000, 4_000);
        second.close();
        assertEquals(expectedTimers(4_000), new java.util.TreeMap<>(results));
    }

    @Test
    void shouldLeaveSnapshotsOfABackendWhoseShardMayNotReadThemToTheCheckpointThread() throws Exception
    {
        final io.weir.state.heap.HeapStateBackend heap = new io.weir.state.heap.HeapStateBackend();
        final io.weir.state.spi.StateBackend waitsForSnapshots = new io.weir.state.spi.StateBackend()
        {
            public String name()
            {
                return heap.name();
            }

            public io.weir.state.spi.KeyedStateStore createStore(final int shardId, final long expectedEntries)
            {
                return heap.createStore(shardId, expectedEntries);
            }

            public boolean shardMayReadItsSnapshots()
            {
                return false;
            }
        };
        // Only the checkpoint thread paces itself: with a 1 µs slice it sleeps while it writes the state file.
        final CheckpointSettings settings = CheckpointSettings.every(dir, 0)
            .stateWriter(CheckpointSettings.StateWriter.SHARD)
            .writerSliceMicros(1);
        final WeirJob<Item, String> shardMayRead = job(1, CheckpointSettings.every(dir.resolve("shard"), 0)
            .stateWriter(CheckpointSettings.StateWriter.SHARD)
            .writerSliceMicros(1));
        shardMayRead.start();
        offer(shardMayRead.producer(0), 0, 1_000);
        final CheckpointStats byShard = checkpoint(shardMayRead);
        shardMayRead.close(WeirJob.CloseMode.DISCARD);

        final WeirJob<Item, String> first = job(1, settings, waitsForSnapshots);
        first.start();
        offer(first.producer(0), 0, 1_000);
        final CheckpointStats byThread = checkpoint(first);
        first.close(WeirJob.CloseMode.DISCARD);

        // 50 state entries and 1,000 timers; the shard writes the 50 itself, so only the timers pace.
        assertTrue(byThread.writerSleeps() > byShard.writerSleeps(), byShard + " / " + byThread);
        results.clear();
        final WeirJob<Item, String> second = job(1, settings, waitsForSnapshots);
        assertEquals(byThread.checkpointId(), second.restoredFrom().orElseThrow().checkpointId());
        second.start();
        offer(second.producer(0), 1_000, 2_000);
        second.close();
        assertEquals(expectedTimers(2_000), new java.util.TreeMap<>(results));
    }

    @Test
    void shouldFallBackToThePreviousCheckpointWhenTheNewestIsCorrupt() throws Exception
    {
        final CheckpointSettings settings = CheckpointSettings.every(dir, 0);
        final WeirJob<Item, String> first = job(1, settings);
        first.start();
        offer(first.producer(0), 0, 2_000);
        final CheckpointStats older = checkpoint(first);
        offer(first.producer(0), 2_000, 4_000);
        final CheckpointStats newer = checkpoint(first);
        first.close(WeirJob.CloseMode.DISCARD);

        final CheckpointDirectory checkpoints = new CheckpointDirectory(dir);
        final Path delta = checkpoints.allocateDataFile(0, newer.checkpointId(), io.weir.snapshot.SnapshotFileKind.DELTA);
        try (FileChannel channel = FileChannel.open(delta, StandardOpenOption.READ, StandardOpenOption.WRITE))
        {
            final java.nio.ByteBuffer one = java.nio.ByteBuffer.allocate(1);
            channel.read(one, 200);
            one.put(0, (byte)(one.get(0) ^ 0x5A)).rewind();
            channel.write(one, 200);
        }

        final WeirJob<Item, String> second = job(1, settings);
        assertEquals(older.checkpointId(), second.restoredFrom().orElseThrow().checkpointId());
        assertTrue(log.stream().anyMatch(line -> line.contains("falling back") && line.contains(delta.toString())),
            "says why it skipped the newest checkpoint: " + log);
        second.start();
        offer(second.producer(0), second.restoredFrom().orElseThrow().sources().get(0).position(), 4_000);
        second.close();
        assertEquals(expectedTimers(4_000), new java.util.TreeMap<>(results));
        assertTrue(Files.exists(delta));
    }
}
