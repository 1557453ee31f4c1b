package io.weir.state.offheap;

import io.weir.state.spi.KeyedStateStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckpointPathWarmUpTest
{
    @Test
    @Timeout(60)
    void shouldReadEverySnapshotOfTheScratchStoreWhileWritingIt()
    {
        // The first snapshot (full, from the log) holds every key; each later one, full or delta, at least the
        // keys written since the previous one that were not removed (six in seven).
        final long minimum = CheckpointPathWarmUp.KEYS +
            (CheckpointPathWarmUp.SNAPSHOTS - 1) * (CheckpointPathWarmUp.KEYS * 6L / 7);
        final long visited = CheckpointPathWarmUp.run();
        assertTrue(visited >= minimum, "visited " + visited + " entries, expected at least " + minimum);
    }

    @Test
    @Timeout(60)
    void aStoreOpensForCheckpointsWithoutTheWarmUpUnlessItsBackendAsksForIt()
    {
        // No other test of this module starts the JVM's warm-up: the backend's own, asked for below, is the first.
        assertFalse(CheckpointPathWarmUp.begun(), "a test of this module started the warm-up before this one");
        final ChronicleStateBackend plain = new ChronicleStateBackend(new ChronicleStateBackend.Context());
        assertFalse(plain.context().warmUpCheckpointPaths(), "off by default");
        plain.prepareForCheckpoints();
        try (KeyedStateStore store = plain.createStore(0, 1024))
        {
            store.prepareForCheckpoints();
        }
        assertFalse(CheckpointPathWarmUp.begun(), "a backend that did not ask for it started the warm-up");

        final ChronicleStateBackend warmed =
            new ChronicleStateBackend(new ChronicleStateBackend.Context().warmUpCheckpointPaths(true));
        warmed.prepareForCheckpoints();
        assertTrue(CheckpointPathWarmUp.begun(), "the backend that asks for it starts the warm-up");
        try (KeyedStateStore store = warmed.createStore(0, 1024))
        {
            store.prepareForCheckpoints();
            assertTrue(CheckpointPathWarmUp.succeeded(), "the store opened for checkpoints once the run was done");
        }
    }

    @Test
    @Timeout(60)
    void startRunsTheTaskOnItsOwnThreadOnceAndAwaitWaitsForIt() throws Exception
    {
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger runs = new AtomicInteger();
        final AtomicReference<String> thread = new AtomicReference<>();
        final CheckpointPathWarmUp.Once once = new CheckpointPathWarmUp.Once(() ->
        {
            runs.incrementAndGet();
            thread.set(Thread.currentThread().getName());
            try
            {
                release.await();
            }
            catch (final InterruptedException ex)
            {
                throw new IllegalStateException(ex);
            }
            return 42L;
        });
        once.start(); // returns while the task is blocked
        once.start();
        final Thread waiter = new Thread(once::await);
        waiter.start();
        waiter.join(200);
        assertTrue(waiter.isAlive(), "await waits for the running task");
        release.countDown();
        waiter.join();
        assertEquals(42L, once.await());
        assertEquals(1, runs.get());
        assertEquals(CheckpointPathWarmUp.Once.THREAD_NAME, thread.get());
    }

    @Test
    void awaitWithoutStartRunsOnTheCallerAndAFailureReachesEveryCaller()
    {
        final AtomicReference<Thread> ranOn = new AtomicReference<>();
        final IllegalArgumentException failure = new IllegalArgumentException("no memory for the scratch map");
        final CheckpointPathWarmUp.Once once = new CheckpointPathWarmUp.Once(() ->
        {
            ranOn.set(Thread.currentThread());
            throw failure;
        });
        final IllegalStateException first = assertThrows(IllegalStateException.class, once::await);
        assertSame(Thread.currentThread(), ranOn.get());
        assertSame(failure, first.getCause());
        once.start(); // already run: starts nothing
        final IllegalStateException second = assertThrows(IllegalStateException.class, once::await);
        assertSame(failure, second.getCause());
        assertFalse(second.getMessage().isEmpty());
    }
}
