package io.weir.state.offheap;

import io.weir.state.spi.EntryVisitor;
import io.weir.state.spi.KeyedStateStore;
import io.weir.state.spi.StoreSnapshot;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Runs a Chronicle store's checkpoint code once per JVM on a small scratch store in memory, before the first event:
 * full snapshots read by segment scan while the store is written (copy-on-write pre-images), the first full snapshot
 * from the log, deltas, removals and re-inserts.
 * <p>
 * Why: a store that starts empty takes its first full snapshot from its log, so the first segment scan comes only
 * with a later full snapshot (a base the shard writes, a savepoint, or the checkpoint after an abandoned one), far
 * into the job. By then C2 has compiled the shard's event loop with the branch into the copy-on-write path never
 * taken, and the first write that takes it sends the event loop back to the interpreter (JFR
 * {@code jdk.Deoptimization}: {@code unstable_if} in {@link ChronicleStoreSnapshot#onFirstChange}, then class checks
 * in Chronicle's iteration context). At 500k events/s the shard fell 40-160 ms behind there. Run here first, the
 * same code loads its classes and records the branch as taken, and the event loop is compiled with it.
 * <p>
 * Run once per JVM, for a backend that asks for it ({@link ChronicleStateBackend.Context#warmUpCheckpointPaths}).
 * The thread wiring a job with checkpoints {@link #start}s it on a thread of its own
 * ({@link ChronicleStateBackend#prepareForCheckpoints}), where it overlaps the creation of the job's maps; each
 * shard {@link #await}s it before its first event ({@link ChronicleKeyedStateStore#prepareForCheckpoints}), so the
 * compiled event loop still sees its profile, and the job's sources read nothing until every shard has opened. It
 * takes 0.2-1 s, mostly class loading. A store used without a job, from such a backend, runs it on the thread that
 * prepares it for checkpoints. Profiles are per method and the same for every thread. A failure propagates to every
 * waiting shard and fails the job: the scratch store is an in-memory map like the job's own, so a machine that
 * cannot create it cannot create those either.
 * <p>
 * One part must run on the shard thread itself, since Chronicle keeps a context chain per thread and map:
 * {@link ChronicleKeyedStateStore#prepareForCheckpoints} has its thread join the map's iteration context.
 */
final class CheckpointPathWarmUp
{
    /** Keys of the scratch store: enough for every segment of its map to hold entries. */
    static final int KEYS = 2_048;
    /** Snapshots taken, alternately full and delta; each is read while all keys are written again. */
    static final int SNAPSHOTS = 8;
    /** Entries read per step, as the shard reads its own snapshot between events. */
    private static final int READ_BUDGET = 64;
    private static final int KEY_LENGTH = 16;
    private static final int VALUE_LENGTH = 16;
    private static final Once ONCE = new Once(CheckpointPathWarmUp::run);

    private CheckpointPathWarmUp()
    {
    }

    /** Starts {@link #run} on a daemon thread, the first time anything starts or awaits it in this JVM; any thread. */
    static void start()
    {
        ONCE.start();
    }

    /**
     * Waits for the run {@link #start} began, or runs it on this thread if none was started in this JVM.
     *
     * @throws IllegalStateException with the run's failure as its cause, to every caller, if it failed.
     */
    static void await()
    {
        ONCE.await();
    }

    /** True once anything started or awaited the run in this JVM (tests). */
    static boolean begun()
    {
        return ONCE.begun();
    }

    /** True once the run completed without failing (tests). */
    static boolean succeeded()
    {
        return ONCE.succeeded();
    }

    /** A task run once, started on a thread of its own or run by the first to await it. Thread-safe. */
    static final class Once
    {
        static final String THREAD_NAME = "weir-checkpoint-warm-up";

        private final Supplier<Long> task;
        private final AtomicReference<CompletableFuture<Long>> run = new AtomicReference<>();

        Once(final Supplier<Long> task)
        {
            this.task = task;
        }

        void start()
        {
            final CompletableFuture<Long> future = new CompletableFuture<>();
            if (run.compareAndSet(null, future))
            {
                final Thread thread = new Thread(() -> complete(future), THREAD_NAME);
                thread.setDaemon(true);
                thread.start();
            }
        }

        boolean begun()
        {
            return null != run.get();
        }

        boolean succeeded()
        {
            final CompletableFuture<Long> future = run.get();
            return null != future && future.isDone() && !future.isCompletedExceptionally();
        }

        long await()
        {
            final CompletableFuture<Long> future = new CompletableFuture<>();
            if (run.compareAndSet(null, future))
            {
                complete(future);
            }
            try
            {
                return run.get().join();
            }
            catch (final CompletionException ex)
            {
                throw new IllegalStateException("the checkpoint path warm-up of the chronicle backend failed: " +
                    ex.getCause(), ex.getCause());
            }
        }

        private void complete(final CompletableFuture<Long> future)
        {
            try
            {
                future.complete(task.get());
            }
            catch (final Throwable ex)
            {
                future.completeExceptionally(ex);
            }
        }
    }

    /**
     * Exercises the checkpoint paths on a scratch in-memory store, closed before returning.
     *
     * @return entries the snapshots visited: the caller's check that the paths ran.
     */
    static long run()
    {
        // The Chronicle store alone: its snapshot paths are the ones a first checkpoint would compile.
        final ChronicleStateBackend backend =
            new ChronicleStateBackend(new ChronicleStateBackend.Context().nurserySlots(0));
        final KeyedStateStore store = backend.createStore(0, KEYS * 2L);
        try
        {
            return exercise(store);
        }
        finally
        {
            store.close();
        }
    }

    private static long exercise(final KeyedStateStore store)
    {
        final UnsafeBuffer key = new UnsafeBuffer(new byte[KEY_LENGTH]);
        final UnsafeBuffer value = new UnsafeBuffer(new byte[VALUE_LENGTH]);
        final ExpandableDirectByteBuffer stored = new ExpandableDirectByteBuffer(VALUE_LENGTH);
        final CountingVisitor visitor = new CountingVisitor();
        // A store tracked from empty: the first full snapshot below is read from the log.
        ((ChronicleKeyedStateStore)store).trackChangesFromEmpty();
        for (int i = 0; i < KEYS; i++)
        {
            write(store, key, value, stored, i, 0);
        }
        long checkpointId = 1;
        for (int snapshot = 0; snapshot < SNAPSHOTS; snapshot++)
        {
            final StoreSnapshot point = store.snapshot(checkpointId++, snapshot % 2 == 0);
            try
            {
                int next = 0;
                boolean more = true;
                while (more)
                {
                    // A read left open, as a get the shard made last leaves the look-up open for a put: the scan
                    // then nests in it, on its segment sometimes (Chronicle's context chain).
                    read(store, key, stored, next);
                    more = point.read(visitor, READ_BUDGET);
                    // Writes between read steps, as events arrive between the shard's steps of writing its file.
                    for (int w = 0; w < READ_BUDGET && next < KEYS; w++, next++)
                    {
                        write(store, key, value, stored, next, snapshot + 1);
                    }
                }
                for (; next < KEYS; next++)
                {
                    write(store, key, value, stored, next, snapshot + 1);
                }
            }
            finally
            {
                point.release();
            }
        }
        return visitor.entries;
    }

    private static int read(
        final KeyedStateStore store, final UnsafeBuffer key, final ExpandableDirectByteBuffer stored, final int i)
    {
        key.putLong(0, 0x5EED_0000_0000_0000L | i);
        key.putLong(Long.BYTES, i * 0x9E3779B97F4A7C15L);
        return store.get(key, KEY_LENGTH, stored);
    }

    /** A read-modify-write of key {@code i}; every seventh key is removed instead, and re-inserted next round. */
    private static void write(
        final KeyedStateStore store,
        final UnsafeBuffer key,
        final UnsafeBuffer value,
        final ExpandableDirectByteBuffer stored,
        final int i,
        final int round)
    {
        final int length = read(store, key, stored, i);
        if (i % 7 == round % 7 && length != KeyedStateStore.MISSING)
        {
            store.remove(key, KEY_LENGTH);
            return;
        }
        value.putLong(0, round);
        value.putLong(Long.BYTES, length == KeyedStateStore.MISSING ? i : stored.getLong(Long.BYTES) + 1);
        store.put(key, KEY_LENGTH, value, 0, VALUE_LENGTH);
    }

    private static final class CountingVisitor implements EntryVisitor
    {
        long entries;

        public void onEntry(final DirectBuffer key, final int keyLength, final DirectBuffer value, final int valueLength)
        {
            entries++;
        }
    }
}
