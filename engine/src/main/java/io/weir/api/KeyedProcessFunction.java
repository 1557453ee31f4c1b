package io.weir.api;

import io.weir.api.functions.Collector;
import io.weir.api.functions.OutputTag;

/**
 * Flink's keyed process function: called for every element of a key, and for every timer the key set. One
 * instance per shard, created by the factory given to the job builder, called only from that shard's thread;
 * it must not block.
 *
 * @param <K> key type.
 * @param <I> input type.
 * @param <O> output type.
 */
public abstract class KeyedProcessFunction<K, I, O>
{
    /** Called once on the shard thread before the first element: obtain state handles here. */
    public void open(final RuntimeContext runtimeContext)
    {
    }

    /**
     * Process one element. {@code value} may be a reused instance: copy what you keep beyond the call.
     */
    public abstract void processElement(I value, Context ctx, Collector<O> out) throws Exception;

    /** A timer registered for the current key fired. */
    public void onTimer(final long timestampMs, final OnTimerContext ctx, final Collector<O> out) throws Exception
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

        /** Emit to a side output declared on the job builder. */
        public abstract <X> void output(OutputTag<X> tag, X value);

        /** The current key, decoded (may allocate; prefer reading the key from the element). */
        public abstract K getCurrentKey();
    }

    /** Context of a timer callback. */
    public abstract class OnTimerContext extends Context
    {
        /** Whether the timer that fired was an event-time or a processing-time timer. */
        public abstract TimeDomain timeDomain();
    }
}
