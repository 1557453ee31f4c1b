package io.weir.api.state;

/** Values added to an accumulator with an {@link io.weir.api.functions.AggregateFunction}. */
public interface AggregatingState<IN, OUT> extends AppendingState<IN, OUT>
{
}
