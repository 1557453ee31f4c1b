package io.weir.engine.runtime;

import io.weir.state.spi.StateKeyDescriptor;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Which entry of a state a look-ahead prefetches under an event's or a timer's key, packed in an int: the state id
 * in the low 16 bits and, for a state whose first read is not its base key (a list reads its head first), the
 * marker byte that follows the base, plus one, above them (0: the base key itself).
 */
public final class PrefetchedStates
{
    /** Bytes a marker adds to a prefetched key at most. */
    static final int MARKER_BYTES = 1;

    private PrefetchedStates()
    {
    }

    /** The state's entry under the base key (value, reducing and aggregating states). */
    public static int baseEntry(final int stateId)
    {
        return stateId;
    }

    /** The state's entry under the base key followed by {@code marker} (a list's head). */
    static int markedEntry(final int stateId, final byte marker)
    {
        return stateId | (((marker & 0xFF) + 1) << 16);
    }

    static int stateId(final int entry)
    {
        return entry & 0xFFFF;
    }

    /**
     * Write the store key of {@code entry} under {@code src[offset, offset + keyLength)}, after {@code namespace}
     * for a state scoped by one.
     *
     * @return the key's length.
     */
    public static int writeKey(
        final MutableDirectBuffer dst,
        final int at,
        final int keyGroup,
        final int entry,
        final DirectBuffer src,
        final int offset,
        final int keyLength,
        final boolean namespaced,
        final long namespace)
    {
        int length = StateKeyDescriptor.writePrefix(dst, at, keyGroup, entry & 0xFFFF, src, offset, keyLength);
        if (namespaced)
        {
            dst.putLong(at + length, namespace, java.nio.ByteOrder.BIG_ENDIAN);
            length += Long.BYTES;
        }
        final int marker = entry >>> 16;
        if (0 != marker)
        {
            dst.putByte(at + length, (byte)(marker - 1));
            length++;
        }
        return length;
    }
}
