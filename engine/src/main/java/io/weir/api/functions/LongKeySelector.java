package io.weir.api.functions;

/** Extracts a primitive long key: the allocation-free path for the common case. */
@FunctionalInterface
public interface LongKeySelector<I>
{
    /** The long key of {@code value}, without boxing; the same value always has the same key. */
    long key(I value);
}
