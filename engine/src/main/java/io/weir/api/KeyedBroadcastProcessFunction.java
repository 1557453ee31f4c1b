package io.weir.api;

import io.weir.api.functions.Collector;
import io.weir.api.functions.OutputTag;
import io.weir.api.state.BroadcastState;
import io.weir.api.state.KeyedStateFunction;
import io.weir.api.state.MapStateDescriptor;
import io.weir.api.state.ReadOnlyBroadcastState;
import io.weir.api.state.State;
import io.weir.api.state.StateDescriptor;

/**
 * Flink's keyed broadcast process function: processes a keyed stream connected with a broadcast stream
 * ({@code keyed.connect(rules.broadcast(descriptor)).process(...)}). Every instance receives every broadcast
 * element, in the same order, and keeps its copy of the broadcast state: read-write in
 * {@link #processBroadcastElement}, read-only in {@link #processElement}. Keyed state and timers belong to
 * the keyed side; as in Flink, a broadcast element cannot register timers (its context has no timer service) but
 * can visit the keyed state of every key of the instance ({@link Context#applyToKeyedState}). One instance per
 * shard, called only from that shard's thread; it must not block.
 *
 * @param <KS>  key type of the keyed input.
 * @param <IN1> keyed input's type.
 * @param <IN2> broadcast input's type.
 * @param <OUT> output type.
 */
public abstract class KeyedBroadcastProcessFunction<KS, IN1, IN2, OUT>
{
    /** Called once on the shard thread before the first element: obtain keyed state handles here. */
    public void open(final RuntimeContext runtimeContext)
    {
    }

    /** An element of the keyed input. {@code value} may be a reused instance. */
    public abstract void processElement(IN1 value, ReadOnlyContext ctx, Collector<OUT> out) throws Exception;

    /** An element of the broadcast input; no key is current. {@code value} may be a reused instance. */
    public abstract void processBroadcastElement(IN2 value, Context ctx, Collector<OUT> out) throws Exception;

    /** A timer registered for the current key fired. */
    public void onTimer(final long timestampMs, final OnTimerContext ctx, final Collector<OUT> out) throws Exception
    {
    }

    /** Called once on the shard thread after the last element and timer, or when the job stops. */
    public void close()
    {
    }

    /** What both inputs' contexts offer. Valid only during the call it is passed to. */
    public abstract class BaseContext
    {
        /** The element's (or the timer's) event timestamp in ms. */
        public abstract long timestamp();

        /** Emit to a side output. */
        public abstract <X> void output(OutputTag<X> tag, X value);

        /** The shard's processing time in ms. */
        public abstract long currentProcessingTime();

        /** The operator's event-time watermark in ms. */
        public abstract long currentWatermark();
    }

    /** The context of a broadcast element: read-write broadcast state, and the keyed state of every key. */
    public abstract class Context extends BaseContext
    {
        /**
         * The broadcast state {@code descriptor} names, read-write.
         *
         * @throws IllegalArgumentException if the broadcast stream was not declared with it.
         */
        public abstract <K, V> BroadcastState<K, V> getBroadcastState(MapStateDescriptor<K, V> descriptor);

        /**
         * Call {@code function} for every key of this instance that has state {@code descriptor}, with the state
         * set to that key. The function may read, update or clear the state it is given.
         */
        public abstract <S extends State> void applyToKeyedState(
            StateDescriptor descriptor, KeyedStateFunction<KS, S> function) throws Exception;
    }

    /** The context of a keyed element: read-only broadcast state, timers, the current key. */
    public abstract class ReadOnlyContext extends BaseContext
    {
        /**
         * The broadcast state {@code descriptor} names, read-only.
         *
         * @throws IllegalArgumentException if the broadcast stream was not declared with it.
         */
        public abstract <K, V> ReadOnlyBroadcastState<K, V> getBroadcastState(MapStateDescriptor<K, V> descriptor);

        /** Timers and time for the current key. */
        public abstract TimerService timerService();

        /** The current key, decoded (may allocate). */
        public abstract KS getCurrentKey();
    }

    /** Context of a timer callback. */
    public abstract class OnTimerContext extends ReadOnlyContext
    {
        /** Whether the timer that fired was an event-time or a processing-time timer. */
        public abstract TimeDomain timeDomain();
    }
}
