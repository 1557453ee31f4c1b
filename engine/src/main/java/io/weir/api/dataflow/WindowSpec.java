package io.weir.api.dataflow;

import io.weir.api.codec.Codec;
import io.weir.api.functions.AggregateFunction;
import io.weir.api.functions.OutputTag;
import io.weir.api.window.ProcessWindowFunction;

/**
 * A window aggregation: the assigner (a {@link io.weir.api.window.WindowAssigner} or
 * {@link io.weir.api.window.EventTimeSessionWindows}), the incremental aggregate and what makes each window's
 * result.
 *
 * @param lateDataTag null to drop late elements.
 */
public record WindowSpec(
    Object assigner,
    AggregateFunction<?, ?, ?> aggregateFunction,
    Codec<?> accumulatorCodec,
    ProcessWindowFunction<?, ?, ?> windowFunction,
    OutputTag<?> lateDataTag)
{
}
