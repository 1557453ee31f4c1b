package io.weir.engine.runtime;

import io.weir.engine.state.StateLayoutDescriptor;
import io.weir.state.spi.StateKeyDescriptor;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * Which entry of a state a look-ahead prefetch loads under an event's or a timer's key, as one {@code int}: the
 * state id (16 bits) and, for a state whose entry point is not the bare key, the marker byte that ends that entry's
 * key (a list's head; see {@link StateLayoutDescriptor}). A value, reducing or aggregating state's entry is the key
 * behind the state's prefix; a list's operations all start at its head, which (without TTL) also holds its tail, so
 * a short list is the one entry.
 * <p>
 * Stateless; any thread.
 */
final class PrefetchKey
{
    /** Bytes a target may add after the prefix (and namespace): its marker. */
    static final int MAX_SUFFIX_LENGTH = StateLayoutDescriptor.MARKER_LENGTH;

    private static final int STATE_ID_MASK = 0xFFFF;
    private static final int MARKER_SHIFT = 16;

    private PrefetchKey()
    {
    }

    /** The entry keyed by the bare key (and namespace): value, reducing and aggregating states. */
    static int bare(final int stateId)
    {
        return stateId & STATE_ID_MASK;
    }

    /** The entry whose key ends with {@code marker} after the key (and namespace). */
    static int marked(final int stateId, final byte marker)
    {
        return (stateId & STATE_ID_MASK) | (((marker & 0xFF) + 1) << MARKER_SHIFT);
    }

    static int stateId(final int target)
    {
        return target & STATE_ID_MASK;
    }

    /** Write {@code target}'s store key for {@code key} at {@code offset} of {@code dst}; returns its length. */
    static int write(
        final MutableDirectBuffer dst,
        final int offset,
        final int keyGroup,
        final int target,
        final DirectBuffer key,
        final int keyOffset,
        final int keyLength)
    {
        final int length = StateKeyDescriptor.writePrefix(dst, offset, keyGroup, stateId(target), key, keyOffset,
            keyLength);
        return appendMarker(dst, offset, length, target);
    }

    /** As {@link #write}, with {@code namespace} after the key: the key of a namespaced (window-scoped) state. */
    static int writeNamespaced(
        final MutableDirectBuffer dst,
        final int offset,
        final int keyGroup,
        final int target,
        final DirectBuffer key,
        final int keyOffset,
        final int keyLength,
        final long namespace)
    {
        final int prefix = StateKeyDescriptor.writePrefix(dst, offset, keyGroup, stateId(target), key, keyOffset,
            keyLength);
        dst.putLong(offset + prefix, namespace, ByteOrder.BIG_ENDIAN);
        return appendMarker(dst, offset, prefix + StateLayoutDescriptor.NAMESPACE_LENGTH, target);
    }

    private static int appendMarker(final MutableDirectBuffer dst, final int offset, final int length, final int target)
    {
        final int marker = target >>> MARKER_SHIFT;
        if (0 == marker)
        {
            return length;
        }
        dst.putByte(offset + length, (byte)(marker - 1));
        return length + StateLayoutDescriptor.MARKER_LENGTH;
    }
}
