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
 * measured window (first event offered to last result) and for what came before it (start-up, prefill), whose
 * class loading and JIT allocation say nothing about the event path.
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

    /** Collections that started inside [startNs, endNs] ({@link System#nanoTime()}), and those before it. */
    String summary(final long startNs, final long endNs)
    {
        final long fromMs = startNs / 1_000_000 + uptimeMinusNanoTimeMs;
        final long toMs = endNs / 1_000_000 + uptimeMinusNanoTimeMs;
        int during = 0;
        long duringTotalMs = 0;
        long duringMaxMs = 0;
        int before = 0;
        long beforeMaxMs = 0;
        synchronized (this)
        {
            for (final long[] c : collections)
            {
                if (c[0] >= fromMs && c[0] <= toMs)
                {
                    during++;
                    duringTotalMs += c[1];
                    duringMaxMs = Math.max(duringMaxMs, c[1]);
                }
                else if (c[0] < fromMs)
                {
                    before++;
                    beforeMaxMs = Math.max(beforeMaxMs, c[1]);
                }
            }
        }
        return String.format(Locale.ROOT, "%d collections, %d ms total, longest %d ms during the measured run " +
            "(uptime %.3f-%.3f s); %d before it (start-up, prefill), longest %d ms " +
            "(JMX, ms resolution; -Xlog:gc for detail)",
            during, duringTotalMs, duringMaxMs, uptimeSeconds(startNs), uptimeSeconds(endNs), before, beforeMaxMs);
    }

    private synchronized void record(final long startUptimeMs, final long durationMs)
    {
        collections.add(new long[]{startUptimeMs, durationMs});
    }
}
