package io.weir.api.state;

/** A single value per key. */
public interface ValueState<T> extends State
{
    /** @return the current key's value, or null when there is none (or it has expired). */
    T value();

    /** Sets the current key's value; null clears it. */
    void update(T value);
}
