package io.weir.engine.runtime;

import io.weir.api.codec.Codec;
import io.weir.api.codec.LongCodec;
import io.weir.api.functions.KeySelector;
import io.weir.api.functions.LongKeySelector;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Serializes an element's key, on the producer thread, into the bytes that route it and address its state.
 * Immutable and thread-safe, but for the round-robin counter of {@link #byFirstBranch}.
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

    /**
     * True when {@link #encodeKey} runs user operators on the element (see {@link #byFirstBranch}): the producer
     * then encodes the element before it, since they may change it, and never offers it to them twice.
     */
    public boolean runsOperators()
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

    /**
     * The encoder of a stream whose elements a stage hands on to branches keyed differently: an element gets the key
     * of the first branch that takes it ({@code branches.get(i)} applies that branch's operators up to its keyBy,
     * null when they drop the element; {@code encoders.get(i)} encodes its key), so it reaches the shard where that
     * branch's keyed stage is, and the stage mostly hands it on without crossing shards, in its source's order (a
     * hint: the stage routes each result by its own key). An element no branch takes gets the next of 0, 1, 2, ...
     * (a counter the producers of one source share without synchronizing, which only skews the spread: the one
     * mutable field of an encoder).
     */
    public static <I> KeyEncoder<I, Long> byFirstBranch(
        final List<UnaryOperator<Object>> branches, final List<KeyEncoder<Object, ?>> encoders)
    {
        return new FirstBranchKeyEncoder<>(branches, encoders);
    }

    private static final class FirstBranchKeyEncoder<I> extends KeyEncoder<I, Long>
    {
        private final UnaryOperator<Object>[] branches;
        private final KeyEncoder<Object, ?>[] encoders;
        private long next;

        @SuppressWarnings("unchecked")
        FirstBranchKeyEncoder(final List<UnaryOperator<Object>> branches, final List<KeyEncoder<Object, ?>> encoders)
        {
            super(LongCodec.INSTANCE);
            if (branches.size() != encoders.size() || branches.isEmpty())
            {
                throw new IllegalArgumentException("a key encoder per branch: " + branches.size() + " branches, " +
                    encoders.size() + " encoders");
            }
            this.branches = branches.toArray(new UnaryOperator[0]);
            this.encoders = encoders.toArray(new KeyEncoder[0]);
        }

        public boolean runsOperators()
        {
            return true;
        }

        public int encodeKey(final I value, final MutableDirectBuffer dst)
        {
            for (int i = 0; i < branches.length; i++)
            {
                final Object taken = branches[i].apply(value);
                if (taken != null)
                {
                    return encoders[i].encodeKey(taken, dst);
                }
            }
            dst.putLong(0, next++, ByteOrder.BIG_ENDIAN);
            return Long.BYTES;
        }
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
