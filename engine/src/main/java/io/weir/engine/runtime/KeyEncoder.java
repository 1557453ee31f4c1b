package io.weir.engine.runtime;

import io.weir.api.codec.Codec;
import io.weir.api.codec.LongCodec;
import io.weir.api.functions.KeySelector;
import io.weir.api.functions.LongKeySelector;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * Serializes an element's key, on the producer thread, into the bytes that route it and address its state.
 * Immutable and thread-safe.
 */
public abstract class KeyEncoder<I, K>
{
    private final Codec<K> keyCodec;

    KeyEncoder(final Codec<K> keyCodec)
    {
        this.keyCodec = keyCodec;
    }

    /** Codec of the key, used to decode {@code getCurrentKey()} and by tools. */
    public final Codec<K> keyCodec()
    {
        return keyCodec;
    }

    /**
     * Write the key of {@code value} at offset 0 of {@code dst} (which expands as needed).
     *
     * @return the key's length in bytes.
     */
    public abstract int encodeKey(I value, MutableDirectBuffer dst);

    /**
     * True for the input of a broadcast stream: every element goes to every downstream instance, with an empty key
     * (in key group 0) that addresses no state.
     */
    public boolean isBroadcast()
    {
        return false;
    }

    /** The encoder of a broadcast stream's elements: see {@link #isBroadcast()}. */
    public static <I> KeyEncoder<I, Long> broadcast()
    {
        @SuppressWarnings("unchecked")
        final KeyEncoder<I, Long> encoder = (KeyEncoder<I, Long>)BroadcastKeyEncoder.INSTANCE;
        return encoder;
    }

    public static <I> KeyEncoder<I, Long> ofLong(final LongKeySelector<I> selector)
    {
        return new LongKeyEncoder<>(selector);
    }

    public static <I, K> KeyEncoder<I, K> of(final KeySelector<I, K> selector, final Codec<K> keyCodec)
    {
        return new CodecKeyEncoder<>(selector, keyCodec);
    }

    private static final class BroadcastKeyEncoder extends KeyEncoder<Object, Long>
    {
        static final BroadcastKeyEncoder INSTANCE = new BroadcastKeyEncoder();

        BroadcastKeyEncoder()
        {
            super(LongCodec.INSTANCE);
        }

        public boolean isBroadcast()
        {
            return true;
        }

        public int encodeKey(final Object value, final MutableDirectBuffer dst)
        {
            return 0;
        }
    }

    private static final class LongKeyEncoder<I> extends KeyEncoder<I, Long>
    {
        private final LongKeySelector<I> selector;

        LongKeyEncoder(final LongKeySelector<I> selector)
        {
            super(LongCodec.INSTANCE);
            this.selector = selector;
        }

        public int encodeKey(final I value, final MutableDirectBuffer dst)
        {
            dst.putLong(0, selector.key(value), ByteOrder.BIG_ENDIAN);
            return Long.BYTES;
        }
    }

    private static final class CodecKeyEncoder<I, K> extends KeyEncoder<I, K>
    {
        private final KeySelector<I, K> selector;

        CodecKeyEncoder(final KeySelector<I, K> selector, final Codec<K> keyCodec)
        {
            super(keyCodec);
            this.selector = selector;
        }

        public int encodeKey(final I value, final MutableDirectBuffer dst)
        {
            final K key = selector.key(value);
            if (key == null)
            {
                throw new NullPointerException("key selector returned null for element " + value);
            }
            final int length = keyCodec().encodedLength(key);
            dst.checkLimit(length);
            return keyCodec().encode(key, dst, 0);
        }
    }
}
