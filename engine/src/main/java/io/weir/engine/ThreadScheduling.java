package io.weir.engine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Lowers the scheduling priority of the calling thread, for work that must never preempt a hot thread (the
 * checkpoint thread's file writing, fsync and compaction). On Linux, through libc via JNA:
 * <ul>
 *     <li>{@link Policy#IDLE}: {@code sched_setscheduler(tid, SCHED_IDLE)}: the thread runs only on a core no
 *     normal thread wants, and never preempts one on waking;</li>
 *     <li>{@link Policy#NICE}: {@code setpriority(PRIO_PROCESS, tid, 19)}: the lowest normal priority, a share of
 *     about 1.5% of a core against a busy thread of priority 0;</li>
 *     <li>{@link Policy#NORMAL}: left as it is.</li>
 * </ul>
 * Lowering a thread's own priority needs no privilege. Where the call is not available (not Linux, no JNA, a
 * sandbox that refuses it) the thread keeps its priority: that is logged once per JVM, and the job goes on.
 * <p>
 * The policy comes from the system property {@value #PROP_NAME} ({@code idle}, {@code nice} or {@code normal}),
 * default {@code normal}: a lowered checkpoint thread is starved wherever the job's own threads fill every core
 * (a 2-core machine running 2 shards and a producer completed 1 checkpoint in 20 s at {@code idle}, 11 at
 * {@code normal}), and a checkpoint that never completes loses more than a slower tail. Choose {@code idle} where
 * a core is kept free of hot threads.
 */
public final class ThreadScheduling
{
    /** System property naming the checkpoint thread's {@link Policy}. */
    public static final String PROP_NAME = "weir.checkpoint.thread.priority";

    /**
     * System property: the CPUs the checkpoint thread runs on, a list such as {@code 0} or {@code 0-1,4} (see
     * {@link #pinCurrentThread}); unset: wherever the scheduler puts it. Pinning it away from the core of a hot
     * thread (pinned there by the application, e.g. with {@link #pinCurrentThread}) keeps it from ever waking up on
     * that core: left to the scheduler on 2 cores, it preempted an invoking thread some 260 times a second.
     */
    public static final String CPUS_PROP_NAME = "weir.checkpoint.thread.cpus";

    private static final int SCHED_IDLE = 5;
    private static final int PRIO_PROCESS = 0;
    private static final int LOWEST_NICE = 19;
    private static final AtomicBoolean WARNED = new AtomicBoolean();
    private static final AtomicBoolean WARNED_PIN = new AtomicBoolean();
    private static final int MAX_CPUS = 1024;

    /** How low a thread goes. */
    public enum Policy
    {
        /** SCHED_IDLE. */
        IDLE,
        /** nice 19. */
        NICE,
        /** Unchanged. */
        NORMAL
    }

    private ThreadScheduling()
    {
    }

    /** The policy of {@value #PROP_NAME}; a bad value fails naming the property. */
    public static Policy configuredPolicy()
    {
        final String value = System.getProperty(PROP_NAME, "normal");
        try
        {
            return Policy.valueOf(value.trim().toUpperCase(Locale.ROOT));
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException("system property " + PROP_NAME + " must be idle, nice or normal, " +
                "got '" + value + "'", ex);
        }
    }

    /**
     * Apply {@code policy} to the calling thread.
     *
     * @param log told once per JVM when the call is not permitted or not available.
     * @return true if the thread's priority is now as asked.
     */
    public static boolean lowerCurrentThread(final Policy policy, final Consumer<String> log)
    {
        if (policy == Policy.NORMAL)
        {
            return true;
        }
        try
        {
            final int tid = currentTid();
            final int result = policy == Policy.IDLE ?
                Libc.sched_setscheduler(tid, SCHED_IDLE, new int[]{0}) :
                Libc.setpriority(PRIO_PROCESS, tid, LOWEST_NICE);
            if (result != 0)
            {
                warnOnce(log, policy, "the call returned " + result);
                return false;
            }
            return true;
        }
        catch (final Exception | LinkageError ex)
        {
            warnOnce(log, policy, ex.toString());
            return false;
        }
    }

    /**
     * Pin the calling thread to the CPUs of {@code cpuList} ({@code sched_setaffinity}), e.g. an application's hot
     * thread to a core of its own. Pinning one's own thread needs no privilege; where the call is refused or not
     * available (not Linux, no JNA, a CPU outside the process's set) the thread stays where it was: that is logged
     * once per JVM.
     *
     * @param cpuList CPU numbers and ranges separated by commas: {@code 1}, {@code 0-1,4}.
     * @return true if the thread is now pinned as asked.
     * @throws IllegalArgumentException if the list is malformed.
     */
    public static boolean pinCurrentThread(final String cpuList, final Consumer<String> log)
    {
        final long[] mask = cpuMask(cpuList);
        try
        {
            final int result = Libc.sched_setaffinity(currentTid(), mask.length * Long.BYTES, mask);
            if (result != 0)
            {
                warnPinOnce(log, cpuList, "the call returned " + result);
                return false;
            }
            return true;
        }
        catch (final Exception | LinkageError ex)
        {
            warnPinOnce(log, cpuList, ex.toString());
            return false;
        }
    }

    /** The CPU set of {@code cpuList} as a {@code cpu_set_t} bit mask. */
    static long[] cpuMask(final String cpuList)
    {
        final long[] mask = new long[MAX_CPUS / Long.SIZE];
        final String trimmed = cpuList.trim();
        try
        {
            if (trimmed.isEmpty())
            {
                throw new NumberFormatException("empty");
            }
            for (final String part : trimmed.split(","))
            {
                final int dash = part.indexOf('-');
                final int first = Integer.parseInt(part.substring(0, dash < 0 ? part.length() : dash).trim());
                final int last = dash < 0 ? first : Integer.parseInt(part.substring(dash + 1).trim());
                if (first < 0 || last < first || last >= MAX_CPUS)
                {
                    throw new NumberFormatException(part);
                }
                for (int cpu = first; cpu <= last; cpu++)
                {
                    mask[cpu / Long.SIZE] |= 1L << (cpu % Long.SIZE);
                }
            }
        }
        catch (final NumberFormatException | IndexOutOfBoundsException ex)
        {
            throw new IllegalArgumentException("a CPU list is numbers and ranges 0 to " + (MAX_CPUS - 1) +
                " separated by commas, such as 0 or 0-1,4; got '" + cpuList + "'", ex);
        }
        return mask;
    }

    /**
     * {@code agent}, lowered to the {@link #configuredPolicy()} on its own thread before its {@code onStart}: for
     * the checkpoint thread, whose file writing, fsync and compaction should run only where no shard or application
     * thread wants the core. Threads the agent's thread creates inherit the policy.
     */
    static org.agrona.concurrent.Agent lowered(final org.agrona.concurrent.Agent agent, final Consumer<String> log)
    {
        final Policy policy = configuredPolicy();
        final String cpus = System.getProperty(CPUS_PROP_NAME);
        if (null != cpus)
        {
            try
            {
                cpuMask(cpus);
            }
            catch (final IllegalArgumentException ex)
            {
                throw new IllegalArgumentException("system property " + CPUS_PROP_NAME + ": " + ex.getMessage(), ex);
            }
        }
        return new org.agrona.concurrent.Agent()
        {
            public void onStart()
            {
                lowerCurrentThread(policy, log);
                if (null != cpus)
                {
                    pinCurrentThread(cpus, log);
                }
                agent.onStart();
            }

            public int doWork() throws Exception
            {
                return agent.doWork();
            }

            public void onClose()
            {
                agent.onClose();
            }

            public String roleName()
            {
                return agent.roleName();
            }
        };
    }

    /** The Linux thread id of the calling thread, from {@code /proc/thread-self} ("PID/task/TID"). */
    static int currentTid() throws java.io.IOException
    {
        final Path link = Files.readSymbolicLink(Path.of("/proc/thread-self"));
        return Integer.parseInt(link.getFileName().toString());
    }

    /**
     * The calling thread's scheduling policy and nice value, as {@code /proc/thread-self/stat} reports them
     * (fields 19 and 41): for tests and reports. Null where not readable.
     */
    static int[] currentNiceAndPolicy()
    {
        try
        {
            final String stat = Files.readString(Path.of("/proc/thread-self/stat"));
            // The command name, field 2, is in parentheses and may hold spaces: count fields after its ')'.
            final String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return new int[]{Integer.parseInt(fields[19 - 3]), Integer.parseInt(fields[41 - 3])};
        }
        catch (final Exception ex)
        {
            return null;
        }
    }

    private static void warnOnce(final Consumer<String> log, final Policy policy, final String why)
    {
        if (WARNED.compareAndSet(false, true))
        {
            log.accept("cannot lower the checkpoint thread's priority to " + policy.name().toLowerCase(Locale.ROOT) +
                " (" + why + "); it runs at normal priority and may preempt the shards (set -D" + PROP_NAME +
                "=normal to skip the call)");
        }
    }

    private static void warnPinOnce(final Consumer<String> log, final String cpuList, final String why)
    {
        if (WARNED_PIN.compareAndSet(false, true))
        {
            log.accept("cannot pin a thread to CPUs " + cpuList + " (" + why + "); it runs where the scheduler puts it");
        }
    }

    /** libc, bound on first use. */
    private static final class Libc
    {
        static
        {
            com.sun.jna.Native.register(com.sun.jna.NativeLibrary.getInstance("c"));
        }

        static native int sched_setscheduler(int pid, int policy, int[] param) throws com.sun.jna.LastErrorException;

        static native int setpriority(int which, int who, int prio) throws com.sun.jna.LastErrorException;

        static native int sched_setaffinity(int pid, int cpusetsize, long[] mask) throws com.sun.jna.LastErrorException;
    }
}
