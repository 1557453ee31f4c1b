package io.weir.engine;

import io.weir.engine.runtime.snapshot.ShardStateWriter;
import io.weir.engine.runtime.ShardAgent;
import io.weir.api.KeyedProcessFunction;
import io.weir.api.RuntimeContext;
import io.weir.api.codec.FixedLayoutCodec;
import io.weir.api.eventtime.WatermarkStrategy;
import io.weir.api.functions.Collector;
import io.weir.api.state.LongValueState;
import io.weir.api.state.LongValueStateDescriptor;
import io.weir.engine.runtime.checkpoint.CheckpointCoordinator;
import io.weir.engine.checkpoint.CheckpointProperties;
import io.weir.engine.checkpoint.CheckpointSettings;
import io.weir.engine.checkpoint.CheckpointStats;
import io.weir.snapshot.CheckpointDirectory;
import io.weir.snapshot.CheckpointKind;
import io.weir.snapshot.CheckpointManifest;
import io.weir.state.heap.HeapStateBackend;
import io.weir.state.spi.EntryVisitor;
import io.weir.state.spi.KeyedStateStore;
import io.weir.state.spi.StateBackend;
import io.weir.state.spi.StoreSnapshot;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.AgentTerminationException;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How the checkpoint coordinator works with the job around it: checkpoints after one input ended, a savepoint
 * that is not the end of the delta chain, a stop with savepoint the job is closed during, a checkpoint thread that
 * fails, and a close from an interrupted thread. Where the order of events matters, the agents are stepped on the
 * test thread.
 */
@Timeout(120)
class CheckpointCoordinationTest
{
    private static final int KEYS = 10;

    @TempDir
    Path dir;

    private final List<String> rows = new CopyOnWriteArrayList<>();
    private final List<String> log = new CopyOnWriteArrayList<>();

    /** (key, amount) */
    static final class Entry
    {
        long key;
        long amount;

        Entry set(final long key, final long amount)
        {
            this.key = key;
            this.amount = amount;
            return this;
        }
    }

    static final class EntryCodec extends FixedLayoutCodec<Entry>
    {
        static final EntryCodec INSTANCE = new EntryCodec();

        EntryCodec()
        {
            super("test-entry-v1", 16);
        }

        protected void write(final Entry value, final MutableDirectBuffer buffer, final int offset)
        {
            buffer.putLong(offset, value.key);
            buffer.putLong(offset + 8, value.amount);
        }

        protected Entry read(final DirectBuffer buffer, final int offset, final Entry reuse)
        {
            final Entry entry = reuse != null ? reuse : new Entry();
            entry.key = buffer.getLong(offset);
            entry.amount = buffer.getLong(offset + 8);
            return entry;
        }
    }

    /** A per-key sum; emits "key=sum" for every element. */
    static class SumFunction extends KeyedProcessFunction<Long, Entry, String>
    {
        private LongValueState sum;

        public void open(final RuntimeContext runtimeContext)
        {
            sum = runtimeContext.getLongState(new LongValueStateDescriptor("sum"));
        }

        public void processElement(final Entry value, final Context ctx, final Collector<String> out)
        {
            final long updated = sum.valueOr(0) + value.amount;
            sum.update(updated);
            out.collect(value.key + "=" + updated);
        }
    }

    /** A rewindable source over (key, amount) rows; its position is the number of rows read. */
    static final class RowsReader implements SourceReader<Entry>
    {
        private final String name;
        private final long[][] rows;
        private final Entry current = new Entry();
        private int index;

        RowsReader(final String name, final long[][] rows)
        {
            this.name = name;
            this.rows = rows;
        }

        public String name()
        {
            return name;
        }

        public boolean next()
        {
            if (index == rows.length)
            {
                return false;
            }
            current.set(rows[index][0], rows[index][1]);
            index++;
            return true;
        }

        public Entry current()
        {
            return current;
        }

        public long position()
        {
            return index;
        }

        public void seek(final long position, final long line)
        {
            index = (int)position;
        }

        public void close()
        {
        }
    }

    private static long[][] rows(final int count, final long amount)
    {
        final long[][] rows = new long[count][];
        for (int i = 0; i < count; i++)
        {
            rows[i] = new long[]{i % KEYS, amount};
        }
        return rows;
    }

