package io.weir.api.functions;

/** Extracts a key of any type; the key is encoded with the codec given to {@code keyBy}. */
@FunctionalInterface
public interface KeySelector<I, K>
{
    K key(I value);
}
