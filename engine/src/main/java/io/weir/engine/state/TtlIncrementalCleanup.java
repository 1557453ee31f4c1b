package io.weir.engine.state;

import io.weir.state.spi.EntryScan;
import io.weir.state.spi.EntryVisitor;
import io.weir.state.spi.KeyedStateStore;
import io.weir.state.spi.StateKeyDescriptor;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;

import java.util.Arrays;

/**
 * Flink's {@code cleanupIncrementally(N, perRecord)} for one state: each {@link #step()} examines up to N data
 * entries of the state and removes the expired ones.
 * <p>
 * Candidates come from the store's {@link EntryScan}, a walk that resumes where it stopped: a refill takes the
 * next step of at least a chunk of entries and copies the keys of this state's data entries into a reused
 * direct arena (no allocation per key, the arrays grow to the largest chunk), each with the timestamp its value led
 * with; steps then work through them. A candidate whose timestamp had not expired by the step is passed over
 * without a look-up: a later write only stamps it later. The rest are looked up and removed if still expired. A pass
 * over a store of n entries thus costs O(n), however small N is. A pass that finds no data entry of the state,
 * ending at time T, waits until T + ttl before the next one: anything written after T expires no earlier than
 * that, so an empty state does not cost a walk of the store per access.
 * <p>
 * Shard thread only.
 */
final class TtlIncrementalCleanup implements EntryVisitor
{
    private static final int MIN_CHUNK = 1024;
    private static final int MAX_CHUNK = 65_536;

    private final AbstractStateView view;
    private final RegisteredState registration;
    private final EntryScan scan;
    private final int entriesPerStep;
    private final int chunkEntries;
    private final ExpandableDirectByteBuffer arena = new ExpandableDirectByteBuffer(16 * 1024);
    private int[] offsets = new int[MIN_CHUNK];
    private int[] lengths = new int[MIN_CHUNK];
    /** The TTL timestamp each candidate's value led with when the walk found it. */
    private long[] stamps = new long[MIN_CHUNK];
    private int arenaPosition;
    private int count;
    private int next;
    private long foundInPass;
    private long idleUntilMs = Long.MIN_VALUE;

    TtlIncrementalCleanup(
        final KeyedStateStore store, final AbstractStateView view, final int entriesPerStep)
    {
        this.view = view;
        this.registration = view.registration;
        this.scan = store.newEntryScan();
        this.entriesPerStep = entriesPerStep;
        this.chunkEntries = (int)Math.min(MAX_CHUNK, Math.max(MIN_CHUNK, (long)entriesPerStep * 8));
    }

    /** Examine up to N entries of the state; returns the number removed. Runs at most one refill. */
    int step()
    {
        int removed = 0;
        boolean refilled = false;
        long nowMs = 0;
        for (int examined = 0; examined < entriesPerStep; examined++)
        {
            if (next == count)
            {
                if (refilled || !refill())
                {
                    break;
                }
                refilled = true;
            }
            if (0 == examined)
            {
                nowMs = view.clock.time();
            }
            if (view.ttl.isExpired(stamps[next], nowMs))
            {
                removed += view.cleanupIfExpired(arena, offsets[next], lengths[next]);
            }
            next++;
        }
        return removed;
    }

    /** One step of the walk; false if it found no candidate (the next refill goes on walking). */
    private boolean refill()
    {
        final long nowMs = view.clock.time();
        if (nowMs < idleUntilMs)
        {
            return false;
        }
        count = 0;
        next = 0;
        arenaPosition = 0;
        final boolean passGoesOn = scan.step(chunkEntries, this);
        foundInPass += count;
        if (!passGoesOn)
        {
            if (foundInPass == 0)
            {
                idleUntilMs = nowMs + view.ttl.ttlMs;
            }
            foundInPass = 0;
        }
        return count > 0;
    }

    public void onEntry(final DirectBuffer key, final int keyLength, final DirectBuffer value, final int valueLength)
    {
        if (keyLength < StateKeyDescriptor.KEY_OFFSET || null == value ||
            valueLength < StateLayoutDescriptor.TTL_TIMESTAMP_LENGTH ||
            StateKeyDescriptor.stateId(key) != registration.id() ||
            !StateLayoutDescriptor.isDataEntry(registration.kind(), key, keyLength, registration.namespaced()))
        {
            return;
        }
        if (count == offsets.length)
        {
            offsets = Arrays.copyOf(offsets, count * 2);
            lengths = Arrays.copyOf(lengths, count * 2);
            stamps = Arrays.copyOf(stamps, count * 2);
        }
        stamps[count] = StateLayoutDescriptor.ttlTimestamp(value);
        arena.putBytes(arenaPosition, key, 0, keyLength);
        offsets[count] = arenaPosition;
        lengths[count] = keyLength;
        arenaPosition += keyLength;
        count++;
    }
}
