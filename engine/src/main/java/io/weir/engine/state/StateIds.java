package io.weir.engine.state;

import java.util.HashMap;

/**
 * The state ids of a job, shared by the {@link KeyedStateRegistry} of every shard: a state name gets one id, from
 * 1 in the order the job first registers names (0 is reserved), whichever shard registers it and whenever. So a
 * state registered lazily (on its first use in {@code processElement}, as Flink allows) has the same id on every
 * shard, and the states of all shards' snapshot points describe their entries with one list. A name registered
 * again must have the same kind, codecs, namespacing and TTL on every shard.
 * <p>
 * Thread safe: shard threads register concurrently. Only the first registration of a name on each shard reaches
 * here, never an element's hot path.
 */
public final class StateIds
{
    static final int MAX_STATE_ID = 0xFFFF;

    private final HashMap<String, RegisteredState> byName = new HashMap<>();
    private int nextStateId = 1;

    /**
     * @param state what a shard registers; its id is ignored.
     * @return {@code state} with the name's job-wide id.
     * @throws IllegalArgumentException when another shard registered the name with another layout.
     * @throws IllegalStateException    when the job has {@value #MAX_STATE_ID} states already.
     */
    public synchronized RegisteredState register(final RegisteredState state)
    {
        final RegisteredState existing = byName.get(state.name());
        if (existing != null)
        {
            final RegisteredState withId = withId(state, existing.id());
            if (!withId.equals(existing))
            {
                throw new IllegalArgumentException("state '" + state.name() + "' is registered as " + existing +
                    " on another shard and cannot be registered as " + withId + " here; every shard must register " +
                    "a state name with the same descriptor");
            }
            return existing;
        }
        if (nextStateId > MAX_STATE_ID)
        {
            throw new IllegalStateException("cannot register state '" + state.name() + "': a job holds at most " +
                MAX_STATE_ID + " states; reuse descriptors instead of creating one per element");
        }
        final RegisteredState registered = withId(state, nextStateId++);
        byName.put(state.name(), registered);
        return registered;
    }

    private static RegisteredState withId(final RegisteredState state, final int id)
    {
        return new RegisteredState(id, state.name(), state.kind(), state.valueCodecId(), state.userKeyCodecId(),
            state.ttlMs(), state.namespaced(), state.ttlCleanupInSnapshot());
    }
}