    private WeirContext context(final int shards, final int producers, final CheckpointSettings settings,
        final StateBackend backend)
    {
        return new WeirContext()
            .shards(shards)
            .externalProducers(producers)
            .stateBackend(backend)
            .checkpoints(settings)
            .readBatchLimit(100)
            .log(log::add)
            .shardIdleStrategy(() -> new SleepingMillisIdleStrategy(1))
            .sourceIdleStrategy(() -> new SleepingMillisIdleStrategy(1));
    }

    private WeirJob<Entry, String> job(
        final int shards, final int producers, final CheckpointSettings settings, final StateBackend backend)
    {
        return JobBuilder.named("sum", EntryCodec.INSTANCE)
            .timestamps(e -> 0, WatermarkStrategy.noWatermarks())
            .keyBy(e -> e.key)
            .process(SumFunction::new)
            .sink(new HandlerSink<>((shard, value) -> rows.add(value)))
            .build(context(shards, producers, settings, backend));
    }

    private static void offer(final Producer<Entry> producer, final int count, final long amount)
    {
        offer(producer, count, amount, KEYS);
    }

    /** {@code count} elements of the given amount, to keys 0 to {@code keys - 1} in turn. */
    private static void offer(final Producer<Entry> producer, final int count, final long amount, final int keys)
    {
        final Entry entry = new Entry();
        for (int i = 0; i < count; i++)
        {
            assertTrue(producer.offer(entry.set(i % keys, amount), TimeUnit.SECONDS.toNanos(10)));
        }
    }

    /** The newest sum of every key in {@link #rows}, as emitted last. */
    private Map<Long, Long> lastSums()
    {
        final Map<Long, Long> sums = new TreeMap<>();
        for (final String row : rows)
        {
            final int at = row.indexOf('=');
            sums.put(Long.parseLong(row.substring(0, at)), Long.parseLong(row.substring(at + 1)));
        }
        return sums;
    }

    private static Map<Long, Long> everyKey(final long sum)
    {
        final Map<Long, Long> sums = new TreeMap<>();
        for (long key = 0; key < KEYS; key++)
        {
            sums.put(key, sum);
        }
        return sums;
    }

    /** Run a restored job over one more element of amount 0 per key: its rows show the restored sums. */
    private Map<Long, Long> restoredSums(final WeirJob<Entry, String> restored) throws Exception
    {
        rows.clear();
        restored.start();
        offer(restored.producer(0), KEYS, 0);
        restored.close();
        return lastSums();
    }

    private CheckpointManifest manifest(final long checkpointId, final CheckpointKind kind)
    {
        final CheckpointDirectory directory = new CheckpointDirectory(dir);
        for (final CheckpointDirectory.Listing listing : directory.list())
        {
            if (listing.checkpointId() == checkpointId && listing.kind() == kind)
            {
                return directory.readManifest(listing);
            }
        }
        throw new AssertionError("no " + kind + " " + checkpointId + " in " + directory.list());
    }

    @ParameterizedTest
    @EnumSource(CheckpointSettings.StateWriter.class)
    void shouldCompleteCheckpointsAfterOneProducerEndedAndRecordItAtItsEnd(
        final CheckpointSettings.StateWriter writer) throws Exception
    {
        final CheckpointSettings settings = CheckpointSettings.every(dir, 0).stateWriter(writer);
        final WeirJob<Entry, String> job = job(2, 2, settings, new HeapStateBackend());
        final JobStepper stepper = new JobStepper(job, log);
        final Producer<Entry> running = job.producer(0);
        final Producer<Entry> ending = job.producer(1);
        offer(running, 100, 1);
        offer(ending, 50, 10);
        ending.emitWatermark(777);
        ending.endOfInput();
        stepper.stepUntil(() -> job.eventsProcessed() == 150, "every element was processed");

        final CheckpointStats first = stepper.checkpoint(job.coordinator().triggerCheckpoint(), running);
        offer(running, 100, 1);
        final CheckpointStats second = stepper.checkpoint(job.coordinator().triggerCheckpoint(), running);
        assertTrue(first.full() && !second.full(), first + " / " + second);

        final CheckpointManifest manifest = manifest(second.checkpointId(), CheckpointKind.CHECKPOINT);
        final CheckpointManifest.SourcePosition ended = manifest.sources().get(1);
        assertEquals("producer-1", ended.sourceName());
        assertEquals(50, ended.position(), "the ended producer is recorded at its end");
        assertEquals(200, manifest.sources().get(0).position());
        assertEquals("777", manifest.properties().get(CheckpointProperties.PRODUCER_PREFIX + "1.watermark"));
        assertNotNull(manifest.properties().get(CheckpointProperties.PRODUCER_PREFIX + "1.maxTimestamp"));
        job.close(WeirJob.CloseMode.DISCARD);

        final WeirJob<Entry, String> restored = job(2, 2, settings, new HeapStateBackend());
        assertEquals(second.checkpointId(), restored.restoredFrom().orElseThrow().checkpointId());
        assertEquals(everyKey(20 + 50 * 10 / KEYS), restoredSums(restored));
    }

