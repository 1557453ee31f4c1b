package io.weir.engine;

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
        assumeTrue(ThreadScheduling.currentNiceAndPolicy() != null, "Linux /proc only");
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
