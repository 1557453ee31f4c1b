package io.weir.flink;

import io.weir.api.KeyedCoProcessFunction;
import io.weir.api.TimeDomain;
import io.weir.api.TimerService;
import io.weir.api.functions.OutputTag;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.util.Collector;

/**
 * A Weir {@link KeyedCoProcessFunction} running inside a Flink one: {@code open} makes the Weir function (one per
 * subtask, from the node's factory) and opens it with Weir state handles backed by Flink state ({@link FlinkStates});
 * elements, timers, side outputs and the current key pass through one to one ({@link ProcessBridge}).
 */
final class CoProcessAdapter<K, I, I2, O>
    extends org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction<Object, I, I2, O>
{
    private static final long serialVersionUID = 1L;
    private final GraphRef graph;
    private final int nodeId;
    private transient ProcessBridge<KeyedCoProcessFunction<K, I, I2, O>, O> bridge;
    private transient KeyedCoProcessFunction<K, I, I2, O> function;
    private transient WeirContext context;

    CoProcessAdapter(final GraphRef graph, final int nodeId)
    {
        this.graph = graph;
        this.nodeId = nodeId;
    }

    public void open(final OpenContext openContext)
    {
        bridge = new ProcessBridge<>(graph, nodeId);
        function = bridge.function;
        context = new WeirContext();
        function.open(new FlinkStates(getRuntimeContext()));
    }

    public void processElement1(final I value, final Context ctx, final Collector<O> collector) throws Exception
    {
        context.flink = ctx;
        context.timer = null;
        function.processElement1(value, context, bridge.onElement(ctx.timerService(), collector));
    }

    public void processElement2(final I2 value, final Context ctx, final Collector<O> collector) throws Exception
    {
        context.flink = ctx;
        context.timer = null;
        function.processElement2(value, context, bridge.onElement(ctx.timerService(), collector));
    }

    public void onTimer(final long timestamp, final OnTimerContext ctx, final Collector<O> collector) throws Exception
    {
        context.flink = ctx;
        context.timer = ctx;
        context.timerTimestamp = timestamp;
        function.onTimer(timestamp, context, bridge.onTimer(timestamp, ctx.timerService(), collector));
    }

    public void close()
    {
        if (function != null)
        {
            function.close();
        }
    }

    /** The elements' and the timer's context, as the engine's own: one instance, {@code timer} set in a timer. */
    private final class WeirContext extends KeyedCoProcessFunction<K, I, I2, O>.OnTimerContext
    {
        Context flink;
        OnTimerContext timer;
        long timerTimestamp;

        WeirContext()
        {
            function.super();
        }

        public long timestamp()
        {
            return timer != null ? timerTimestamp : ProcessBridge.timestamp(flink.timestamp());
        }

        public TimerService timerService()
        {
            return bridge.timers;
        }

        public <X> void output(final OutputTag<X> tag, final X value)
        {
            flink.output(bridge.tag(tag), value);
        }

        public K getCurrentKey()
        {
            return bridge.key(flink.getCurrentKey());
        }

        public TimeDomain timeDomain()
        {
            return ProcessBridge.timeDomain(timer.timeDomain());
        }
    }
}
