package io.weir.state.spi;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Layout of the composite keys handed to a {@link KeyedStateStore}.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-------------------------------+-------------------------------+
 *  |      key group (u16, BE)      |        state id (u16, BE)     |
 *  +-------------------------------+-------------------------------+
 *  |     key length (u16, BE)      |  key bytes ...                |
 *  +-------------------------------+                               |
 *  |  ... key bytes  |  suffix: namespace / element id / map key ...
 *  +---------------------------------------------------------------+
 * </pre>
 * Big-endian so that byte order equals numeric order for key group and state id.
 */
public final class StateKeyDescriptor
{
    public static final int KEY_GROUP_OFFSET = 0;
    public static final int STATE_ID_OFFSET = 2;
    public static final int KEY_LENGTH_OFFSET = 4;
    public static final int KEY_OFFSET = 6;
    public static final int MAX_KEY_LENGTH = 0xFFFF;

    private StateKeyDescriptor()
    {
    }

    /**
     * Write {@code [key group][state id][key length][key]} at {@code offset} of {@code dst}: the whole store key of
     * a state without a suffix (value, reducing, aggregating), and the prefix of the others.
     *
     * @return the number of bytes written.
     */
    public static int writePrefix(
        final MutableDirectBuffer dst,
        final int offset,
        final int keyGroup,
        final int stateId,
        final DirectBuffer key,
        final int keyOffset,
        final int keyLength)
    {
        dst.putShort(offset + KEY_GROUP_OFFSET, (short)keyGroup, java.nio.ByteOrder.BIG_ENDIAN);
        dst.putShort(offset + STATE_ID_OFFSET, (short)stateId, java.nio.ByteOrder.BIG_ENDIAN);
        dst.putShort(offset + KEY_LENGTH_OFFSET, (short)keyLength, java.nio.ByteOrder.BIG_ENDIAN);
        SmallCopy.copy(dst, offset + KEY_OFFSET, key, keyOffset, keyLength);
        return KEY_OFFSET + keyLength;
    }

    public static int keyGroup(final DirectBuffer compositeKey)
    {
        return compositeKey.getShort(KEY_GROUP_OFFSET, java.nio.ByteOrder.BIG_ENDIAN) & 0xFFFF;
    }

    public static int stateId(final DirectBuffer compositeKey)
    {
        return compositeKey.getShort(STATE_ID_OFFSET, java.nio.ByteOrder.BIG_ENDIAN) & 0xFFFF;
    }

    public static int keyLength(final DirectBuffer compositeKey)
    {
        return compositeKey.getShort(KEY_LENGTH_OFFSET, java.nio.ByteOrder.BIG_ENDIAN) & 0xFFFF;
    }

    public static int suffixOffset(final DirectBuffer compositeKey)
    {
        return KEY_OFFSET + keyLength(compositeKey);
    }
}
