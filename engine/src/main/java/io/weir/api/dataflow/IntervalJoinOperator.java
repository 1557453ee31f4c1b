package io.weir.api.dataflow;

import io.weir.api.KeyedCoProcessFunction;
import io.weir.api.ProcessJoinFunction;
import io.weir.api.RuntimeContext;
import io.weir.api.codec.Codec;
import io.weir.api.codec.ListCodec;
import io.weir.api.codec.LongCodec;
import io.weir.api.functions.Collector;
import io.weir.api.functions.OutputTag;
import io.weir.api.state.MapState;
import io.weir.api.state.MapStateDescriptor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An interval join as Flink's {@code IntervalJoinOperator} defines it: each side's elements are buffered by
 * timestamp in keyed map state; an element joins the other side's buffered elements whose timestamps fall in its
 * interval; a late element (older than the watermark) is dropped; a timer removes each buffered timestamp once
 * the watermark passes the last time it can join.
 */
final class IntervalJoinOperator<K, L, R, O> extends KeyedCoProcessFunction<K, L, R, O>
{
    private final ProcessJoinFunction<L, R, O> function;
    private final Codec<L> leftCodec;
    private final Codec<R> rightCodec;
    private final long lowerBound;
    private final long upperBound;
    private final JoinContext context;
    private MapState<Long, List<L>> left;
    private MapState<Long, List<R>> right;
    private Context current;
    private long leftTimestamp;
    private long rightTimestamp;

    /** Bounds inclusive (exclusive ones are narrowed by one ms before). */
    IntervalJoinOperator(
        final ProcessJoinFunction<L, R, O> function,
        final Codec<L> leftCodec,
        final Codec<R> rightCodec,
        final long lowerBound,
        final long upperBound)
    {
        this.function = function;
        this.leftCodec = leftCodec;
        this.rightCodec = rightCodec;
        this.lowerBound = lowerBound;
        this.upperBound = upperBound;
        this.context = new JoinContext();
    }

    public void open(final RuntimeContext runtimeContext)
    {
        left = runtimeContext.getMapState(
            new MapStateDescriptor<>("interval-join-left", LongCodec.INSTANCE, new ListCodec<>(leftCodec)));
        right = runtimeContext.getMapState(
            new MapStateDescriptor<>("interval-join-right", LongCodec.INSTANCE, new ListCodec<>(rightCodec)));
        function.open(runtimeContext);
    }

    public void processElement1(final L value, final Context ctx, final Collector<O> out) throws Exception
    {
        final long ts = ctx.timestamp();
        if (ts < ctx.timerService().currentWatermark())
        {
            return;
        }
        add(left, ts, value);
        current = ctx;
        for (final Map.Entry<Long, List<R>> bucket : right.entries())
        {
            final long other = bucket.getKey();
            if (other >= ts + lowerBound && other <= ts + upperBound)
            {
                for (final R element : bucket.getValue())
                {
                    leftTimestamp = ts;
                    rightTimestamp = other;
                    function.processElement(value, element, context, out);
                }
            }
        }
        ctx.timerService().registerEventTimeTimer(upperBound > 0 ? ts + upperBound : ts);
    }

    public void processElement2(final R value, final Context ctx, final Collector<O> out) throws Exception
    {
        final long ts = ctx.timestamp();
        if (ts < ctx.timerService().currentWatermark())
        {
            return;
        }
        add(right, ts, value);
        current = ctx;
        for (final Map.Entry<Long, List<L>> bucket : left.entries())
        {
            final long other = bucket.getKey();
            if (ts >= other + lowerBound && ts <= other + upperBound)
            {
                for (final L element : bucket.getValue())
                {
                    leftTimestamp = other;
                    rightTimestamp = ts;
                    function.processElement(element, value, context, out);
                }
            }
        }
        ctx.timerService().registerEventTimeTimer(lowerBound < 0 ? ts - lowerBound : ts);
    }

    /** The buffered timestamps whose last chance to join passed at {@code timestampMs}, on either side. */
    public void onTimer(final long timestampMs, final OnTimerContext ctx, final Collector<O> out)
    {
        left.remove(upperBound > 0 ? timestampMs - upperBound : timestampMs);
        right.remove(lowerBound < 0 ? timestampMs + lowerBound : timestampMs);
    }

    private static <T> void add(final MapState<Long, List<T>> buffer, final long ts, final T value)
    {
        List<T> bucket = buffer.get(ts);
        if (bucket == null)
        {
            bucket = new ArrayList<>(1);
        }
        bucket.add(value);
        buffer.put(ts, bucket);
    }

    private final class JoinContext extends ProcessJoinFunction<L, R, O>.Context
    {
        JoinContext()
        {
            function.super();
        }

        public long getLeftTimestamp()
        {
            return leftTimestamp;
        }

        public long getRightTimestamp()
        {
            return rightTimestamp;
        }

        public long getTimestamp()
        {
            return Math.max(leftTimestamp, rightTimestamp);
        }

        public <X> void output(final OutputTag<X> tag, final X value)
        {
            current.output(tag, value);
        }
    }
}
