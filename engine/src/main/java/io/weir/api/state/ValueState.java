package io.weir.api.state;

/** A single value per key. */
public interface ValueState<T> extends State
{
    /** @return the current key's value, or null when there is none (or it has expired). */
    T value();

    /**
     * The current key's value decoded into {@code reuse} where its codec allows (a
     * {@link io.weir.api.codec.FixedLayoutCodec} does, see {@link io.weir.api.codec.Codec#decode}), so that a read
     * allocates nothing; {@link #value()} decodes into a new instance. The caller owns {@code reuse}, and the state
     * keeps no reference to it. This default, for states that cannot decode into an instance, returns
     * {@link #value()}.
     *
     * @return {@code reuse} or another instance holding the value, or null when there is none (or it has expired).
     */
    default T value(final T reuse)
    {
        return value();
    }

    /** Sets the current key's value; null clears it. */
    void update(T value);
}
