package io.weir.api.dataflow;

import io.weir.api.codec.Codec;
import io.weir.api.functions.KeySelector;
import io.weir.api.functions.LongKeySelector;

/**
 * How a stream is keyed: a primitive long key (the allocation-free path), or any key with its codec.
 *
 * @param longSelector null when {@code selector} is used.
 * @param selector     null when {@code longSelector} is used.
 * @param keyCodec     null for long keys.
 */
public record KeySpec(LongKeySelector<?> longSelector, KeySelector<?, ?> selector, Codec<?> keyCodec)
{
}
