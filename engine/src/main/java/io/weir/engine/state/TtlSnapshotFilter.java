package io.weir.engine.state;

import io.weir.state.spi.StateKeyDescriptor;
import org.agrona.DirectBuffer;

import java.util.List;

/**
 * TTL "cleanup in full snapshot": tells the snapshot writer which entries of a full snapshot have expired, so
 * it can leave them out. Only states with {@link RegisteredState#ttlCleanupInSnapshot()} are filtered, and only
 * their data entries (values, list elements, by-key map entries; see {@link StateLayoutDescriptor}), whose value
 * starts with the last-access timestamp. Heads and the map slot directory are kept; readers skip the holes.
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
        if (state == null || !StateLayoutDescriptor.isDataEntry(state.kind(), key, keyLength, state.namespaced()))
        {
            return false;
        }
        return TtlPolicy.isExpired(StateLayoutDescriptor.ttlTimestamp(value), state.ttlMs(), nowMs);
    }
}
