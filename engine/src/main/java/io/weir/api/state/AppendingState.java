package io.weir.api.state;

/** State that takes inputs and gives a result: the shape of reducing and aggregating state. */
public interface AppendingState<IN, OUT> extends State
{
    /** Adds {@code value} to the current key's state. */
    void add(IN value);

    /** @return the result, or null when nothing was added. */
    OUT get();
}
