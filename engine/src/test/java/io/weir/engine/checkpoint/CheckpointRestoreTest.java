package io.weir.engine.checkpoint;

import io.weir.engine.runtime.snapshot.WriterPacer;
import io.weir.api.KeyedProcessFunction;
import io.weir.api.RuntimeContext;
import io.weir.api.codec.FixedLayoutCodec;
import io.weir.api.eventtime.WatermarkStrategy;
import io.weir.api.functions.Collector;
import io.weir.api.state.LongValueState;
import io.weir.api.state.LongValueStateDescriptor;
import io.weir.engine.HandlerSink;
import io.weir.engine.JobBuilder;
import io.weir.engine.Producer;
import io.weir.engine.WeirContext;
import io.weir.engine.WeirJob;
import io.weir.snapshot.CheckpointDirectory;
import io.weir.snapshot.CheckpointManifest;
import io.weir.snapshot.SnapshotFileKind;
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
import java.util.Queue;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * In-process checkpoints: what a restore brings back (state, timers, watermarks), rescaling, and falling back past
 * corruption. Outputs are compared as multisets with the rows of an uninterrupted run, so a row lost or emitted
 * twice fails.
 */
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

    /** Bounded out-of-orderness of the producer's watermarks, ms. */
    static final long OUT_OF_ORDERNESS_MS = 20;
    /** Timer delay of the tests of restored watermarks: timers fire all through the run, also after a restore. */
    static final long SHORT_DELAY_MS = 100;
    /** Timer delay of the pacing tests: every timer is still pending at the checkpoint. */
    static final long LONG_DELAY_MS = 100_000;

    /**
     * Keeps a per-key sum; an element behind the watermark is reported as "late:key:ts" and registers nothing;
     * any other registers an event-time timer at ts + delay, which reports "timer:key:ts:sum".
     */
    static final class SumFunction extends KeyedProcessFunction<Long, Item, String>
    {
        private final long delayMs;
        private LongValueState sum;

        SumFunction(final long delayMs)
        {
            this.delayMs = delayMs;
        }

        public void open(final RuntimeContext runtimeContext)
        {
            sum = runtimeContext.getLongState(new LongValueStateDescriptor("sum"));
        }

        public void processElement(final Item value, final Context ctx, final Collector<String> out)
        {
            sum.update(sum.valueOr(0) + value.amount);
            if (value.timestamp <= ctx.timerService().currentWatermark())
            {
                out.collect("late:" + ctx.getCurrentKey() + ":" + value.timestamp);
            }
            else
            {
                ctx.timerService().registerEventTimeTimer(value.timestamp + delayMs);
            }
        }

        public void onTimer(final long timestampMs, final OnTimerContext ctx, final Collector<String> out)
        {
            out.collect("timer:" + ctx.getCurrentKey() + ":" + timestampMs + ":" + sum.valueOr(0));
        }
    }

    /** Every row of every job of a test, duplicates kept. */
    private final Queue<String> results = new ConcurrentLinkedQueue<>();
    private final List<String> log = java.util.Collections.synchronizedList(new ArrayList<>());

    private WeirJob<Item, String> job(final int shards, final CheckpointSettings settings, final long delayMs)
    {
        return job(shards, settings, delayMs, new io.weir.state.heap.HeapStateBackend());
    }

    private WeirJob<Item, String> job(
        final int shards, final CheckpointSettings settings, final long delayMs,
        final io.weir.state.spi.StateBackend backend)
    {
        return JobBuilder.named("sum", ItemCodec.INSTANCE)
            .timestamps(i -> i.timestamp, WatermarkStrategy.forBoundedOutOfOrderness(OUT_OF_ORDERNESS_MS))
            .keyBy(i -> i.key)
            .process(() -> new SumFunction(delayMs))
            .sink(new HandlerSink<>((shard, value) -> results.add(value)))
            .build(new WeirContext()
                .shards(shards)
                .stateBackend(backend)
                .externalProducers(1)
                .checkpoints(settings)
                .log(log::add)
                .shardIdleStrategy(() -> new SleepingMillisIdleStrategy(1))
                .sourceIdleStrategy(() -> new SleepingMillisIdleStrategy(1)));
    }

    /** Event {@code i}: 50 keys; mostly in order, with now and then one far behind the watermark (late). */
    private static long key(final long i)
    {
        return i % 50;
    }

    private static boolean late(final long i)
    {
        // Every checkpoint in these tests is taken at a multiple of 1,000: the first event after a restore is
        // late only if the restored shards kept the watermark they had (the producer's generator starts afresh).
        return i > 0 && (i % 97 == 0 || i % 1_000 == 0);
    }

    private static long timestamp(final long i)
    {
        return 1_000 + i - (late(i) ? 500 : 0);
    }

    private static void offer(final Producer<Item> producer, final long from, final long to)
    {
        final Item item = new Item();
        for (long i = from; i < to; i++)
        {
            item.key = key(i);
            item.amount = i;
            item.timestamp = timestamp(i);
            assertTrue(producer.offer(item, TimeUnit.SECONDS.toNanos(10)));
        }
    }

    /**
     * An idle application producer injects a requested barrier when it next offers or is asked to. Its watermark
     * is sent to every shard first, so that each shard's checkpointed watermark is the producer's: then where a
     * timer fires, and whether an element is late, is the same with or without a restore, and
     * {@link #expected} is exact.
     */
    private static CheckpointStats checkpoint(final WeirJob<Item, String> job) throws Exception
    {
        assertTrue(job.producer(0).tryFlushWatermarks(), "the rings have room for a watermark");
        final java.util.concurrent.CompletableFuture<CheckpointStats> future = job.triggerCheckpoint();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!future.isDone() && System.nanoTime() < deadline)
        {
            job.producer(0).tryInjectRequestedBarrier();
            Thread.sleep(1);
        }
        return future.get(1, TimeUnit.SECONDS);
    }

    /**
     * The rows of one uninterrupted run over events {@code [0, events)}, with their counts. An element carries the
     * producer's watermark from before its own timestamp, {@code max(earlier ts) - bound - 1}; a shard applies it
     * before the element. So an element is late when its timestamp is at or behind that, and a timer at T of key
     * k fires before the first message (of any key) carrying a watermark of at least T: its sum is that of the
     * elements of k whose watermark is below T. Timers still pending at the end fire with the final sums.
     */
    static Map<String, Long> expected(final long events, final long delayMs)
    {
        final long[] watermark = new long[(int)events];
        long maxTimestamp = Long.MIN_VALUE + OUT_OF_ORDERNESS_MS + 1;
        for (int i = 0; i < events; i++)
        {
            watermark[i] = maxTimestamp - OUT_OF_ORDERNESS_MS - 1;
            maxTimestamp = Math.max(maxTimestamp, timestamp(i));
        }
        final Map<String, Long> rows = new TreeMap<>();
        for (int i = 0; i < events; i++)
        {
            if (timestamp(i) <= watermark[i])
            {
                rows.merge("late:" + key(i) + ":" + timestamp(i), 1L, Long::sum);
                continue;
            }
            final long timer = timestamp(i) + delayMs;
            long sum = 0;
            for (int j = (int)key(i); j < events; j += 50)
            {
                sum += watermark[j] < timer ? j : 0;
            }
            rows.merge("timer:" + key(i) + ":" + timer + ":" + sum, 1L, Long::sum);
        }
        return rows;
    }

    private static Map<String, Long> multiset(final Iterable<String> rows)
    {
        final Map<String, Long> counts = new TreeMap<>();
        rows.forEach(row -> counts.merge(row, 1L, Long::sum));
        return counts;
    }

    /** Equal as multisets: a row emitted twice (a timer restored into two shards) or lost is named. */
    static void assertSameRows(final Map<String, Long> expected, final Map<String, Long> actual)
    {
        final List<String> differences = new ArrayList<>();
        final TreeSet<String> rows = new TreeSet<>(expected.keySet());
        rows.addAll(actual.keySet());
        for (final String row : rows)
        {
            final long want = expected.getOrDefault(row, 0L);
            final long got = actual.getOrDefault(row, 0L);
            if (want != got)
            {
                differences.add(row + " expected " + want + " times, got " + got);
            }
        }
        assertTrue(differences.isEmpty(), differences.size() + " rows differ, e.g. " +
            differences.subList(0, Math.min(20, differences.size())));
        assertTrue(expected.keySet().stream().anyMatch(r -> r.startsWith("late:")) &&
            expected.keySet().stream().anyMatch(r -> r.startsWith("timer:")), "the workload has both kinds of row");
    }

    @Test
    void shouldComputeTheExpectedRowsOfAWorkloadWithLateElementsAndTimersFiringMidRun()
    {
        final Map<String, Long> rows = expected(300, SHORT_DELAY_MS);
        // 97, 194 and 291 are late: 297 timers, each once.
        assertEquals(3, rows.keySet().stream().filter(r -> r.startsWith("late:")).count());
        assertEquals(Long.valueOf(1), rows.get("late:47:597"));
        assertEquals(297, rows.keySet().stream().filter(r -> r.startsWith("timer:")).count());
        assertTrue(rows.values().stream().allMatch(c -> c == 1));
        // Key 0's timer of event 0 (at 1,100) fires before the first element whose watermark reaches 1,100:
        // watermark(i) = 1,000 + i - 1 - 21 >= 1,100 from i = 122 on, so its sum is 0 + 50 + 100 (events 0, 50, 100).
        assertEquals(Long.valueOf(1), rows.get("timer:0:1100:150"));
        // Key 1's timer of event 251 (1,351) fires at the end with the sum of all its events: 1 + 51 + ... + 251.
        assertEquals(Long.valueOf(1), rows.get("timer:1:1351:" + (1 + 51 + 101 + 151 + 201 + 251)));
    }

    @ParameterizedTest
    @EnumSource(CheckpointSettings.StateWriter.class)
    void shouldRestoreStateTimersAndWatermarksIntoADifferentShardCount(final CheckpointSettings.StateWriter writer)
        throws Exception
    {
        final CheckpointSettings settings = CheckpointSettings.every(dir, 0).stateWriter(writer);
        final WeirJob<Item, String> first = job(2, settings, SHORT_DELAY_MS);
        first.start();
        offer(first.producer(0), 0, 3_000);
        final CheckpointStats full = checkpoint(first);
        offer(first.producer(0), 3_000, 5_000);
        final CheckpointStats delta = checkpoint(first);
        assertTrue(full.full(), "the first checkpoint is a full base");
        assertTrue(!delta.full() && delta.entries() <= 50, "the second is a delta of the changed keys: " + delta);
        first.close(WeirJob.CloseMode.DISCARD);
        final int beforeRestore = results.size();
        assertTrue(beforeRestore > 0 && beforeRestore < 5_000, "timers fired as the watermark rose: " + beforeRestore);

        final WeirJob<Item, String> second = job(3, settings, SHORT_DELAY_MS);
        assertEquals(delta.checkpointId(), second.restoredFrom().orElseThrow().checkpointId());
        final CheckpointManifest.SourcePosition position = second.restoredFrom().orElseThrow().sources().get(0);
        assertEquals(5_000, position.position(), "the producer's position at the barrier");
        second.start();
        offer(second.producer(0), 5_000, 6_000);
        second.close();
        assertSameRows(expected(6_000, SHORT_DELAY_MS), multiset(results));
        // The restored timers (of events 4,880 to 4,999, pending at the barrier) fired on the watermarks of later
        // elements, well before the end of input.
        final long restoredFiredMidRun = results.stream().skip(beforeRestore)
            .filter(row -> row.startsWith("timer:"))
            .mapToLong(row -> Long.parseLong(row.split(":")[2]))
            .filter(timer -> timer <= timestamp(4_999) + SHORT_DELAY_MS)
            .count();
        assertTrue(restoredFiredMidRun >= 100, "restored timers fired mid-run: " + restoredFiredMidRun);
    }

    @ParameterizedTest
    @EnumSource(CheckpointSettings.StateWriter.class)
    void shouldBoundChainsByCompactingFilesOrByAFullSnapshotDependingOnTheWriter(
        final CheckpointSettings.StateWriter writer)
        throws Exception
    {
        final int maxChain = 3;
        final CheckpointSettings settings = CheckpointSettings.every(dir, 0).stateWriter(writer)
            .maxDeltaChainLength(maxChain);
        final WeirJob<Item, String> first = job(2, settings, SHORT_DELAY_MS);
        first.start();
        final List<CheckpointStats> taken = new ArrayList<>();
        final List<Integer> chainLengths = new ArrayList<>();
        final CheckpointDirectory directory = new CheckpointDirectory(dir);
        final int rounds = 3 * maxChain;
        long offered = 0;
        CheckpointManifest latest = null;
        // Merges run between checkpoints, so a chain may hold a few more files while one is written; the rounds go
        // on (up to a bound) until every shard's base was merged since the first checkpoint.
        for (int round = 0; round < 20 * rounds && (round < rounds || !basesMergedSince(latest, taken.get(0)));
            round++)
        {
            offer(first.producer(0), offered, offered + 1_000);
            offered += 1_000;
            final CheckpointStats stats = checkpoint(first);
            taken.add(stats);
            latest = directory.loadVerified(stats.checkpointId());
            for (final CheckpointManifest.ShardState shard : latest.shards())
            {
                assertTrue(shard.files().size() <= settings.chainLengthLimit(), "chain within its limit: " + shard);
                assertEquals(SnapshotFileKind.FULL, shard.files().get(0).kind(), shard.toString());
                if (writer == CheckpointSettings.StateWriter.SHARD)
                {
                    assertEquals(latest.shards().get(0).files().size(), shard.files().size(), latest.toString());
                }
            }
            chainLengths.add(latest.shards().get(0).files().size());
        }
        assertTrue(taken.get(0).full(), "the first checkpoint of a run is a full snapshot");
        if (writer == CheckpointSettings.StateWriter.CHECKPOINT_THREAD)
        {
            // The checkpoint thread merges the chain's files: the shards never scan their stores again.
            assertTrue(taken.stream().skip(1).noneMatch(CheckpointStats::full),
                "every later one a delta, the bases built from files: " + taken);
            assertTrue(basesMergedSince(latest, taken.get(0)), "the bases were merged since the first: " + latest);
        }
        else
        {
            // The shards write their files: a chain at the bound ends in a full snapshot, every maxChain-th one
            // (each delta holds every key: the deltas outweigh the base well before the bound).
            assertEquals(rounds, taken.size());
            for (int i = 0; i < taken.size(); i++)
            {
                assertEquals(i % maxChain == 0, taken.get(i).full(), "checkpoint " + i + " of " + taken);
                assertEquals(i % maxChain + 1, chainLengths.get(i), "checkpoint " + i + ": " + chainLengths);
            }
        }
        first.close(WeirJob.CloseMode.DISCARD);

        final WeirJob<Item, String> second = job(3, settings, SHORT_DELAY_MS);
        assertEquals(latest.checkpointId(), second.restoredFrom().orElseThrow().checkpointId());
        second.start();
        offer(second.producer(0), offered, offered + 1_000);
        second.close();
        assertSameRows(expected(offered + 1_000, SHORT_DELAY_MS), multiset(results));
    }

    private static boolean basesMergedSince(final CheckpointManifest manifest, final CheckpointStats first)
    {
        for (final CheckpointManifest.ShardState shard : manifest.shards())
        {
            if (shard.files().get(0).name().equals(
                CheckpointDirectory.dataFileName(shard.shardId(), first.checkpointId(), SnapshotFileKind.FULL)))
            {
                return false;
            }
        }
        return true;
    }

    @Test
    void shouldCompleteCheckpointsWhileAChainIsMergedAndThenBuildOnTheMergedBase() throws Exception
    {
        final int maxChain = 3;
        final CheckpointSettings settings = CheckpointSettings.every(dir, 0)
            .stateWriter(CheckpointSettings.StateWriter.CHECKPOINT_THREAD)
            .maxDeltaChainLength(maxChain);
        final WeirJob<Item, String> first = job(1, settings, SHORT_DELAY_MS);
        first.start();
        final CheckpointDirectory directory = new CheckpointDirectory(dir);
        offer(first.producer(0), 0, 1_000);
        final CheckpointStats base = checkpoint(first);
        offer(first.producer(0), 1_000, 2_000);
        checkpoint(first);
        offer(first.producer(0), 2_000, 3_000);
        // The third checkpoint leaves the chain due: its merge starts as it completes. The fourth, requested before
        // the third completed, is taken before the merge's first step, on top of the chain being merged.
        assertTrue(first.producer(0).tryFlushWatermarks(), "the rings have room for a watermark");
        final java.util.concurrent.CompletableFuture<CheckpointStats> third = first.triggerCheckpoint();
        final java.util.concurrent.CompletableFuture<CheckpointStats> fourth = first.triggerCheckpoint();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!fourth.isDone() && System.nanoTime() < deadline)
        {
            first.producer(0).tryInjectRequestedBarrier();
            Thread.sleep(1);
        }
        final long thirdId = third.get(1, TimeUnit.SECONDS).checkpointId();
        final CheckpointStats duringMerge = fourth.get(1, TimeUnit.SECONDS);
        assertTrue(!duringMerge.full(), duringMerge.toString());
        final List<CheckpointManifest.FileRef> unmerged =
            directory.loadVerified(duringMerge.checkpointId()).shards().get(0).files();
        assertEquals(maxChain + 1, unmerged.size(), "completed on the old chain, with the merge open: " + unmerged);
        assertEquals(CheckpointDirectory.dataFileName(0, base.checkpointId(), SnapshotFileKind.FULL),
            unmerged.get(0).name());

        // Later checkpoints name the merged base, of the third checkpoint's id, and the fourth's delta after it.
        final String mergedBase = CheckpointDirectory.dataFileName(0, thirdId, SnapshotFileKind.FULL);
        final String fourthDelta = CheckpointDirectory.dataFileName(0, duringMerge.checkpointId(),
            SnapshotFileKind.DELTA);
        List<CheckpointManifest.FileRef> chain = unmerged;
        long offered = 3_000;
        for (int round = 0; round < 100 && !chain.get(0).name().equals(mergedBase); round++)
        {
            offer(first.producer(0), offered, offered + 100);
            offered += 100;
            chain = directory.loadVerified(checkpoint(first).checkpointId()).shards().get(0).files();
        }
        assertEquals(mergedBase, chain.get(0).name(), chain.toString());
        assertEquals(fourthDelta, chain.get(1).name(), chain.toString());
        assertTrue(Files.isRegularFile(dir.resolve("shared").resolve(mergedBase)), "kept by retention");
        first.close(WeirJob.CloseMode.DISCARD);

        final WeirJob<Item, String> second = job(1, settings, SHORT_DELAY_MS);
        second.start();
        offer(second.producer(0), offered, offered + 1_000);
        second.close();
        assertSameRows(expected(offered + 1_000, SHORT_DELAY_MS), multiset(results));
    }

    @Test
    void shouldRestoreACheckpointWhoseWriterSleptBetweenSlices() throws Exception
    {
        final WeirJob<Item, String> unpaced = job(1, CheckpointSettings.every(dir.resolve("unpaced"), 0)
            .stateWriter(CheckpointSettings.StateWriter.CHECKPOINT_THREAD)
            .writerSliceMicros(0), LONG_DELAY_MS);
        unpaced.start();
        offer(unpaced.producer(0), 0, 3_000);
        assertEquals(0, checkpoint(unpaced).writerSleeps(), "a slice of 0 never sleeps");
        unpaced.close(WeirJob.CloseMode.DISCARD);
        results.clear();

        // A 1 µs slice is used up within the 16 entries between clock reads: the writer sleeps all through.
        final CheckpointSettings settings = CheckpointSettings.every(dir, 0)
            .stateWriter(CheckpointSettings.StateWriter.CHECKPOINT_THREAD)
            .writerSliceMicros(1);
        final WeirJob<Item, String> first = job(1, settings, LONG_DELAY_MS);
        first.start();
        offer(first.producer(0), 0, 3_000);
        final CheckpointStats stats = checkpoint(first);
        first.close(WeirJob.CloseMode.DISCARD);
        // 50 state entries and 2,970 timers (the late elements register none): at least one sleep per 16 entries.
        assertTrue(stats.writerSleeps() >= 3_020 / WriterPacer.ENTRIES_PER_CLOCK_READ - 2 &&
            stats.writerSleptNs() > 0, stats.toString());

        final WeirJob<Item, String> second = job(1, settings, LONG_DELAY_MS);
        assertEquals(stats.checkpointId(), second.restoredFrom().orElseThrow().checkpointId());
        second.start();
        offer(second.producer(0), 3_000, 4_000);
        second.close();
        assertSameRows(expected(4_000, LONG_DELAY_MS), multiset(results));
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
            .writerSliceMicros(1), LONG_DELAY_MS);
        shardMayRead.start();
        offer(shardMayRead.producer(0), 0, 1_000);
        final CheckpointStats byShard = checkpoint(shardMayRead);
        shardMayRead.close(WeirJob.CloseMode.DISCARD);
        results.clear();

        final WeirJob<Item, String> first = job(1, settings, LONG_DELAY_MS, waitsForSnapshots);
        first.start();
        offer(first.producer(0), 0, 1_000);
        final CheckpointStats byThread = checkpoint(first);
        first.close(WeirJob.CloseMode.DISCARD);

        // 50 state entries and about 1,000 timers; the shard writes the 50 itself, so only the timers pace.
        assertTrue(byThread.writerSleeps() > byShard.writerSleeps(), byShard + " / " + byThread);
        final WeirJob<Item, String> second = job(1, settings, LONG_DELAY_MS, waitsForSnapshots);
        assertEquals(byThread.checkpointId(), second.restoredFrom().orElseThrow().checkpointId());
        second.start();
        offer(second.producer(0), 1_000, 2_000);
        second.close();
        assertSameRows(expected(2_000, LONG_DELAY_MS), multiset(results));
    }

    @Test
    void shouldFallBackToThePreviousCheckpointWhenTheNewestIsCorrupt() throws Exception
    {
        final CheckpointSettings settings = CheckpointSettings.every(dir, 0);
        final WeirJob<Item, String> first = job(1, settings, SHORT_DELAY_MS);
        first.start();
        offer(first.producer(0), 0, 2_000);
        final CheckpointStats older = checkpoint(first);
        // The sink is not transactional: what the first run emits after the older checkpoint is emitted again by
        // the run that resumes from it, so only the rows up to that checkpoint count.
        final List<String> upToOlder = new ArrayList<>(results);
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

        results.clear();
        results.addAll(upToOlder);
        final WeirJob<Item, String> second = job(1, settings, SHORT_DELAY_MS);
        assertEquals(older.checkpointId(), second.restoredFrom().orElseThrow().checkpointId());
        assertTrue(log.stream().anyMatch(line -> line.contains("falling back") && line.contains(delta.toString())),
            "says why it skipped the newest checkpoint: " + log);
        second.start();
        offer(second.producer(0), second.restoredFrom().orElseThrow().sources().get(0).position(), 4_000);
        second.close();
        assertSameRows(expected(4_000, SHORT_DELAY_MS), multiset(results));
        assertTrue(Files.exists(delta));
    }
}
