package io.weir.api.state;

/** A primitive long per key: the allocation-free {@link ValueState} for counters and sums. */
public interface LongValueState extends State
{
    /** @return the current key's value, or {@code missingValue} when there is none (or it has expired). */
    long valueOr(long missingValue);

    /** @return true if the current key has a (visible) value. */
    boolean exists();

    /** Sets the current key's value. */
    void update(long value);
}