    @Test
    void shouldSendAStateFileAgainOnALaterCycleWhenTheShardsCommandQueueIsFull() throws Exception
    {
        final CheckpointSettings settings = CheckpointSettings.every(dir, 0)
            .stateWriter(CheckpointSettings.StateWriter.SHARD);
        final WeirJob<Entry, String> job = job(2, 1, settings, new HeapStateBackend());
        final JobStepper stepper = new JobStepper(job, log);
        final Producer<Entry> producer = job.producer(0);
        offer(producer, 100, 1);
        stepper.stepUntil(() -> job.eventsProcessed() == 100, "every element was processed");

        final CompletableFuture<CheckpointStats> future = job.coordinator().triggerCheckpoint();
        stepper.stepUntil(() -> job.coordinator().barrierRequest() != 0, "the checkpoint was triggered");
        assertTrue(producer.tryInjectRequestedBarrier());
        final ShardStateWriter shard0 = job.coordinator().queues().stateWriter(0);
        stepper.stepUntil(shard0::isBusy, "shard 0 took its snapshot point");
        // Between the shard's snapshot point and the coordinator's next cycle: stale commands fill its queue.
        for (int i = 0; i < ShardStateWriter.COMMAND_QUEUE_CAPACITY; i++)
        {
            assertTrue(shard0.cancel(0));
        }
        assertFalse(shard0.cancel(0), "the command queue is full");

        stepper.stepUntil(future::isDone, "the checkpoint is done");
        final CheckpointStats stats = future.join();
        assertTrue(stats.full(), stats.toString());
        job.close(WeirJob.CloseMode.DISCARD);

        final WeirJob<Entry, String> restored = job(2, 1, settings, new HeapStateBackend());
        assertEquals(stats.checkpointId(), restored.restoredFrom().orElseThrow().checkpointId());
        restored.close(WeirJob.CloseMode.DISCARD);
    }

    @Test
    void shouldResumeASourceThatEndedBeforeTheCheckpointAtItsEnd() throws Exception
    {
        final CheckpointSettings settings = CheckpointSettings.every(dir, 0);
        final long[][] shortRows = rows(20, 1_000);
        final long[][] longRows = rows(1_000, 1);
        final WeirJob<Entry, String> job = JobBuilder.named("sum", EntryCodec.INSTANCE)
            .timestamps(e -> 0, WatermarkStrategy.noWatermarks())
            .source(new RowsReader("short", shortRows))
            .source(new RowsReader("long", longRows))
            .keyBy(e -> e.key)
            .process(SumFunction::new)
            .sink(new HandlerSink<>((shard, value) -> rows.add(value)))
            .build(context(2, 0, settings, new HeapStateBackend()));
        final JobStepper stepper = new JobStepper(job, log);
        final SourceAgent<Entry> shortSource = job.sources().get(0);
        final SourceAgent<Entry> longSource = job.sources().get(1);
        assertThrows(AgentTerminationException.class, () ->
        {
            while (true)
            {
                shortSource.doWork();
            }
        }, "the short source ends");
        longSource.doWork();

        final CompletableFuture<CheckpointStats> future = job.coordinator().triggerCheckpoint();
        stepper.stepUntil(() -> job.coordinator().barrierRequest() != 0, "the checkpoint was triggered");
        longSource.doWork();
        stepper.stepUntil(future::isDone, "the checkpoint is done");
        final CheckpointManifest manifest = manifest(future.join().checkpointId(), CheckpointKind.CHECKPOINT);
        assertEquals("short", manifest.sources().get(0).sourceName());
        assertEquals(shortRows.length, manifest.sources().get(0).position(), "the ended source, at its end");
        assertEquals(100, manifest.sources().get(1).position(), "the running source, at its barrier");
        job.close(WeirJob.CloseMode.DISCARD);

        rows.clear();
        final WeirJob<Entry, String> restored = JobBuilder.named("sum", EntryCodec.INSTANCE)
            .timestamps(e -> 0, WatermarkStrategy.noWatermarks())
            .source(new RowsReader("short", shortRows))
            .source(new RowsReader("long", longRows))
            .keyBy(e -> e.key)
            .process(SumFunction::new)
            .sink(new HandlerSink<>((shard, value) -> rows.add(value)))
            .build(context(2, 0, settings, new HeapStateBackend()));
        restored.start();
        restored.awaitTermination();
        restored.close();
        assertEquals(everyKey(shortRows.length / KEYS * 1_000L + longRows.length / KEYS), lastSums(),
            "the short source is not read again, the long one resumes at its barrier");
    }

