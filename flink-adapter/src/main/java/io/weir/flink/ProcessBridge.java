package io.weir.flink;

import io.weir.api.TimeDomain;
import io.weir.api.dataflow.KeySpec;
import io.weir.api.dataflow.Transformation;
import io.weir.api.functions.Collector;
import io.weir.api.functions.OutputTag;

import java.util.function.Supplier;

/**
 * The Weir side of a keyed process adapter ({@link KeyedProcessAdapter}, {@link CoProcessAdapter},
 * {@link BroadcastProcessAdapter}): the Weir function made from the node's factory, and the bridges its contexts
 * hand out (timer service, collector, side-output tags, the current key). The adapters differ only in the function
 * types they join. Made in the Flink function's {@code open}, one per subtask; task thread only.
 *
 * @param <F> the Weir function type.
 * @param <O> the output type.
 */
final class ProcessBridge<F, O>
{
    final Transformation node;
    final F function;
    final TimerBridge timers = new TimerBridge();
    private final CollectorBridge<O> out = new CollectorBridge<>();
    private final KeySpec key;
    private final Tags tags;

    @SuppressWarnings("unchecked")
    ProcessBridge(final GraphRef graph, final int nodeId)
    {
        node = graph.node(nodeId);
        key = node.key();
        tags = new Tags(graph.dataflow());
        function = ((Supplier<? extends F>)node.function()).get();
    }

    /** Points the bridges at the Flink call's timer service and collector; the Weir collector to pass on. */
    Collector<O> onElement(
        final org.apache.flink.streaming.api.TimerService flinkTimers, final org.apache.flink.util.Collector<O> collector)
    {
        timers.on(flinkTimers);
        return out.on(collector);
    }

    /** {@link #onElement}, and the records the timer emits get its time as their timestamp. */
    Collector<O> onTimer(
        final long timestampMs,
        final org.apache.flink.streaming.api.TimerService flinkTimers,
        final org.apache.flink.util.Collector<O> collector)
    {
        TimerBridge.stampTimerOutput(collector, timestampMs);
        return onElement(flinkTimers, collector);
    }

    /** Points the collector bridge at the Flink call's collector (a call without a timer service). */
    Collector<O> on(final org.apache.flink.util.Collector<O> collector)
    {
        return out.on(collector);
    }

    /** The Weir key of the current Flink key. */
    <K> K key(final Object flinkKey)
    {
        return Keys.decode(key, flinkKey);
    }

    /** The Flink side-output tag of a Weir one. */
    <X> org.apache.flink.util.OutputTag<X> tag(final OutputTag<X> tag)
    {
        return tags.flink(tag);
    }

    /** A Flink element timestamp as Weir's: an element without one has {@link Long#MIN_VALUE}. */
    static long timestamp(final Long flinkTimestamp)
    {
        return flinkTimestamp == null ? Long.MIN_VALUE : flinkTimestamp;
    }

    static TimeDomain timeDomain(final org.apache.flink.streaming.api.TimeDomain flinkDomain)
    {
        return flinkDomain == org.apache.flink.streaming.api.TimeDomain.EVENT_TIME ?
            TimeDomain.EVENT_TIME : TimeDomain.PROCESSING_TIME;
    }
}
