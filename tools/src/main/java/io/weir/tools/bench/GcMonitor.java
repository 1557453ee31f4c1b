package io.weir.tools.bench;

import com.sun.management.GarbageCollectionNotificationInfo;

import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.concurrent.atomic.AtomicLong;

/** Counts collections during a run and keeps the longest one, from the JVM's GC notifications. */
final class GcMonitor
{
    private final AtomicLong collections = new AtomicLong();
    private final AtomicLong totalMs = new AtomicLong();
    private final AtomicLong maxMs = new AtomicLong();

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
                        final GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from(
                            (CompositeData)notification.getUserData());
                        final long durationMs = info.getGcInfo().getDuration();
                        monitor.collections.incrementAndGet();
                        monitor.totalMs.addAndGet(durationMs);
                        monitor.maxMs.accumulateAndGet(durationMs, Math::max);
                    }
                }, null, null);
            }
        }
        return monitor;
    }

    String summary()
    {
        return collections.get() + " collections, " + totalMs.get() + " ms total, longest " + maxMs.get() +
            " ms (JMX, ms resolution; -Xlog:gc for detail)";
    }
}