    @Test
    void shouldReadNothingAfterTheBarrierOfAStopWithSavepoint() throws Exception
    {
        final RowsReader reader = new RowsReader("rows", rows(1_000, 1));
        final WeirJob<Entry, String> job = JobBuilder.named("sum", EntryCodec.INSTANCE)
            .timestamps(e -> 0, WatermarkStrategy.noWatermarks())
            .source(reader)
            .keyBy(e -> e.key)
            .process(SumFunction::new)
            .sink(new HandlerSink<>((shard, value) -> rows.add(value)))
            .build(context(2, 0, CheckpointSettings.every(dir, 0), new HeapStateBackend()));
        final JobStepper stepper = new JobStepper(job, log);
        final SourceAgent<Entry> source = job.sources().get(0);
        source.doWork();
        assertEquals(100, reader.position());
        final CompletableFuture<CheckpointStats> savepoint = job.coordinator().triggerSavepoint(true);
        stepper.stepUntil(() -> job.coordinator().barrierRequest() != 0, "the savepoint was triggered");
        assertThrows(AgentTerminationException.class, source::doWork, "the source stops at the barrier");
        assertEquals(100, reader.position(), "nothing is read after the barrier");
        stepper.stepUntil(savepoint::isDone, "the savepoint is done");
        assertEquals(100, manifest(savepoint.join().checkpointId(), CheckpointKind.SAVEPOINT).sources().get(0)
            .position());
        job.close(WeirJob.CloseMode.DISCARD);
    }

    @Test
    void shouldAbandonACheckpointWhoseBarrierNoProducerInjectedOnceEveryInputEnded() throws Exception
    {
        final WeirJob<Entry, String> job = job(1, 1, CheckpointSettings.every(dir, 0), new HeapStateBackend());
        final JobStepper stepper = new JobStepper(job, log);
        offer(job.producer(0), 10, 1);
        final CompletableFuture<CheckpointStats> inFlight = job.coordinator().triggerCheckpoint();
        stepper.stepUntil(() -> job.coordinator().barrierRequest() != 0, "the checkpoint was triggered");
        job.producer(0).endOfInput();
        stepper.stepUntil(inFlight::isDone, "the checkpoint is abandoned");
        assertTrue(inFlight.isCompletedExceptionally());
        final CompletableFuture<CheckpointStats> late = job.coordinator().triggerCheckpoint();
        stepper.stepUntil(late::isDone, "a checkpoint requested after every input ended is refused");
        final ExecutionException refused = assertThrows(ExecutionException.class, late::get);
        assertTrue(refused.getCause().getMessage().contains("input of every producer ended"),
            refused.getCause().getMessage());
        job.close(WeirJob.CloseMode.DISCARD);
    }

