package io.weir.engine;

import io.weir.api.eventtime.WatermarkStrategy;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The checkpoint thread's lowered priority, read back from /proc on a thread of the test's own. */
class ThreadSchedulingTest
{
    private static final int SCHED_OTHER = 0;
    private static final int SCHED_IDLE = 5;

    @Test
    void shouldPutTheCallingThreadAtSchedIdle() throws Exception
    {
        final int[] before = ThreadScheduling.currentNiceAndPolicy();
        assumeTrue(before != null, "Linux /proc only");
        assumeTrue(before[0] == 0 && before[1] == SCHED_OTHER, "the test thread runs at normal priority");
        final List<String> log = new ArrayList<>();
        final int[] idle = onNewThread(() ->
        {
            assertTrue(ThreadScheduling.lowerCurrentThread(ThreadScheduling.Policy.IDLE, log::add), log.toString());
            return ThreadScheduling.currentNiceAndPolicy();
        });
        assertEquals(SCHED_IDLE, idle[1], "policy; log: " + log);
        final int[] nice = onNewThread(() ->
        {
            ThreadScheduling.lowerCurrentThread(ThreadScheduling.Policy.NICE, log::add);
            return ThreadScheduling.currentNiceAndPolicy();
        });
        assertArrayEquals(new int[]{19, SCHED_OTHER}, nice, "nice; log: " + log);
        final int[] mine = ThreadScheduling.currentNiceAndPolicy();
        assertNotNull(mine);
        assertEquals(SCHED_OTHER, mine[1], "only the calling thread is lowered");
    }

    @Test
    void shouldRunTheJobsCheckpointThreadAtSchedIdleAndNoOtherThreadWhenIdleIsChosen(@org.junit.jupiter.api.io.TempDir final
        java.nio.file.Path dir) throws Exception
    {
        final int[] mine = ThreadScheduling.currentNiceAndPolicy();
        assumeTrue(mine != null && mine[1] == SCHED_OTHER, "Linux /proc, the test thread at normal priority");
        final String old = System.setProperty(ThreadScheduling.PROP_NAME, "idle");
        try (WeirJob<ProcessingTimeTimerTest.Command, String> job =
            JobBuilder.named("low-priority", ProcessingTimeTimerTest.CommandCodec.INSTANCE)
                .timestamps(c -> 0L, WatermarkStrategy.noWatermarks())
                .keyBy(c -> c.key)
                .process(ProcessingTimeTimerTest.TimerFunction::new)
                .sink(new HandlerSink<>((shard, value) -> { }))
                .build(new WeirContext()
                    .shards(1)
                    .externalProducers(1)
                    .countersEnabled(false)
                    .checkpoints(io.weir.engine.checkpoint.CheckpointSettings.every(dir, 0))
                    .log(line -> { })))
        {
            job.start();
            final java.util.Map<String, Integer> policies = new java.util.HashMap<>();
            final long deadlineNs = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
            while (policies.getOrDefault("weir-checkpoint", -1) != SCHED_IDLE && System.nanoTime() < deadlineNs)
            {
                policies.clear();
                try (java.util.stream.Stream<java.nio.file.Path> tasks =
                    java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/task")))
                {
                    for (final java.nio.file.Path task : (Iterable<java.nio.file.Path>)tasks::iterator)
                    {
                        try
                        {
                            final String comm = java.nio.file.Files.readString(task.resolve("comm")).trim();
                            final String stat = java.nio.file.Files.readString(task.resolve("stat"));
                            final String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                            policies.put(comm, Integer.parseInt(fields[41 - 3]));
                        }
                        catch (final java.io.IOException ex)
                        {
                            // The thread ended meanwhile.
                        }
                    }
                }
                Thread.sleep(1);
            }
            assertEquals(SCHED_IDLE, policies.get("weir-checkpoint"), "threads and policies: " + policies);
            assertEquals(SCHED_OTHER, policies.get("weir-shard-0"), "threads and policies: " + policies);
        }
        finally
        {
            if (null == old)
            {
                System.clearProperty(ThreadScheduling.PROP_NAME);
            }
            else
            {
                System.setProperty(ThreadScheduling.PROP_NAME, old);
            }
        }
    }

    @Test
    void shouldLeaveTheCheckpointThreadAtNormalPriorityByDefault()
    {
        final String old = System.clearProperty(ThreadScheduling.PROP_NAME);
        try
        {
            assertEquals(ThreadScheduling.Policy.NORMAL, ThreadScheduling.configuredPolicy());
        }
        finally
        {
            if (null != old)
            {
                System.setProperty(ThreadScheduling.PROP_NAME, old);
            }
        }
    }

    @Test
    void shouldNameThePropertyOfABadPolicy()
    {
        final String old = System.getProperty(ThreadScheduling.PROP_NAME);
        System.setProperty(ThreadScheduling.PROP_NAME, "lowest");
        try
        {
            final IllegalArgumentException ex =
                assertThrows(IllegalArgumentException.class, ThreadScheduling::configuredPolicy);
            assertTrue(ex.getMessage().contains(ThreadScheduling.PROP_NAME + " must be idle, nice or normal"),
                ex.getMessage());
        }
        finally
        {
            if (old == null)
            {
                System.clearProperty(ThreadScheduling.PROP_NAME);
            }
            else
            {
                System.setProperty(ThreadScheduling.PROP_NAME, old);
            }
        }
    }

    @Test
    void shouldPinTheCallingThreadToTheListedCpusOnly() throws Exception
    {
        final String mine = cpusAllowed();
        assumeTrue(mine != null && !mine.equals("0"), "Linux /proc, and more than CPU 0 allowed");
        final List<String> log = new ArrayList<>();
        final String[] pinned = new String[1];
        onNewThread(() ->
        {
            assertTrue(ThreadScheduling.pinCurrentThread("0", log::add), log.toString());
            pinned[0] = cpusAllowed();
            return null;
        });
        assertEquals("0", pinned[0], "log: " + log);
        assertEquals(mine, cpusAllowed(), "only the calling thread is pinned");
    }

    @Test
    void shouldRefuseAMalformedCpuList()
    {
        for (final String bad : new String[]{"", "a", "1-", "3-1", "-1", "0,,1", "1024"})
        {
            final IllegalArgumentException ex =
                assertThrows(IllegalArgumentException.class, () -> ThreadScheduling.cpuMask(bad), bad);
            assertTrue(ex.getMessage().contains("got '" + bad + "'"), ex.getMessage());
        }
        assertEquals(0b10011L, ThreadScheduling.cpuMask("0-1, 4")[0]);
        assertEquals(1L, ThreadScheduling.cpuMask("64")[1]);
    }

    /** The calling thread's {@code Cpus_allowed_list}, or null where /proc does not say. */
    private static String cpusAllowed()
    {
        try
        {
            for (final String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/thread-self/status")))
            {
                if (line.startsWith("Cpus_allowed_list:"))
                {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
            return null;
        }
        catch (final java.io.IOException ex)
        {
            return null;
        }
    }

    private static int[] onNewThread(final java.util.concurrent.Callable<int[]> task) throws Exception
    {
        final AtomicReference<Object> result = new AtomicReference<>();
        final Thread thread = new Thread(() ->
        {
            try
            {
                result.set(task.call());
            }
            catch (final Throwable ex)
            {
                result.set(ex);
            }
        });
        thread.start();
        thread.join();
        if (result.get() instanceof Throwable)
        {
            throw new AssertionError((Throwable)result.get());
        }
        return (int[])result.get();
    }
}
