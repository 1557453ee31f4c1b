package io.weir.engine.runtime.window;

import io.weir.api.codec.Codec;

/**
 * What the codecs of a window operator's per-key values share: variable length, an id made of a layout prefix and
 * the accumulator codec's id, and the message for a stored value that does not fit the layout. Stateless.
 *
 * @param <T>   the stored value.
 * @param <ACC> the accumulator type.
 */
abstract class AccumulatorsCodec<T, ACC> implements Codec<T>
{
    final Codec<ACC> accumulatorCodec;
    private final String id;
    private final String valueName;

    /**
     * @param idPrefix  the layout's id, up to and including the bracket before the accumulator codec's id.
     * @param valueName what the value is called in messages, e.g. {@code slice set}.
     */
    AccumulatorsCodec(final String idPrefix, final String valueName, final Codec<ACC> accumulatorCodec)
    {
        this.accumulatorCodec = accumulatorCodec;
        this.id = idPrefix + accumulatorCodec.id() + ")";
        this.valueName = valueName;
    }

    public final String id()
    {
        return id;
    }

    public final int fixedLength()
    {
        return VARIABLE_LENGTH;
    }

    /**
     * Whether a stored accumulator length is one the accumulator codec can have written in the bytes left: not
     * negative, not past them, and the codec's own length if it has a fixed one (its decode would read that many
     * whatever it is told).
     */
    final boolean fitsAccumulator(final int accumulatorLength, final int bytesLeft)
    {
        final int fixedLength = accumulatorCodec.fixedLength();
        return accumulatorLength >= 0 && accumulatorLength <= bytesLeft &&
            (fixedLength == VARIABLE_LENGTH || accumulatorLength == fixedLength);
    }

    final IllegalStateException corrupt(final int length, final String what)
    {
        return new IllegalStateException("codec " + id + ": a stored " + valueName + " of " + length +
            " bytes is corrupt: " + what);
    }
}