    @Test
    void shouldKeepTheDeltaChainWhenASavepointIsTakenBetweenCheckpoints() throws Exception
    {
        final CheckpointSettings settings = CheckpointSettings.every(dir, 0)
            .stateWriter(CheckpointSettings.StateWriter.CHECKPOINT_THREAD);
        final WeirJob<Entry, String> job = job(2, 1, settings, new HeapStateBackend());
        final JobStepper stepper = new JobStepper(job, log);
        final Producer<Entry> producer = job.producer(0);
        offer(producer, 100, 1);
        final CheckpointStats base = stepper.checkpoint(job.coordinator().triggerCheckpoint(), producer);
        offer(producer, 100, 10);
        final CheckpointStats savepoint = stepper.checkpoint(job.coordinator().triggerSavepoint(false), producer);
        // Only half of the keys change after the savepoint: the others' values of before it must come from the chain.
        offer(producer, 50, 100, KEYS / 2);
        final CheckpointStats delta = stepper.checkpoint(job.coordinator().triggerCheckpoint(), producer);
        assertTrue(base.full() && savepoint.savepoint() && !delta.full(),
            "the checkpoint after the savepoint is a delta: " + base + " / " + savepoint + " / " + delta);
        job.close(WeirJob.CloseMode.DISCARD);

        final WeirJob<Entry, String> fromCheckpoint = job(2, 1, settings, new HeapStateBackend());
        assertEquals(delta.checkpointId(), fromCheckpoint.restoredFrom().orElseThrow().checkpointId());
        final Map<Long, Long> expected = everyKey(10 + 100);
        for (long key = 0; key < KEYS / 2; key++)
        {
            expected.put(key, 10 + 100 + 1_000L);
        }
        assertEquals(expected, restoredSums(fromCheckpoint), "the chain holds the changes made before the savepoint");

        final Path savepointDir = new CheckpointDirectory(dir).savepointDirectory(savepoint.checkpointId());
        final WeirJob<Entry, String> fromSavepoint = job(2, 1, settings.restoreFrom(savepointDir),
            new HeapStateBackend());
        assertEquals(everyKey(10 + 100), restoredSums(fromSavepoint), "the savepoint is self-contained");
    }

    @Test
    void shouldFailTheJobOnceWithTheCauseWhenTheCheckpointThreadFails() throws Exception
    {
        // The first checkpoint's directory cannot be created: a file has its name.
        Files.writeString(new CheckpointDirectory(dir).checkpointDirectory(1), "in the way");
        final WeirJob<Entry, String> job = job(1, 1, CheckpointSettings.every(dir, 0), new HeapStateBackend());
        job.start();
        offer(job.producer(0), 100, 1);
        final CompletableFuture<CheckpointStats> future = job.triggerCheckpoint();
        while (!future.isDone() && !job.hasFailed())
        {
            job.producer(0).tryInjectRequestedBarrier();
            Thread.onSpinWait();
        }
        final ExecutionException abandoned = assertThrows(ExecutionException.class,
            () -> future.get(30, TimeUnit.SECONDS));
        final JobFailedException failed = assertThrows(JobFailedException.class, job::awaitTermination);
        final Throwable cause = failed.getCause();
        assertTrue(cause.getMessage().contains("cannot write manifest"), cause.toString());
        assertEquals(cause, abandoned.getCause().getCause(), "the checkpoint was abandoned with the same cause");
        assertEquals(0, cause.getSuppressed().length, "the failure is reported once: " +
            java.util.Arrays.toString(cause.getSuppressed()));
        assertThrows(JobFailedException.class, job::close);
    }

    /** A store whose snapshots' readers can be held at a gate, and which records who used it and when it closed. */
    static final class GatedStore extends io.weir.state.spi.ForwardingKeyedStateStore
    {
        final CountDownLatch reading = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final List<Thread> users = new CopyOnWriteArrayList<>();
        final List<String> problems = new CopyOnWriteArrayList<>();
        volatile boolean gated;
        volatile boolean closed;

        GatedStore(final KeyedStateStore delegate)
        {
            super(delegate);
        }

        private void use()
        {
            if (!users.contains(Thread.currentThread()))
            {
                users.add(Thread.currentThread());
            }
            if (closed)
            {
                problems.add(Thread.currentThread().getName() + " used the store after it was closed");
            }
        }

        public int get(final DirectBuffer key, final int keyLength, final MutableDirectBuffer valueOut)
        {
            use();
            return delegate.get(key, keyLength, valueOut);
        }

        public void put(final DirectBuffer key, final int keyLength, final DirectBuffer value, final int valueOffset,
            final int valueLength)
        {
            use();
            delegate.put(key, keyLength, value, valueOffset, valueLength);
        }

        public boolean remove(final DirectBuffer key, final int keyLength)
        {
            use();
            return delegate.remove(key, keyLength);
        }

