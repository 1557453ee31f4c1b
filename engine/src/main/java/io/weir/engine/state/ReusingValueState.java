package io.weir.engine.state;

import io.weir.api.state.ValueState;

/**
 * A {@link ValueState} that can decode into an instance the caller owns, for the engine's own operators: the
 * codec fills {@code reuse} where the type allows (see {@link io.weir.api.codec.Codec#decode}). Shard thread only.
 *
 * @param <T> the value type.
 */
public interface ReusingValueState<T> extends ValueState<T>
{
    /** The value, decoded into {@code reuse} where the codec allows, or null when there is none. */
    T value(T reuse);
}
