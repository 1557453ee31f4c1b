package io.weir.flink;

import io.weir.api.KeyedCoProcessFunction;
import io.weir.api.TimeDomain;
import io.weir.api.TimerService;
import io.weir.api.dataflow.KeySpec;
import io.weir.api.dataflow.Transformation;
import io.weir.api.functions.OutputTag;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.util.Collector;

import java.util.function.Supplier;

/**
 * A Weir {@link KeyedCoProcessFunction} running inside a Flink one: {@code open} makes the Weir function (one per
 * subtask, from the node's factory) and opens it with Weir state handles backed by Flink state ({@link FlinkStates});
 * elements, timers, side outputs and the current key pass through one to one.
 */
final class CoProcessAdapter<K, I, I2, O>
    extends org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction<Object, I, I2, O>
{
    private static final long serialVersionUID = 1L;
    private final GraphRef graph;
    private final int nodeId;
    private transient KeyedCoProcessFunction<K, I, I2, O> function;
    private transient KeySpec key;
    private transient Tags tags;
    private transient TimerBridge timers;
    private transient WeirContext context;
    private transient WeirTimerContext timerContext;
    private transient CollectorBridge<O> out;

    CoProcessAdapter(final GraphRef graph, final int nodeId)
    {
        this.graph = graph;
        this.nodeId = nodeId;
    }

    @SuppressWarnings("unchecked")
    public void open(final OpenContext openContext)
    {
        final Transformation node = graph.node(nodeId);
        key = node.key();
        tags = new Tags(graph.dataflow());
        timers = new TimerBridge();
        function = ((Supplier<? extends KeyedCoProcessFunction<K, I, I2, O>>)node.function()).get();
        context = new WeirContext();
        timerContext = new WeirTimerContext();
        out = new CollectorBridge<>();
        function.open(new FlinkStates(getRuntimeContext()));
    }

    public void processElement1(final I value, final Context ctx, final Collector<O> collector) throws Exception
    {
        context.flink = ctx;
        timers.on(ctx.timerService());
        function.processElement1(value, context, out.on(collector));
    }

    public void processElement2(final I2 value, final Context ctx, final Collector<O> collector) throws Exception
    {
        context.flink = ctx;
        timers.on(ctx.timerService());
        function.processElement2(value, context, out.on(collector));
    }

    public void onTimer(final long timestamp, final OnTimerContext ctx, final Collector<O> collector) throws Exception
    {
        TimerBridge.stampTimerOutput(collector, timestamp);
        timerContext.flink = ctx;
        timerContext.timestamp = timestamp;
        timers.on(ctx.timerService());
        function.onTimer(timestamp, timerContext, out.on(collector));
    }

    public void close()
    {
        if (function != null)
        {
            function.close();
        }
    }

    private final class WeirContext extends KeyedCoProcessFunction<K, I, I2, O>.Context
    {
        Context flink;

        WeirContext()
        {
            function.super();
        }

        public long timestamp()
        {
            final Long timestamp = flink.timestamp();
            return timestamp == null ? Long.MIN_VALUE : timestamp;
        }

        public TimerService timerService()
        {
            return timers;
        }

        public <X> void output(final OutputTag<X> tag, final X value)
        {
            flink.output(tags.flink(tag), value);
        }

        public K getCurrentKey()
        {
            return Keys.decode(key, flink.getCurrentKey());
        }
    }

    private final class WeirTimerContext extends KeyedCoProcessFunction<K, I, I2, O>.OnTimerContext
    {
        OnTimerContext flink;
        long timestamp;

        WeirTimerContext()
        {
            function.super();
        }

        public long timestamp()
        {
            return timestamp;
        }

        public TimerService timerService()
        {
            return timers;
        }

        public <X> void output(final OutputTag<X> tag, final X value)
        {
            flink.output(tags.flink(tag), value);
        }

        public K getCurrentKey()
        {
            return Keys.decode(key, flink.getCurrentKey());
        }

        public TimeDomain timeDomain()
        {
            return flink.timeDomain() == org.apache.flink.streaming.api.TimeDomain.EVENT_TIME ?
                TimeDomain.EVENT_TIME : TimeDomain.PROCESSING_TIME;
        }
    }
}
