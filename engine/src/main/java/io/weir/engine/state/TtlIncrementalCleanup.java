package io.weir.engine.state;

import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;

import java.util.Arrays;

/**
 * Flink's {@code cleanupIncrementally(N, perRecord)} for one state: each {@link #step()} examines up to N data
 * entries of the state and removes the expired ones.
 * <p>
 * Candidates come from the store's {@link TtlCleanupWalk}, shared by the states of the store, which copies the keys
 * of this state's data entries into a reused direct arena (no allocation per key; the arrays grow to the largest
 * batch, at most {@link #MAX_PENDING} candidates), each with the timestamp its value led with; steps then work
 * through them and ask the walk for more once they ran out, unless the walk's last pass found none of this state's
 * entries: then they wait for its TTL from that pass's end. A candidate whose timestamp had not expired by the step
 * is passed over without a look-up: a later write only stamps it later. The rest are looked up and removed if still
 * expired. A pass over a store of n entries thus costs O(n), however small N is.
 * <p>
 * Shard thread only.
 */
final class TtlIncrementalCleanup
{
    /**
     * Candidates a batch holds at most; the walk's next pass finds those it could not hand over. The walk hands
     * every state of the store its entries while each state works through N per step, so a state with many entries
     * would otherwise pile up candidates (and their keys) far ahead of its steps.
     */
    static final int MAX_PENDING = 4_096;
    private static final int INITIAL_CAPACITY = 1024;

    private final AbstractStateView view;
    private final RegisteredState registration;
    private final TtlCleanupWalk walk;
    private final int entriesPerStep;
    private final ExpandableDirectByteBuffer arena = new ExpandableDirectByteBuffer(16 * 1024);
    private int[] offsets = new int[INITIAL_CAPACITY];
    private int[] lengths = new int[INITIAL_CAPACITY];
    /** The TTL timestamp each candidate's value led with when the walk found it. */
    private long[] stamps = new long[INITIAL_CAPACITY];
    private int arenaPosition;
    private int count;
    private int next;
    /** Data entries of this state the walk found in its current pass. */
    private long foundInPass;
    private long idleUntilMs = Long.MIN_VALUE;

    TtlIncrementalCleanup(final TtlCleanupWalk walk, final AbstractStateView view, final int entriesPerStep)
    {
        this.view = view;
        this.registration = view.registration;
        this.walk = walk;
        this.entriesPerStep = entriesPerStep;
        walk.add(this, registration.id(), entriesPerStep);
    }

    /** Examine up to N entries of the state; returns the number removed. Asks the walk for more when none wait. */
    int step()
    {
        final long nowMs = view.clock.time();
        if (next == count)
        {
            if (nowMs < idleUntilMs)
            {
                return 0;
            }
            walk.refill(nowMs);
        }
        int removed = 0;
        for (int examined = 0; examined < entriesPerStep && next < count; examined++)
        {
            if (view.ttl.isExpired(stamps[next], nowMs))
            {
                removed += view.cleanupIfExpired(arena, offsets[next], lengths[next]);
            }
            next++;
        }
        return removed;
    }

    /** The walk finished a pass: one that found none of this state's entries makes it wait for its TTL. */
    void onPassEnd(final long nowMs)
    {
        if (0 == foundInPass)
        {
            idleUntilMs = nowMs + view.ttl.ttlMs;
        }
        foundInPass = 0;
    }

    /** Candidates of the batch not examined yet (tests). */
    int pending()
    {
        return count - next;
    }

    /**
     * An entry the walk found: kept as a candidate if it is one of this state's data entries and the batch being
     * worked through holds fewer than {@link #MAX_PENDING}.
     */
    void offer(final DirectBuffer key, final int keyLength, final DirectBuffer value, final int valueLength)
    {
        if (valueLength < StateLayoutDescriptor.TTL_TIMESTAMP_LENGTH ||
            !StateLayoutDescriptor.isDataEntry(
                registration.kind(), key, keyLength, registration.namespaced(), valueLength))
        {
            return;
        }
        foundInPass++;
        if (next == count)
        {
            count = 0;
            next = 0;
            arenaPosition = 0;
        }
        if (count >= MAX_PENDING)
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
