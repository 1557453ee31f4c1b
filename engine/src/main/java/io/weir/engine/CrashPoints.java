package io.weir.engine;

/**
 * Points at the end of a job where the JVM halts at once, as a {@code kill -9} would there, when the system property
 * {@value #PROPERTY} names one: the exactly-once process tests use them to crash a job inside windows too short for a
 * signal to land in, such as between the output's publication and the record of the job's end. The points:
 * <ul>
 *     <li>{@code published-N}: the job's sink {@code N} (0-based, in the order the job added its sinks) has published
 *     its output, the sinks after it have not, and the job's end is not recorded;</li>
 *     <li>{@code finished}: every sink has published and the job's end is recorded (a checkpointed job's
 *     {@code FINISHED} marker), but the sinks have not yet removed what the end makes unnecessary (their parts).</li>
 * </ul>
 * The JVM exits with {@value #EXIT_STATUS}, the status a shell gives a process killed by SIGKILL, after one line on
 * standard error. Without the property (the normal case) a point costs a comparison with null. Any thread.
 */
final class CrashPoints
{
    /** The system property naming the point to halt at. */
    static final String PROPERTY = "weir.test.crash-at";
    /** 128 + SIGKILL. */
    static final int EXIT_STATUS = 137;
    private static final String CRASH_AT = System.getProperty(PROPERTY);

    private CrashPoints()
    {
    }

    /** The point after sink {@code sinkIndex} published its output. */
    static void published(final int sinkIndex)
    {
        if (null != CRASH_AT)
        {
            reached("published-" + sinkIndex);
        }
    }

    /** The point after the job's end was recorded. */
    static void finished()
    {
        if (null != CRASH_AT)
        {
            reached("finished");
        }
    }

    private static void reached(final String point)
    {
        if (CRASH_AT.equals(point))
        {
            System.err.println("weir: halting at crash point " + point + " (" + PROPERTY + ")");
            System.err.flush();
            Runtime.getRuntime().halt(EXIT_STATUS);
        }
    }
}
