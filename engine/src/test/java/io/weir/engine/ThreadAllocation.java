package io.weir.engine;

import java.lang.management.ManagementFactory;

/** Bytes allocated by the calling thread so far (HotSpot's per-thread counter): what allocation tests compare. */
public final class ThreadAllocation
{
    private static final com.sun.management.ThreadMXBean THREADS =
        (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();

    private ThreadAllocation()
    {
    }

    public static long bytesSoFar()
    {
        return THREADS.getCurrentThreadAllocatedBytes();
    }
}
