package io.weir.engine;

import java.util.regex.Pattern;

/**
 * Points at the end of a job where the JVM halts at once, as a {@code kill -9} would there, when the system property
 * {@value #PROPERTY} names one: the exactly-once process tests use them to crash a job inside windows too short for a
 * signal to land in, such as between the output's publication and the record of the job's end. The points:
 * <ul>
 *     <li>{@code published-N}: sink {@code N} of the job's plan (0-based: a dataflow's sinks in the order of its
 *     {@code sinkTo} calls; a {@link JobBuilder} job's main sink, then its side outputs in the order they were
 *     declared) has published its output, the sinks after it have not, and the job's end is not recorded. Without
 *     checkpoints a file sink has removed its parts by then;</li>
 *     <li>{@code finished}: a checkpointed job has published every output and recorded its end (the checkpoint
 *     directory's {@code FINISHED} marker), but its sinks have not yet removed what the end makes unnecessary
 *     (their parts). A job without checkpoints never reaches it.</li>
 * </ul>
 * The JVM exits with {@value #EXIT_STATUS}, the status a shell gives a process killed by SIGKILL, after one line on
 * standard error. A value that names no point is said once on standard error, when a job first ends, and ignored.
 * Weir's own runtime only: a job run on Flink ignores the property. Without it (the normal case) a point costs a
 * comparison with null. Any thread.
 */
final class CrashPoints
{
    /** The system property naming the point to halt at. */
    static final String PROPERTY = "weir.test.crash-at";
    /** 128 + SIGKILL. */
    static final int EXIT_STATUS = 137;
    private static final Pattern POINTS = Pattern.compile("published-\\d+|finished");
    private static final String CRASH_AT = crashAt(System.getProperty(PROPERTY));

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

    private static String crashAt(final String value)
    {
        if (null != value && !POINTS.matcher(value).matches())
        {
            System.err.println("weir: ignoring " + PROPERTY + "=" + value + ": the crash points are published-N " +
                "(N a sink's index) and finished");
            return null;
        }
        return value;
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
