package io.weir.api;

import io.weir.api.functions.Collector;
import io.weir.api.functions.OutputTag;

/**
 * Flink's keyed co-process function: processes the elements of two connected streams keyed alike
 * ({@code a.connect(b).keyBy(ka, kb).process(...)}); both inputs share the key's state and timers. One instance
 * per shard, called only from that shard's thread; it must not block.
 *
 * @param <K>   key type.
 * @param <IN1> first input's type.
 * @param <IN2> second input's type.
 * @param <OUT> output type.
 */
public abstract class KeyedCoProcessFunction<K, IN1, IN2, OUT>
{
    /** Called once on the shard thread before the first element: obtain state handles here. */
    public void open(final RuntimeContext runtimeContext)
    {
    }

    /** An element of the first input. {@code value} may be a reused instance. */
    public abstract void processElement1(IN1 value, Context ctx, Collector<OUT> out) throws Exception;

    /** An element of the second input. {@code value} may be a reused instance. */
    public abstract void processElement2(IN2 value, Context ctx, Collector<OUT> out) throws Exception;

    /** A timer registered for the current key fired. */
    public void onTimer(final long timestampMs, final OnTimerContext ctx, final Collector<OUT> out) throws Exception
    {
    }

    /** Called once on the shard thread after the last element and timer, or when the job stops. */
    public void close()
    {
    }

    /** Per-element context. Valid only during the call it is passed to. */
    public abstract class Context
    {
        /** The element's event timestamp in ms. */
        public abstract long timestamp();

        /** Timers and time for the current key. */
        public abstract TimerService timerService();

        /** Emit to a side output. */
        public abstract <X> void output(OutputTag<X> tag, X value);

        /** The current key, decoded (may allocate). */
        public abstract K getCurrentKey();
    }

    /** Context of a timer callback. */
    public abstract class OnTimerContext extends Context
    {
        /** Whether the timer that fired was an event-time or a processing-time timer. */
        public abstract TimeDomain timeDomain();
    }
}
