package io.weir.flink;

import io.weir.api.KeyedBroadcastProcessFunction;
import io.weir.api.TimeDomain;
import io.weir.api.TimerService;
import io.weir.api.dataflow.Transformation;
import io.weir.api.functions.OutputTag;
import io.weir.api.state.BroadcastState;
import io.weir.api.state.KeyedStateFunction;
import io.weir.api.state.MapStateDescriptor;
import io.weir.api.state.ReadOnlyBroadcastState;
import io.weir.api.state.State;
import io.weir.api.state.StateDescriptor;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.util.Collector;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A Weir {@link KeyedBroadcastProcessFunction} running inside a Flink one: keyed state as in
 * {@link KeyedProcessAdapter}; the broadcast states are Flink's, declared by the translator from the broadcast
 * node's descriptors ({@link #flinkDescriptors}), and the Weir handles read and write them. Flink's broadcast state
 * holds objects, as Weir's does (a value put and then mutated by the caller changes in both). {@code
 * applyToKeyedState} is Flink's, with the Weir descriptor mapped and the state of each key handed as a Weir handle.
 * Timers, side outputs and the current key pass through one to one. Task thread only.
 */
final class BroadcastProcessAdapter<K, I, B, O>
    extends org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction<Object, I, B, O>
{
    private static final long serialVersionUID = 1L;
    private final GraphRef graph;
    private final int nodeId;
    private transient ProcessBridge<KeyedBroadcastProcessFunction<K, I, B, O>, O> bridge;
    private transient KeyedBroadcastProcessFunction<K, I, B, O> function;
    private transient List<MapStateDescriptor<?, ?>> weirDescriptors;
    private transient List<org.apache.flink.api.common.state.MapStateDescriptor<?, ?>> flinkDescriptors;
    /** Per broadcast state, the views handed out (Flink's states live as long as the operator). */
    private transient ReadOnlyView<?, ?>[] readOnlyViews;
    private transient ReadWriteView<?, ?>[] readWriteViews;
    private transient WeirReadOnlyContext readOnlyContext;
    private transient WeirContext context;

    BroadcastProcessAdapter(final GraphRef graph, final int nodeId)
    {
        this.graph = graph;
        this.nodeId = nodeId;
    }

    /** Flink's broadcast state descriptors of a BROADCAST node: the same names, the codecs as serializers. */
    @SuppressWarnings("unchecked")
    static org.apache.flink.api.common.state.MapStateDescriptor<?, ?>[] flinkDescriptors(final Transformation broadcast)
    {
        final List<MapStateDescriptor<?, ?>> weir = (List<MapStateDescriptor<?, ?>>)broadcast.function();
        final org.apache.flink.api.common.state.MapStateDescriptor<?, ?>[] flink =
            new org.apache.flink.api.common.state.MapStateDescriptor<?, ?>[weir.size()];
        for (int i = 0; i < flink.length; i++)
        {
            flink[i] = new org.apache.flink.api.common.state.MapStateDescriptor<>(weir.get(i).name(),
                CodecSerializer.of(weir.get(i).userKeyCodec()), CodecSerializer.of(weir.get(i).valueCodec()));
        }
        return flink;
    }

    @SuppressWarnings("unchecked")
    public void open(final OpenContext openContext)
    {
        bridge = new ProcessBridge<>(graph, nodeId);
        function = bridge.function;
        final Transformation broadcast = bridge.node.inputs().get(1);
        weirDescriptors = (List<MapStateDescriptor<?, ?>>)broadcast.function();
        flinkDescriptors = List.of(flinkDescriptors(broadcast));
        readOnlyViews = new ReadOnlyView<?, ?>[flinkDescriptors.size()];
        readWriteViews = new ReadWriteView<?, ?>[flinkDescriptors.size()];
        readOnlyContext = new WeirReadOnlyContext();
        context = new WeirContext();
        function.open(new FlinkStates(getRuntimeContext()));
    }

    public void processElement(final I value, final ReadOnlyContext ctx, final Collector<O> collector)
        throws Exception
    {
        readOnlyContext.flink = ctx;
        readOnlyContext.timer = null;
        function.processElement(value, readOnlyContext, bridge.onElement(ctx.timerService(), collector));
    }

    public void processBroadcastElement(final B value, final Context ctx, final Collector<O> collector)
        throws Exception
    {
        context.flink = ctx;
        function.processBroadcastElement(value, context, bridge.on(collector));
    }

    public void onTimer(final long timestamp, final OnTimerContext ctx, final Collector<O> collector) throws Exception
    {
        readOnlyContext.flink = ctx;
        readOnlyContext.timer = ctx;
        readOnlyContext.timerTimestamp = timestamp;
        function.onTimer(timestamp, readOnlyContext, bridge.onTimer(timestamp, ctx.timerService(), collector));
    }

    public void close()
    {
        if (function != null)
        {
            function.close();
        }
    }

    /** The index of the broadcast state {@code weir} names; as on Weir, an undeclared name is refused. */
    private int index(final MapStateDescriptor<?, ?> weir)
    {
        for (int i = 0; i < weirDescriptors.size(); i++)
        {
            if (weirDescriptors.get(i) == weir)
            {
                return i;
            }
        }
        for (int i = 0; i < weirDescriptors.size(); i++)
        {
            if (weirDescriptors.get(i).name().equals(weir.name()))
            {
                return i;
            }
        }
        final List<String> names = new ArrayList<>();
        weirDescriptors.forEach(d -> names.add(d.name()));
        throw new IllegalArgumentException(bridge.node + ": no broadcast state '" + weir.name() + "': the " +
            "broadcast stream was declared with " + names + "; pass the descriptor to broadcast(...)");
    }

    /** The keyed element's and the timer's context. */
    private final class WeirReadOnlyContext extends KeyedBroadcastProcessFunction<K, I, B, O>.OnTimerContext
    {
        ReadOnlyContext flink;
        OnTimerContext timer;
        long timerTimestamp;

        WeirReadOnlyContext()
        {
            function.super();
        }

        @SuppressWarnings("unchecked")
        public <UK, UV> ReadOnlyBroadcastState<UK, UV> getBroadcastState(final MapStateDescriptor<UK, UV> descriptor)
        {
            final int index = index(descriptor);
            if (readOnlyViews[index] == null)
            {
                readOnlyViews[index] = new ReadOnlyView<>(flink.getBroadcastState(flinkDescriptors.get(index)),
                    descriptor.name());
            }
            return (ReadOnlyBroadcastState<UK, UV>)readOnlyViews[index];
        }

        public TimerService timerService()
        {
            return bridge.timers;
        }

        public K getCurrentKey()
        {
            return bridge.key(flink.getCurrentKey());
        }

        public TimeDomain timeDomain()
        {
            return ProcessBridge.timeDomain(timer.timeDomain());
        }

        public long timestamp()
        {
            return timer != null ? timerTimestamp : ProcessBridge.timestamp(flink.timestamp());
        }

        public <X> void output(final OutputTag<X> tag, final X value)
        {
            flink.output(bridge.tag(tag), value);
        }

        public long currentProcessingTime()
        {
            return flink.currentProcessingTime();
        }

        public long currentWatermark()
        {
            return flink.currentWatermark();
        }
    }

    /** The broadcast element's context. */
    private final class WeirContext extends KeyedBroadcastProcessFunction<K, I, B, O>.Context
    {
        Context flink;

        WeirContext()
        {
            function.super();
        }

        @SuppressWarnings("unchecked")
        public <UK, UV> BroadcastState<UK, UV> getBroadcastState(final MapStateDescriptor<UK, UV> descriptor)
        {
            final int index = index(descriptor);
            if (readWriteViews[index] == null)
            {
                readWriteViews[index] = new ReadWriteView<>(flink.getBroadcastState(flinkDescriptors.get(index)),
                    descriptor.name());
            }
            return (BroadcastState<UK, UV>)readWriteViews[index];
        }

        @SuppressWarnings("unchecked")
        public <S extends State> void applyToKeyedState(
            final StateDescriptor descriptor, final KeyedStateFunction<K, S> keyedFunction) throws Exception
        {
            flink.applyToKeyedState(
                (org.apache.flink.api.common.state.StateDescriptor<org.apache.flink.api.common.state.State, Object>)
                    FlinkStates.descriptor(descriptor),
                (flinkKey, state) -> keyedFunction.process(bridge.<K>key(flinkKey),
                    (S)FlinkStates.handle(descriptor, state)));
        }

        public long timestamp()
        {
            return ProcessBridge.timestamp(flink.timestamp());
        }

        public <X> void output(final OutputTag<X> tag, final X value)
        {
            flink.output(bridge.tag(tag), value);
        }

        public long currentProcessingTime()
        {
            return flink.currentProcessingTime();
        }

        public long currentWatermark()
        {
            return flink.currentWatermark();
        }
    }

    /** Weir's read-only broadcast state over Flink's. */
    private static class ReadOnlyView<UK, UV> implements ReadOnlyBroadcastState<UK, UV>
    {
        private final org.apache.flink.api.common.state.ReadOnlyBroadcastState<UK, UV> state;
        final String name;

        ReadOnlyView(final org.apache.flink.api.common.state.ReadOnlyBroadcastState<UK, UV> state, final String name)
        {
            this.state = state;
            this.name = name;
        }

        public UV get(final UK key)
        {
            return call(() -> state.get(key));
        }

        public boolean contains(final UK key)
        {
            return call(() -> state.contains(key));
        }

        public Iterable<Map.Entry<UK, UV>> immutableEntries()
        {
            return call(state::immutableEntries);
        }

        public void clear()
        {
            throw new UnsupportedOperationException("broadcast state '" + name + "' is read-only in " +
                "processElement and onTimer; change it in processBroadcastElement");
        }
    }

    /** Weir's broadcast state over Flink's, read-write. */
    private static final class ReadWriteView<UK, UV> extends ReadOnlyView<UK, UV> implements BroadcastState<UK, UV>
    {
        private final org.apache.flink.api.common.state.BroadcastState<UK, UV> state;

        ReadWriteView(final org.apache.flink.api.common.state.BroadcastState<UK, UV> state, final String name)
        {
            super(state, name);
            this.state = state;
        }

        public void put(final UK key, final UV value)
        {
            if (key == null || value == null)
            {
                throw new NullPointerException("broadcast state '" + name + "': null " + (key == null ? "key" : "value for " + key));
            }
            call(() ->
            {
                state.put(key, value);
                return null;
            });
        }

        public void putAll(final Map<UK, UV> map)
        {
            map.forEach(this::put);
        }

        public void remove(final UK key)
        {
            call(() ->
            {
                state.remove(key);
                return null;
            });
        }

        public void clear()
        {
            state.clear();
        }

        public Iterator<Map.Entry<UK, UV>> iterator()
        {
            return call(state::iterator);
        }

        public Iterable<Map.Entry<UK, UV>> entries()
        {
            return call(state::entries);
        }
    }

    @FunctionalInterface
    private interface StateCall<R>
    {
        R call() throws Exception;
    }

    private static <R> R call(final StateCall<R> call)
    {
        try
        {
            return call.call();
        }
        catch (final RuntimeException ex)
        {
            throw ex;
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException("Flink broadcast state access failed: " + ex, ex);
        }
    }
}
