package io.weir.api.functions;

/** Extracts a primitive long key: the allocation-free path for the common case. */
@FunctionalInterface
public interface LongKeySelector<I>
{
    long key(I value);
}
