package io.weir.engine.runtime;

import io.weir.api.KeyedBroadcastProcessFunction;
import io.weir.api.KeyedProcessFunction;
import io.weir.api.RuntimeContext;
import io.weir.api.TimeDomain;
import io.weir.api.TimerService;
import io.weir.api.functions.Collector;
import io.weir.api.functions.OutputTag;
import io.weir.api.state.BroadcastState;
import io.weir.api.state.KeyedStateFunction;
import io.weir.api.state.MapStateDescriptor;
import io.weir.api.state.ReadOnlyBroadcastState;
import io.weir.api.state.State;
import io.weir.api.state.StateDescriptor;
import org.agrona.ExpandableArrayBuffer;

import java.util.List;

/**
 * Runs a {@link KeyedBroadcastProcessFunction} as the function of a two-input stage: input 0 is keyed, input 1
 * the broadcast input, whose elements reach every instance and carry no key. Holds the instance's broadcast states
 * on the heap; a checkpoint stores instance 0's copy ({@link #encodeBroadcastState}) and a restore loads it into
 * every instance. Called only from the stage's thread.
 */
public final class BroadcastProcessOperator<K, I1, I2, O> extends KeyedProcessFunction<K, Object, O>
{
    /** The input broadcast elements arrive on. */
    static final int BROADCAST_INPUT = 1;

    private final KeyedBroadcastProcessFunction<K, I1, I2, O> function;
    private final List<MapStateDescriptor<?, ?>> descriptors;
    private final HeapBroadcastState<?, ?>[] states;
    private final ReadOnlyContextImpl readOnlyContext;
    private final BroadcastContextImpl broadcastContext;
    private OperatorChain<K, ?, ?> chain;

    public BroadcastProcessOperator(
        final KeyedBroadcastProcessFunction<K, I1, I2, O> function, final List<MapStateDescriptor<?, ?>> descriptors)
    {
        this.function = function;
        this.descriptors = List.copyOf(descriptors);
        this.states = new HeapBroadcastState<?, ?>[descriptors.size()];
        for (int i = 0; i < states.length; i++)
        {
            states[i] = new HeapBroadcastState<>(descriptors.get(i));
        }
        this.readOnlyContext = new ReadOnlyContextImpl();
        this.broadcastContext = new BroadcastContextImpl();
    }

    /** The stage running this operator; set once, before the first element. */
    @SuppressWarnings("unchecked")
    void bind(final OperatorChain<?, ?, ?> chain)
    {
        this.chain = (OperatorChain<K, ?, ?>)chain;
    }

    public void open(final RuntimeContext runtimeContext)
    {
        function.open(runtimeContext);
    }

    @SuppressWarnings("unchecked")
    public void processElement(final Object value, final Context ctx, final Collector<O> out) throws Exception
    {
        if (chain.currentInput() == BROADCAST_INPUT)
        {
            broadcastContext.delegate = (OnTimerContext)ctx;
            function.processBroadcastElement((I2)value, broadcastContext, out);
        }
        else
        {
            readOnlyContext.delegate = (OnTimerContext)ctx;
            function.processElement((I1)value, readOnlyContext, out);
        }
    }

    public void onTimer(final long timestampMs, final OnTimerContext ctx, final Collector<O> out) throws Exception
    {
        readOnlyContext.delegate = ctx;
        function.onTimer(timestampMs, readOnlyContext, out);
    }

    public void close()
    {
        function.close();
    }

    /** The broadcast states this operator keeps. */
    List<MapStateDescriptor<?, ?>> descriptors()
    {
        return descriptors;
    }

    /** Every broadcast state's entries into {@code out} (see {@link HeapBroadcastState#encode}); returns the length. */
    int encodeBroadcastState(final ExpandableArrayBuffer out)
    {
        int length = 0;
        for (final HeapBroadcastState<?, ?> state : states)
        {
            length = state.encode(out, length);
        }
        return length;
    }

    /** The broadcast state named {@code name}, to restore into; null if this operator does not declare it. */
    HeapBroadcastState<?, ?> broadcastState(final String name)
    {
        for (final HeapBroadcastState<?, ?> state : states)
        {
            if (state.descriptor().name().equals(name))
            {
                return state;
            }
        }
        return null;
    }

    @SuppressWarnings("unchecked")
    private <UK, UV> HeapBroadcastState<UK, UV> state(final MapStateDescriptor<UK, UV> descriptor)
    {
        for (final HeapBroadcastState<?, ?> state : states)
        {
            if (state.descriptor() == descriptor)
            {
                return (HeapBroadcastState<UK, UV>)state;
            }
        }
        for (final HeapBroadcastState<?, ?> state : states)
        {
            if (state.descriptor().name().equals(descriptor.name()))
            {
                return (HeapBroadcastState<UK, UV>)state;
            }
        }
        throw new IllegalArgumentException(chain.name() + ": no broadcast state '" + descriptor.name() + "': the " +
            "broadcast stream was declared with " + names() + "; pass the descriptor to broadcast(...)");
    }

    private String names()
    {
        final StringBuilder names = new StringBuilder("[");
        for (final HeapBroadcastState<?, ?> state : states)
        {
            names.append(names.length() > 1 ? ", " : "").append(state.descriptor().name());
        }
        return names.append(']').toString();
    }

    /** The keyed element's and timer's context: read-only broadcast state. */
    private final class ReadOnlyContextImpl extends KeyedBroadcastProcessFunction<K, I1, I2, O>.OnTimerContext
    {
        private KeyedProcessFunction<K, Object, O>.OnTimerContext delegate;

        ReadOnlyContextImpl()
        {
            function.super();
        }

        public <UK, UV> ReadOnlyBroadcastState<UK, UV> getBroadcastState(final MapStateDescriptor<UK, UV> descriptor)
        {
            return state(descriptor).readOnly();
        }

        public TimerService timerService()
        {
            return delegate.timerService();
        }

        public K getCurrentKey()
        {
            return delegate.getCurrentKey();
        }

        public TimeDomain timeDomain()
        {
            return delegate.timeDomain();
        }

        public long timestamp()
        {
            return delegate.timestamp();
        }

        public <X> void output(final OutputTag<X> tag, final X value)
        {
            delegate.output(tag, value);
        }

        public long currentProcessingTime()
        {
            return delegate.timerService().currentProcessingTime();
        }

        public long currentWatermark()
        {
            return delegate.timerService().currentWatermark();
        }
    }

    /** The broadcast element's context: read-write broadcast state, no timers, every key's keyed state. */
    private final class BroadcastContextImpl extends KeyedBroadcastProcessFunction<K, I1, I2, O>.Context
    {
        private KeyedProcessFunction<K, Object, O>.OnTimerContext delegate;

        BroadcastContextImpl()
        {
            function.super();
        }

        public <UK, UV> BroadcastState<UK, UV> getBroadcastState(final MapStateDescriptor<UK, UV> descriptor)
        {
            return state(descriptor);
        }

        public <S extends State> void applyToKeyedState(
            final StateDescriptor descriptor, final KeyedStateFunction<K, S> keyedFunction) throws Exception
        {
            chain.applyToKeyedState(descriptor, keyedFunction);
        }

        public long timestamp()
        {
            return delegate.timestamp();
        }

        public <X> void output(final OutputTag<X> tag, final X value)
        {
            delegate.output(tag, value);
        }

        public long currentProcessingTime()
        {
            return delegate.timerService().currentProcessingTime();
        }

        public long currentWatermark()
        {
            return delegate.timerService().currentWatermark();
        }
    }
}
