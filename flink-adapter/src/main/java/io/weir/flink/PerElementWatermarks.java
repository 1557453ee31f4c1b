package io.weir.flink;

import io.weir.api.functions.TimestampAssigner;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;

/**
 * Weir's bounded-out-of-orderness watermarks on Flink: after every element, {@code max(ts) - bound - 1}, emitted
 * at once when it grows (Weir's rule, docs/reference-jobs.md "Time"), rather than Flink's periodic emission, so
 * the watermark sequence is a function of the input order alone.
 */
final class PerElementWatermarks<T> implements WatermarkGenerator<T>
{
    private final long bound;
    private long maxTimestamp = Long.MIN_VALUE;
    private long emitted = Long.MIN_VALUE;

    PerElementWatermarks(final long bound)
    {
        this.bound = bound;
    }

    public void onEvent(final T event, final long timestamp, final WatermarkOutput output)
    {
        if (timestamp > maxTimestamp)
        {
            maxTimestamp = timestamp;
            final long watermark = timestamp - bound - 1;
            if (watermark > emitted)
            {
                emitted = watermark;
                output.emitWatermark(new Watermark(watermark));
            }
        }
    }

    public void onPeriodicEmit(final WatermarkOutput output)
    {
    }

    /** Flink's strategy for a Weir source's timestamps and watermark strategy. */
    static <T> WatermarkStrategy<T> of(
        final GraphRef graph, final int nodeId, final io.weir.api.eventtime.WatermarkStrategy weir)
    {
        final long bound = weir.outOfOrdernessMs();
        final WatermarkStrategy<T> strategy = weir.isAutomatic() ?
            WatermarkStrategy.forGenerator(context -> new PerElementWatermarks<>(bound)) :
            WatermarkStrategy.noWatermarks();
        return strategy.withTimestampAssigner(context -> new org.apache.flink.api.common.eventtime
            .TimestampAssigner<T>()
        {
            @SuppressWarnings("unchecked")
            private final TimestampAssigner<T> assigner =
                (TimestampAssigner<T>)graph.node(nodeId).source().timestampAssigner();

            public long extractTimestamp(final T element, final long recordTimestamp)
            {
                return assigner.timestamp(element);
            }
        });
    }
}
