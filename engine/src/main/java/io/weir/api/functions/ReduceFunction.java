package io.weir.api.functions;

/** Combines two values of the same type; used by {@link io.weir.api.state.ReducingState}. */
@FunctionalInterface
public interface ReduceFunction<T>
{
    /**
     * Combines two values into one, and may return {@code accumulated} itself, mutated. Must not keep either
     * argument: a {@link io.weir.api.state.ReducingState} decodes {@code accumulated} into an instance it reuses
     * for its next add, where the value's codec fills one.
     */
    T reduce(T accumulated, T value);
}
