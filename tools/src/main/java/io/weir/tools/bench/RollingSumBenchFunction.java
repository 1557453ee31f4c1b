package io.weir.tools.bench;

import io.weir.api.KeyedProcessFunction;
import io.weir.api.RuntimeContext;
import io.weir.api.functions.Collector;
import io.weir.api.state.LongValueState;
import io.weir.api.state.LongValueStateDescriptor;

/** The job of docs/benchmarks.md: per key a ValueState of long holds the running sum; each event emits key and sum. */
public final class RollingSumBenchFunction extends KeyedProcessFunction<Long, BenchEvent, BenchResult>
{
    private final BenchResult result = new BenchResult();
    private final boolean stateless;
    private LongValueState sum;

    /** @param stateless the floor: the same pipeline without touching state. */
    public RollingSumBenchFunction(final boolean stateless)
    {
        this.stateless = stateless;
    }

    public void open(final RuntimeContext runtimeContext)
    {
        sum = runtimeContext.getLongState(new LongValueStateDescriptor("sum"));
    }

    public void processElement(final BenchEvent event, final Context ctx, final Collector<BenchResult> out)
    {
        final long updated;
        if (stateless)
        {
            updated = event.amount;
        }
        else
        {
            updated = sum.valueOr(0) + event.amount;
            sum.update(updated);
        }
        result.key = event.key;
        result.sum = updated;
        result.sequence = event.sequence;
        result.intendedNs = event.intendedNs;
        out.collect(result);
    }
}
