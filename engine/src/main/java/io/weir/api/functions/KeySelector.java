package io.weir.api.functions;

/** Extracts a key of any type; the key is encoded with the codec given to {@code keyBy}. */
@FunctionalInterface
public interface KeySelector<I, K>
{
    /** The key of {@code value}; the same value always has the same key. */
    K key(I value);
}
