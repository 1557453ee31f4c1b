package io.weir.engine.state;

import io.weir.api.state.StateDescriptor;

/**
 * What a checkpoint manifest records about one registered state, and what {@link TtlSnapshotFilter} needs to find
 * the TTL timestamp of its entries.
 *
 * @param id                   state id written in every composite key of the state (1..65535).
 * @param name                 the descriptor's name.
 * @param kind                 the primitive; a {@link io.weir.api.state.LongValueState} is {@code VALUE} with codec
 *                             {@code long}.
 * @param valueCodecId         codec id of the stored value (list element, map value, accumulator).
 * @param userKeyCodecId       codec id of a map's user key, or the empty string.
 * @param ttlMs                time to live, or 0 when TTL is off.
 * @param namespaced           true when the state was registered with {@link KeyedStateRegistry#getNamespacedState}.
 * @param ttlCleanupInSnapshot true when expired entries are to be left out of full snapshots.
 */
public record RegisteredState(
    int id,
    String name,
    StateDescriptor.Kind kind,
    String valueCodecId,
    String userKeyCodecId,
    long ttlMs,
    boolean namespaced,
    boolean ttlCleanupInSnapshot)
{
    /**
     * Written out rather than the record's own: a shard that registers a state another shard registered first
     * compares them as it opens, and the record's generated equality costs its first caller the building of
     * method handles, on the shard thread, before the job's first event.
     */
    @Override
    public boolean equals(final Object o)
    {
        if (this == o)
        {
            return true;
        }
        if (!(o instanceof RegisteredState))
        {
            return false;
        }
        final RegisteredState that = (RegisteredState)o;
        return id == that.id && ttlMs == that.ttlMs && namespaced == that.namespaced &&
            ttlCleanupInSnapshot == that.ttlCleanupInSnapshot && kind == that.kind &&
            java.util.Objects.equals(name, that.name) &&
            java.util.Objects.equals(valueCodecId, that.valueCodecId) &&
            java.util.Objects.equals(userKeyCodecId, that.userKeyCodecId);
    }

    @Override
    public int hashCode()
    {
        int h = id;
        h = 31 * h + java.util.Objects.hashCode(name);
        h = 31 * h + java.util.Objects.hashCode(kind);
        h = 31 * h + java.util.Objects.hashCode(valueCodecId);
        h = 31 * h + java.util.Objects.hashCode(userKeyCodecId);
        h = 31 * h + Long.hashCode(ttlMs);
        h = 31 * h + Boolean.hashCode(namespaced);
        return 31 * h + Boolean.hashCode(ttlCleanupInSnapshot);
    }

    /**
     * The states of both lists, in id order: what a checkpoint's manifest describes when its shards' snapshot
     * points saw different states (a state registered lazily on some shards only). Ids are job-wide
     * ({@link StateIds}), so an id names the same state in every list.
     *
     * @throws IllegalStateException when one id names two different states.
     */
    public static java.util.List<RegisteredState> union(
        final java.util.List<RegisteredState> first, final java.util.List<RegisteredState> second)
    {
        final java.util.TreeMap<Integer, RegisteredState> byId = new java.util.TreeMap<>();
        for (final java.util.List<RegisteredState> states : java.util.List.of(first, second))
        {
            for (final RegisteredState state : states)
            {
                final RegisteredState existing = byId.putIfAbsent(state.id(), state);
                if (existing != null && !existing.equals(state))
                {
                    throw new IllegalStateException("state id " + state.id() + " names both " + existing + " and " +
                        state + "; shards must take state ids from the job's StateIds");
                }
            }
        }
        return java.util.List.copyOf(byId.values());
    }
}
