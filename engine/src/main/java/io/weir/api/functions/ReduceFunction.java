package io.weir.api.functions;

/** Combines two values of the same type; used by {@link io.weir.api.state.ReducingState}. */
@FunctionalInterface
public interface ReduceFunction<T>
{
    T reduce(T accumulated, T value);
}
