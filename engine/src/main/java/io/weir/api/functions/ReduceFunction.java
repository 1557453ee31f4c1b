package io.weir.api.functions;

/** Combines two values of the same type; used by {@link io.weir.api.state.ReducingState}. */
@FunctionalInterface
public interface ReduceFunction<T>
{
    /** Combines two values into one; must not keep either argument. */
    T reduce(T accumulated, T value);
}