        public StoreSnapshot snapshot(final long checkpointId, final boolean full)
        {
            final StoreSnapshot snapshot = delegate.snapshot(checkpointId, full);
            return new StoreSnapshot()
            {
                public long checkpointId()
                {
                    return snapshot.checkpointId();
                }

                public boolean isFull()
                {
                    return snapshot.isFull();
                }

                public void forEach(final EntryVisitor visitor)
                {
                    use();
                    if (gated)
                    {
                        reading.countDown();
                        try
                        {
                            release.await();
                        }
                        catch (final InterruptedException ex)
                        {
                            problems.add(Thread.currentThread().getName() + " was interrupted writing a snapshot");
                            throw new IllegalStateException("interrupted while writing a snapshot", ex);
                        }
                    }
                    snapshot.forEach(visitor);
                }

                public void release()
                {
                    snapshot.release();
                }
            };
        }

        public void close()
        {
            for (final Thread user : users)
            {
                // The closing thread itself may write back a cache in front of the store before closing it.
                if (user != Thread.currentThread() && user.isAlive())
                {
                    problems.add("closed while " + user.getName() + ", which used it, was still running");
                }
            }
            closed = true;
            delegate.close();
        }
    }

    /** A heap backend whose stores are {@link GatedStore}s. */
    static final class GatedBackend implements StateBackend
    {
        final HeapStateBackend heap = new HeapStateBackend();
        final List<GatedStore> stores = new CopyOnWriteArrayList<>();

        public String name()
        {
            return heap.name();
        }

        public KeyedStateStore createStore(final int shardId, final long expectedEntries)
        {
            final GatedStore store = new GatedStore(heap.createStore(shardId, expectedEntries));
            stores.add(store);
            return store;
        }

        public boolean shardMayReadItsSnapshots()
        {
            return heap.shardMayReadItsSnapshots();
        }
    }

    private static boolean waitingIn(final Thread thread, final String method)
    {
        if (thread.getState() != Thread.State.WAITING && thread.getState() != Thread.State.TIMED_WAITING)
        {
            return false;
        }
        for (final StackTraceElement frame : thread.getStackTrace())
        {
            if (frame.getMethodName().equals(method))
            {
                return true;
            }
        }
        return false;
    }

    @Test
    void shouldCompleteAStopSavepointThatIsBeingWrittenWhenAnInterruptedThreadClosesTheJob() throws Exception
    {
        stopWithSavepointWhileAnotherThreadCloses(true, 0);
    }

    /**
     * Agrona's {@code AgentRunner.close()} interrupts an agent's thread that has not ended within 5 s: a savepoint
     * of a large state, still being written then, would lose its files to the interrupt.
     */
    @Test
    void shouldCompleteAStopSavepointThatTakesLongerToWriteThanAnAgentRunnersCloseTimeout() throws Exception
    {
        stopWithSavepointWhileAnotherThreadCloses(false, TimeUnit.SECONDS.toNanos(6));
    }

