package io.weir.engine.state;

import io.weir.api.state.StateDescriptor;
import io.weir.state.spi.StateKeyDescriptor;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;

import java.util.List;

/**
 * TTL "cleanup in full snapshot": tells the snapshot writer which entries of a full snapshot have expired, so
 * it can leave them out. Only states with {@link RegisteredState#ttlCleanupInSnapshot()} are filtered, and only
 * their data entries (values, list chunks and heads, by-key map entries, packed maps; see
 * {@link StateLayoutDescriptor}), whose value starts with the last-access timestamp (a list's head with the newest of
 * the list's, so it goes with the last of them). Map heads and the slot directory are kept; readers skip the holes.
 * A packed map whose newest stamp is live is kept without its expired elements, or left out if none of its elements
 * is live ({@link #liveElements}).
 * <p>
 * Immutable after {@link #of}; {@link #isExpired} may be called from the snapshot thread.
 */
public final class TtlSnapshotFilter
{
    private final long nowMs;
    /** Indexed by state id; null where the state is not filtered. */
    private final RegisteredState[] byId;

    private TtlSnapshotFilter(final List<RegisteredState> states, final long nowMs)
    {
        this.nowMs = nowMs;
        int maxId = 0;
        for (final RegisteredState state : states)
        {
            maxId = Math.max(maxId, state.id());
        }
        this.byId = new RegisteredState[maxId + 1];
        for (final RegisteredState state : states)
        {
            if (state.ttlMs() > 0 && state.ttlCleanupInSnapshot())
            {
                byId[state.id()] = state;
            }
        }
    }

    /** A filter for the states registered when the snapshot was taken, at processing time {@code nowMs}. */
    public static TtlSnapshotFilter of(final List<RegisteredState> states, final long nowMs)
    {
        return new TtlSnapshotFilter(states, nowMs);
    }

    /** One-off form of {@link #isExpired(DirectBuffer, int, DirectBuffer, int)}. */
    public static boolean isExpired(
        final List<RegisteredState> states,
        final long nowMs,
        final DirectBuffer key,
        final int keyLength,
        final DirectBuffer value,
        final int valueLength)
    {
        return of(states, nowMs).isExpired(key, keyLength, value, valueLength);
    }

    /** @return true when no registered state asks for cleanup in snapshots, so nothing needs checking. */
    public boolean isEmpty()
    {
        for (final RegisteredState state : byId)
        {
            if (state != null)
            {
                return false;
            }
        }
        return true;
    }

    /**
     * @param value the entry's value, or null for a delta tombstone (never expired).
     * @return true when the snapshot writer should skip this entry.
     */
    public boolean isExpired(final DirectBuffer key, final int keyLength, final DirectBuffer value, final int valueLength)
    {
        if (value == null || keyLength < StateKeyDescriptor.KEY_OFFSET ||
            valueLength < StateLayoutDescriptor.TTL_TIMESTAMP_LENGTH)
        {
            return false;
        }
        final int stateId = StateKeyDescriptor.stateId(key);
        final RegisteredState state = stateId < byId.length ? byId[stateId] : null;
        if (state == null ||
            !StateLayoutDescriptor.isDataEntry(state.kind(), key, keyLength, state.namespaced(), valueLength))
        {
            return false;
        }
        return TtlPolicy.isExpired(StateLayoutDescriptor.ttlTimestamp(value), state.ttlMs(), nowMs);
    }

    /**
     * The live part of a packed map entry that {@link #isExpired} keeps but some of whose elements expired.
     *
     * @return the length of the entry's value without its expired elements, written into {@code scratch}; 0 when
     * every element expired (a newest stamp later than all of them, after the clock stepped back), so the entry is
     * left out as an expired one is; or -1 when the entry is kept as it is (not a filtered packed map, nothing
     * expired, or bytes that do not fit the layout, which the reader reports).
     */
    public int liveElements(
        final DirectBuffer key,
        final int keyLength,
        final DirectBuffer value,
        final int valueLength,
        final LiveElements scratch)
    {
        if (value == null || keyLength < StateKeyDescriptor.KEY_OFFSET)
        {
            return -1;
        }
        final int stateId = StateKeyDescriptor.stateId(key);
        final RegisteredState state = stateId < byId.length ? byId[stateId] : null;
        if (state == null || state.kind() != StateDescriptor.Kind.MAP)
        {
            return -1;
        }
        final int base = StateLayoutDescriptor.baseLength(key, state.namespaced());
        if (keyLength != base + StateLayoutDescriptor.MARKER_LENGTH ||
            key.getByte(base) != StateLayoutDescriptor.MAP_PACKED_MARKER)
        {
            return -1;
        }
        final PackedMapEntry entry = scratch.entry;
        if (!entry.wrap(value, valueLength))
        {
            return -1;
        }
        final int length = entry.copyWithout(scratch.buffer, -1, state.ttlMs(), nowMs);
        final int live = entry.countOf(scratch.buffer);
        if (live == entry.count())
        {
            return -1;
        }
        return live == 0 ? 0 : length;
    }

    /** Scratch space for {@link #liveElements}: one per thread that writes snapshot entries, used by it only. */
    public static final class LiveElements
    {
        private final PackedMapEntry entry = new PackedMapEntry(true);
        private final ExpandableDirectByteBuffer buffer = new ExpandableDirectByteBuffer(256);

        /** The value {@link #liveElements} wrote last. */
        public DirectBuffer buffer()
        {
            return buffer;
        }
    }
}
