package io.weir.tools.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import com.sun.management.GcInfo;

import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Records every collection of a run from the JVM's GC notifications, and summarises them separately for the
 * run after warm-up (the events whose latency is recorded), the warm-up (state and reused buffers still
 * growing), and what came before the first event (start-up, prefill), whose class loading and JIT allocation
 * say nothing about the event path.
 * <p>
 * Threads: notifications arrive on a JMX thread; {@link #summary} is called by the bench thread after the run.
 */
final class GcMonitor
{
    private final List<long[]> collections = new ArrayList<>(); // {start uptime ms, duration ms}, guarded by this
    private final long uptimeMinusNanoTimeMs;

    private GcMonitor()
    {
        uptimeMinusNanoTimeMs = ManagementFactory.getRuntimeMXBean().getUptime() - System.nanoTime() / 1_000_000;
    }

    static GcMonitor start()
    {
        final GcMonitor monitor = new GcMonitor();
        for (final GarbageCollectorMXBean bean : ManagementFactory.getGarbageCollectorMXBeans())
        {
            if (bean instanceof NotificationEmitter)
            {
                ((NotificationEmitter)bean).addNotificationListener((notification, handback) ->
                {
                    if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(
                        notification.getType()))
                    {
                        final GcInfo info = GarbageCollectionNotificationInfo.from(
                            (CompositeData)notification.getUserData()).getGcInfo();
                        monitor.record(info.getStartTime(), info.getDuration());
                    }
                }, null, null);
            }
        }
        return monitor;
    }

    /** JVM uptime in seconds at a {@link System#nanoTime()} instant, the time base of {@code -Xlog:gc}. */
    double uptimeSeconds(final long nanoTime)
    {
        return (nanoTime / 1_000_000 + uptimeMinusNanoTimeMs) / 1e3;
    }

    /**
     * Collections by phase, from {@link System#nanoTime()} instants: the run is [startNs, endNs], its warm-up
     * ends at warmupEndNs.
     */
    String summary(final long startNs, final long warmupEndNs, final long endNs)
    {
        final long startMs = toUptimeMs(startNs);
        final long warmupEndMs = toUptimeMs(warmupEndNs);
        final long endMs = toUptimeMs(endNs);
        final long[] after = new long[3]; // count, total ms, longest ms
        final long[] warmup = new long[3];
        final long[] before = new long[3];
        synchronized (this)
        {
            for (final long[] c : collections)
            {
                final long[] phase = c[0] < startMs ? before : c[0] < warmupEndMs ? warmup : c[0] <= endMs ? after : null;
                if (null != phase)
                {
                    phase[0]++;
                    phase[1] += c[1];
                    phase[2] = Math.max(phase[2], c[1]);
                }
            }
        }
        return String.format(Locale.ROOT, "after warm-up: %d collections, %d ms total, longest %d ms; " +
            "warm-up: %d, longest %d ms; start-up and prefill: %d, longest %d ms " +
            "(uptime: run %.3f-%.3f s, warm-up ends %.3f s; JMX, ms resolution; -Xlog:gc for detail)",
            after[0], after[1], after[2], warmup[0], warmup[2], before[0], before[2],
            uptimeSeconds(startNs), uptimeSeconds(endNs), uptimeSeconds(warmupEndNs));
    }

    private long toUptimeMs(final long nanoTime)
    {
        return nanoTime / 1_000_000 + uptimeMinusNanoTimeMs;
    }

    private synchronized void record(final long startUptimeMs, final long durationMs)
    {
        collections.add(new long[]{startUptimeMs, durationMs});
    }
}
