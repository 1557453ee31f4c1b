package io.weir.engine.runtime.window;

import io.weir.api.codec.Codec;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * Stores a key's {@link SessionWindowSet} as one keyed value. All fields big-endian:
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                         Window count                          |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                       Window start (64)                      ...
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                   Window end, exclusive (64)                 ...
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                     State namespace (64)                     ...
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |            ... (start, end, namespace) per window, by start   |
 * </pre>
 * The codec id carries the layout version. Stateless and thread-safe.
 */
public final class SessionWindowSetCodec implements Codec<SessionWindowSet>
{
    static final SessionWindowSetCodec INSTANCE = new SessionWindowSetCodec();

    static final int COUNT_OFFSET = 0;
    static final int HEADER_LENGTH = Integer.BYTES;
    static final int START_OFFSET = 0;
    static final int END_OFFSET = Long.BYTES;
    static final int STATE_NAMESPACE_OFFSET = 2 * Long.BYTES;
    static final int ENTRY_LENGTH = 3 * Long.BYTES;

    public String id()
    {
        return "weir-session-window-set-v1";
    }

    public int fixedLength()
    {
        return VARIABLE_LENGTH;
    }

    public int encodedLength(final SessionWindowSet value)
    {
        return HEADER_LENGTH + value.size() * ENTRY_LENGTH;
    }

    public int encode(final SessionWindowSet value, final MutableDirectBuffer buffer, final int offset)
    {
        final int size = value.size();
        buffer.putInt(offset + COUNT_OFFSET, size, ByteOrder.BIG_ENDIAN);
        int entry = offset + HEADER_LENGTH;
        for (int i = 0; i < size; i++)
        {
            buffer.putLong(entry + START_OFFSET, value.start(i), ByteOrder.BIG_ENDIAN);
            buffer.putLong(entry + END_OFFSET, value.end(i), ByteOrder.BIG_ENDIAN);
            buffer.putLong(entry + STATE_NAMESPACE_OFFSET, value.stateNamespace(i), ByteOrder.BIG_ENDIAN);
            entry += ENTRY_LENGTH;
        }
        return HEADER_LENGTH + size * ENTRY_LENGTH;
    }

    public SessionWindowSet decode(
        final DirectBuffer buffer, final int offset, final int length, final SessionWindowSet reuse)
    {
        final int count = length >= HEADER_LENGTH ? buffer.getInt(offset + COUNT_OFFSET, ByteOrder.BIG_ENDIAN) : -1;
        if (count < 0 || length != HEADER_LENGTH + (long)count * ENTRY_LENGTH)
        {
            throw new IllegalStateException("codec " + id() + ": a stored session window set of " + length +
                " bytes does not hold a whole number of windows (count " + count + "); the state is corrupt");
        }
        final SessionWindowSet set = reuse != null ? reuse : new SessionWindowSet(count);
        set.clear();
        int entry = offset + HEADER_LENGTH;
        for (int i = 0; i < count; i++)
        {
            set.append(
                buffer.getLong(entry + START_OFFSET, ByteOrder.BIG_ENDIAN),
                buffer.getLong(entry + END_OFFSET, ByteOrder.BIG_ENDIAN),
                buffer.getLong(entry + STATE_NAMESPACE_OFFSET, ByteOrder.BIG_ENDIAN));
            entry += ENTRY_LENGTH;
        }
        return set;
    }

    public String format(final DirectBuffer buffer, final int offset, final int length)
    {
        return decode(buffer, offset, length, null).toString();
    }
}
