package io.weir.engine.runtime.window;

import io.weir.api.codec.Codec;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * Stores a key's {@link SliceSet} as one keyed value, big-endian: a slice count (32 bits), then per slice, by
 * start ascending, its start (64 bits), the length of its encoded accumulator (32 bits) and the accumulator in the
 * accumulator codec's bytes. The codec id carries the layout version and the accumulator codec's id. Stateless and
 * thread-safe.
 *
 * @param <ACC> the accumulator type.
 */
final class SliceSetCodec<ACC> extends AccumulatorsCodec<SliceSet<ACC>, ACC>
{
    static final String ID_PREFIX = "weir-slice-set-v1(";
    static final int HEADER_LENGTH = Integer.BYTES;
    static final int SLICE_HEADER_LENGTH = Long.BYTES + Integer.BYTES;

    SliceSetCodec(final Codec<ACC> accumulatorCodec)
    {
        super(ID_PREFIX, "slice set", accumulatorCodec);
    }

    public int encodedLength(final SliceSet<ACC> value)
    {
        int length = HEADER_LENGTH;
        for (int i = 0; i < value.size(); i++)
        {
            length += SLICE_HEADER_LENGTH + accumulatorCodec.encodedLength(value.accumulator(i));
        }
        return length;
    }

    public int encode(final SliceSet<ACC> value, final MutableDirectBuffer buffer, final int offset)
    {
        final int size = value.size();
        buffer.putInt(offset, size, ByteOrder.BIG_ENDIAN);
        int at = offset + HEADER_LENGTH;
        for (int i = 0; i < size; i++)
        {
            buffer.putLong(at, value.start(i), ByteOrder.BIG_ENDIAN);
            final int length = accumulatorCodec.encode(value.accumulator(i), buffer, at + SLICE_HEADER_LENGTH);
            buffer.putInt(at + Long.BYTES, length, ByteOrder.BIG_ENDIAN);
            at += SLICE_HEADER_LENGTH + length;
        }
        return at - offset;
    }

    /**
     * Fills {@code reuse} when given: its arrays, not its accumulators, which are decoded afresh. An accumulator may
     * be an object its aggregate does not own: a {@code reduce} keeps the slice's first element, which is the
     * engine's reused input object.
     */
    public SliceSet<ACC> decode(final DirectBuffer buffer, final int offset, final int length, final SliceSet<ACC> reuse)
    {
        final int count = length >= HEADER_LENGTH ? buffer.getInt(offset, ByteOrder.BIG_ENDIAN) : -1;
        if (count < 0 || count > (length - HEADER_LENGTH) / SLICE_HEADER_LENGTH)
        {
            throw corrupt(length, "a slice count of " + count);
        }
        final SliceSet<ACC> set = reuse != null ? reuse : new SliceSet<>(count);
        final int end = offset + length;
        int at = offset + HEADER_LENGTH;
        long previousStart = 0;
        for (int i = 0; i < count; i++)
        {
            if (end - at < SLICE_HEADER_LENGTH)
            {
                throw corrupt(length, "slice " + i + " of " + count + " cut short");
            }
            final long start = buffer.getLong(at, ByteOrder.BIG_ENDIAN);
            final int accumulatorLength = buffer.getInt(at + Long.BYTES, ByteOrder.BIG_ENDIAN);
            if (!fitsAccumulator(accumulatorLength, end - at - SLICE_HEADER_LENGTH))
            {
                throw corrupt(length, "slice " + i + " has an accumulator of " + accumulatorLength + " bytes");
            }
            if (i > 0 && start <= previousStart)
            {
                throw corrupt(length, "slice " + i + " starts at " + start + ", not after " + previousStart);
            }
            final ACC accumulator = accumulatorCodec.decode(buffer, at + SLICE_HEADER_LENGTH, accumulatorLength, null);
            set.set(i, start, accumulator);
            previousStart = start;
            at += SLICE_HEADER_LENGTH + accumulatorLength;
        }
        set.truncate(count);
        if (at != end)
        {
            throw corrupt(length, (end - at) + " bytes after the last slice");
        }
        return set;
    }

    public String format(final DirectBuffer buffer, final int offset, final int length)
    {
        final SliceSet<ACC> set = decode(buffer, offset, length, null);
        final StringBuilder text = new StringBuilder("[");
        int at = offset + HEADER_LENGTH;
        for (int i = 0; i < set.size(); i++)
        {
            final int accumulatorLength = buffer.getInt(at + Long.BYTES, ByteOrder.BIG_ENDIAN);
            text.append(i == 0 ? "" : ", ").append("slice ").append(set.start(i)).append(": ")
                .append(accumulatorCodec.format(buffer, at + SLICE_HEADER_LENGTH, accumulatorLength));
            at += SLICE_HEADER_LENGTH + accumulatorLength;
        }
        return text.append(']').toString();
    }
}