    /**
     * One thread stops the job with a savepoint while the application's thread, once the job's threads ended,
     * closes it; the savepoint's state file is held in the writing until the closing thread waits for it (and
     * for {@code holdNs} more, unless the close returned).
     */
    private void stopWithSavepointWhileAnotherThreadCloses(final boolean interrupt, final long holdNs)
        throws Exception
    {
        final GatedBackend backend = new GatedBackend();
        final WeirJob<Entry, String> job = job(2, 1, CheckpointSettings.every(dir, 0), backend);
        job.start();
        final Producer<Entry> producer = job.producer(0);
        offer(producer, 1_000, 1);
        for (final GatedStore store : backend.stores)
        {
            store.gated = true;
        }
        final AtomicReference<Object> stopped = new AtomicReference<>();
        final Thread stopping = new Thread(() ->
        {
            try
            {
                stopped.set(job.stopWithSavepoint(60, TimeUnit.SECONDS));
            }
            catch (final Throwable ex)
            {
                stopped.set(ex);
            }
        }, "stopping");
        stopping.start();
        while (!producer.isStopRequested())
        {
            producer.tryInjectRequestedBarrier();
            Thread.onSpinWait();
        }
        // The checkpoint thread is writing the savepoint's state when the application's thread closes the job.
        while (backend.stores.get(0).reading.getCount() > 0 && backend.stores.get(1).reading.getCount() > 0)
        {
            Thread.onSpinWait();
        }
        final AtomicReference<Throwable> closeFailure = new AtomicReference<>();
        final List<Boolean> interruptKept = Collections.synchronizedList(new ArrayList<>());
        final Thread closing = new Thread(() ->
        {
            try
            {
                job.awaitTermination();
                if (interrupt)
                {
                    Thread.currentThread().interrupt();
                }
                job.close();
                interruptKept.add(Thread.currentThread().isInterrupted());
            }
            catch (final Throwable ex)
            {
                closeFailure.set(ex);
            }
        }, "closing");
        closing.start();
        while (closing.isAlive() && !waitingIn(closing, "stopCoordinator"))
        {
            Thread.onSpinWait();
        }
        final long waitingSinceNs = System.nanoTime();
        while (closing.isAlive() && System.nanoTime() - waitingSinceNs < holdNs)
        {
            Thread.sleep(1);
        }
        for (final GatedStore store : backend.stores)
        {
            store.release.countDown();
        }
        closing.join();
        stopping.join();

        assertInstanceOf(Path.class, stopped.get(), "stopWithSavepoint returned " + stopped.get() + "; log: " + log);
        final Path savepoint = (Path)stopped.get();
        final CheckpointDirectory directory = new CheckpointDirectory(dir);
        final CheckpointDirectory.Listing listing = directory.list().stream()
            .filter(l -> l.directory().equals(savepoint)).findFirst().orElseThrow();
        assertEquals(List.of(), directory.verify(listing), "the savepoint is complete and sound");
        assertEquals(null, closeFailure.get());
        assertEquals(List.of(interrupt), interruptKept, "close returns with the caller's interrupt kept");
        for (final GatedStore store : backend.stores)
        {
            assertTrue(store.closed);
            assertEquals(List.of(), store.problems);
        }
        assertEquals(everyKey(1_000 / KEYS), restoredSums(
            job(2, 1, CheckpointSettings.every(dir, 0).restoreFrom(savepoint), new HeapStateBackend())));
    }

    @Test
    void shouldFreeStoresOnlyAfterEveryShardThreadEndedWhenTheClosingThreadIsInterrupted() throws Exception
    {
        final CountDownLatch inClose = new CountDownLatch(1);
        final CountDownLatch releaseClose = new CountDownLatch(1);
        final List<String> interrupted = new CopyOnWriteArrayList<>();
        final GatedBackend backend = new GatedBackend();
        final WeirJob<Entry, String> job = JobBuilder.named("slow-close", EntryCodec.INSTANCE)
            .timestamps(e -> 0, WatermarkStrategy.noWatermarks())
            .keyBy(e -> e.key)
            .process(() -> new SumFunction()
            {
                public void close()
                {
                    // The shard thread lingers here, using its store, while the job is being closed.
                    inClose.countDown();
                    try
                    {
                        releaseClose.await();
                    }
                    catch (final InterruptedException ex)
                    {
                        interrupted.add(Thread.currentThread().getName());
                    }
                }
            })
            .sink(new HandlerSink<>((shard, value) -> rows.add(value)))
            .build(context(1, 1, CheckpointSettings.DISABLED, backend));
        job.start();
        offer(job.producer(0), 100, 1);
        final AtomicReference<Throwable> closeFailure = new AtomicReference<>();
        final Thread closing = new Thread(() ->
        {
            Thread.currentThread().interrupt();
            try
            {
                job.close(WeirJob.CloseMode.DISCARD);
            }
            catch (final Throwable ex)
            {
                closeFailure.set(ex);
            }
        }, "closing");
        closing.start();
        assertTrue(inClose.await(30, TimeUnit.SECONDS));
        while (closing.isAlive() && !waitingIn(closing, "close"))
        {
            Thread.onSpinWait();
        }
        assertFalse(backend.stores.get(0).closed, "the store is open while its shard's thread runs");
        releaseClose.countDown();
        closing.join();
        assertEquals(null, closeFailure.get());
        assertEquals(List.of(), interrupted, "closing the job interrupts none of its threads");
        assertTrue(backend.stores.get(0).closed);
        assertEquals(List.of(), backend.stores.get(0).problems);
    }
}
