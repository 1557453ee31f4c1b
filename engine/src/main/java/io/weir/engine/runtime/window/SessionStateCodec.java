package io.weir.engine.runtime.window;

import io.weir.api.codec.Codec;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * Stores a key's {@link SessionState} as one keyed value, big-endian: the window set as
 * {@link SessionWindowSetCodec} lays it out, then per window, in the set's order, the length of its encoded
 * accumulator (32 bits, -1 when it has none) and the accumulator in the accumulator codec's bytes. The codec id
 * carries the layout version and the accumulator codec's id. Stateless and thread-safe.
 *
 * @param <ACC> the accumulator type.
 */
final class SessionStateCodec<ACC> extends AccumulatorsCodec<SessionState<ACC>, ACC>
{
    static final String ID_PREFIX = "weir-session-state-v1(";
    private static final int NO_ACCUMULATOR = -1;

    SessionStateCodec(final Codec<ACC> accumulatorCodec)
    {
        super(ID_PREFIX, "session state", accumulatorCodec);
    }

    public int encodedLength(final SessionState<ACC> value)
    {
        final SessionWindowSet windows = value.windows;
        int length = SessionWindowSetCodec.INSTANCE.encodedLength(windows);
        for (int i = 0; i < windows.size(); i++)
        {
            final ACC accumulator = value.accumulator(windows.stateNamespace(i));
            length += Integer.BYTES + (accumulator == null ? 0 : accumulatorCodec.encodedLength(accumulator));
        }
        return length;
    }

    public int encode(final SessionState<ACC> value, final MutableDirectBuffer buffer, final int offset)
    {
        final SessionWindowSet windows = value.windows;
        int at = offset + SessionWindowSetCodec.INSTANCE.encode(windows, buffer, offset);
        for (int i = 0; i < windows.size(); i++)
        {
            final ACC accumulator = value.accumulator(windows.stateNamespace(i));
            final int length = accumulator == null ? NO_ACCUMULATOR :
                accumulatorCodec.encode(accumulator, buffer, at + Integer.BYTES);
            buffer.putInt(at, length, ByteOrder.BIG_ENDIAN);
            at += Integer.BYTES + Math.max(0, length);
        }
        return at - offset;
    }

    /** Fills {@code reuse} when given; its accumulators are not reused (a merge may have aliased them). */
    public SessionState<ACC> decode(
        final DirectBuffer buffer, final int offset, final int length, final SessionState<ACC> reuse)
    {
        final int count = length >= SessionWindowSetCodec.HEADER_LENGTH ?
            buffer.getInt(offset + SessionWindowSetCodec.COUNT_OFFSET, ByteOrder.BIG_ENDIAN) : -1;
        final long windowsLength = SessionWindowSetCodec.HEADER_LENGTH + (long)count * SessionWindowSetCodec.ENTRY_LENGTH;
        if (count < 0 || windowsLength > length)
        {
            throw corrupt(length, "a window count of " + count);
        }
        final SessionState<ACC> state = reuse != null ? reuse : new SessionState<>(count);
        state.clear();
        SessionWindowSetCodec.INSTANCE.decode(buffer, offset, (int)windowsLength, state.windows);
        final int end = offset + length;
        int at = offset + (int)windowsLength;
        for (int i = 0; i < count; i++)
        {
            if (end - at < Integer.BYTES)
            {
                throw corrupt(length, "the accumulator of window " + i + " of " + count + " is cut short");
            }
            final int accumulatorLength = buffer.getInt(at, ByteOrder.BIG_ENDIAN);
            at += Integer.BYTES;
            if (accumulatorLength == NO_ACCUMULATOR)
            {
                continue;
            }
            if (!fitsAccumulator(accumulatorLength, end - at))
            {
                throw corrupt(length, "window " + i + " has an accumulator of " + accumulatorLength + " bytes");
            }
            state.accumulator(state.windows.stateNamespace(i),
                accumulatorCodec.decode(buffer, at, accumulatorLength, null));
            at += accumulatorLength;
        }
        if (at != end)
        {
            throw corrupt(length, (end - at) + " bytes after the last accumulator");
        }
        return state;
    }

    public String format(final DirectBuffer buffer, final int offset, final int length)
    {
        final SessionState<ACC> state = decode(buffer, offset, length, null);
        final SessionWindowSet windows = state.windows;
        final StringBuilder text = new StringBuilder("[");
        int at = offset + SessionWindowSetCodec.INSTANCE.encodedLength(windows);
        for (int i = 0; i < windows.size(); i++)
        {
            final int accumulatorLength = buffer.getInt(at, ByteOrder.BIG_ENDIAN);
            at += Integer.BYTES;
            text.append(i == 0 ? "" : ", ").append('[').append(windows.start(i)).append(", ").append(windows.end(i))
                .append("): ").append(accumulatorLength == NO_ACCUMULATOR ? "none" :
                    accumulatorCodec.format(buffer, at, accumulatorLength));
            at += Math.max(0, accumulatorLength);
        }
        return text.append(']').toString();
    }
}
