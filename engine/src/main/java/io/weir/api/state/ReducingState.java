package io.weir.api.state;

/** Values added are combined with a {@link io.weir.api.functions.ReduceFunction} into one stored value. */
public interface ReducingState<T> extends AppendingState<T, T>
{
}
