package io.weir.engine.runtime;

import io.weir.api.KeyedCoProcessFunction;
import io.weir.api.KeyedProcessFunction;
import io.weir.api.RuntimeContext;
import io.weir.api.TimeDomain;
import io.weir.api.TimerService;
import io.weir.api.functions.Collector;
import io.weir.api.functions.OutputTag;

/**
 * Runs a {@link KeyedCoProcessFunction} as the function of a two-input stage: the stage's input gate says which
 * input the element came from ({@link OperatorChain#currentInput()}), and both inputs share the key's state and
 * timers. Called only from the stage's thread.
 */
public final class CoProcessOperator<K, I1, I2, O> extends KeyedProcessFunction<K, Object, O>
{
    private final KeyedCoProcessFunction<K, I1, I2, O> function;
    private final CoContext context;
    private OperatorChain<?, ?, ?> chain;

    public CoProcessOperator(final KeyedCoProcessFunction<K, I1, I2, O> function)
    {
        this.function = function;
        this.context = new CoContext();
    }

    /** The stage running this operator; set once, before the first element. */
    void bind(final OperatorChain<?, ?, ?> chain)
    {
        this.chain = chain;
    }

    public void open(final RuntimeContext runtimeContext)
    {
        function.open(runtimeContext);
    }

    @SuppressWarnings("unchecked")
    public void processElement(final Object value, final Context ctx, final Collector<O> out) throws Exception
    {
        context.delegate = (OnTimerContext)ctx;
        if (chain.currentInput() == 0)
        {
            function.processElement1((I1)value, context, out);
        }
        else
        {
            function.processElement2((I2)value, context, out);
        }
    }

    public void onTimer(final long timestampMs, final OnTimerContext ctx, final Collector<O> out) throws Exception
    {
        context.delegate = ctx;
        function.onTimer(timestampMs, context, out);
    }

    public void close()
    {
        function.close();
    }

    /** The co-process function's view of the stage's context. */
    private final class CoContext extends KeyedCoProcessFunction<K, I1, I2, O>.OnTimerContext
    {
        private KeyedProcessFunction<K, Object, O>.OnTimerContext delegate;

        CoContext()
        {
            function.super();
        }

        public long timestamp()
        {
            return delegate.timestamp();
        }

        public TimerService timerService()
        {
            return delegate.timerService();
        }

        public <X> void output(final OutputTag<X> tag, final X value)
        {
            delegate.output(tag, value);
        }

        public K getCurrentKey()
        {
            return delegate.getCurrentKey();
        }

        public TimeDomain timeDomain()
        {
            return delegate.timeDomain();
        }
    }
}
