package io.weir.engine.state;

import io.weir.state.spi.EntryVisitor;
import io.weir.state.spi.KeyedStateStore;
import io.weir.state.spi.StateKeyDescriptor;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;

/**
 * Flink's {@code cleanupIncrementally(N, perRecord)} for one state: each {@link #step()} examines up to N data
 * entries of the state and removes the expired ones.
 * <p>
 * The SPI's {@link KeyedStateStore#forEach} has no resumable cursor, so candidates are gathered in chunks: a
 * refill runs one {@code forEach}, skips the state's first {@code resumePosition} data entries and copies the
 * keys of the next {@code chunkCapacity} into a reused direct arena (no allocation per key); steps then work
 * through the chunk. A pass that ends before filling a chunk wraps the position to 0. Backends whose iteration
 * order moves under writes may make a pass skip or revisit entries; the next pass catches what was skipped.
 * A refill that finds no data entry of the state at time T waits until T + ttl before the next one: anything
 * written after T expires no earlier than that, so an empty state does not cost a full {@code forEach} per access.
 * <p>
 * Shard thread only.
 */
final class TtlIncrementalCleanup implements EntryVisitor
{
    private static final int MIN_CHUNK = 1024;
    private static final int MAX_CHUNK = 65_536;

    private final KeyedStateStore store;
    private final AbstractStateView view;
    private final RegisteredState registration;
    private final int entriesPerStep;
    private final int chunkCapacity;
    private final ExpandableDirectByteBuffer arena = new ExpandableDirectByteBuffer(16 * 1024);
    private final int[] offsets;
    private final int[] lengths;
    private int arenaPosition;
    private int count;
    private int next;
    private long resumePosition;
    private long candidatesSeen;
    private long idleUntilMs = Long.MIN_VALUE;

    TtlIncrementalCleanup(
        final KeyedStateStore store, final AbstractStateView view, final int entriesPerStep)
    {
        this.store = store;
        this.view = view;
        this.registration = view.registration;
        this.entriesPerStep = entriesPerStep;
        this.chunkCapacity = (int)Math.min(MAX_CHUNK, Math.max(MIN_CHUNK, (long)entriesPerStep * 8));
        this.offsets = new int[chunkCapacity];
        this.lengths = new int[chunkCapacity];
    }

    /** Examine up to N entries of the state; returns the number removed. Runs at most one refill. */
    int step()
    {
        int removed = 0;
        boolean refilled = false;
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
            removed += view.cleanupIfExpired(arena, offsets[next], lengths[next]);
            next++;
        }
        return removed;
    }

    private boolean refill()
    {
        final long nowMs = view.clock.time();
        if (nowMs < idleUntilMs)
        {
            return false;
        }
        final boolean resumed = resumePosition > 0;
        count = 0;
        next = 0;
        arenaPosition = 0;
        candidatesSeen = 0;
        store.forEach(this);
        if (count < chunkCapacity)
        {
            resumePosition = 0;
        }
        else
        {
            resumePosition += count;
        }
        if (count == 0)
        {
            if (resumed)
            {
                return false; // the state shrank below the resume position: start over from 0 on the next step
            }
            idleUntilMs = nowMs + view.ttl.ttlMs;
            return false;
        }
        return true;
    }

    public void onEntry(final DirectBuffer key, final int keyLength, final DirectBuffer value, final int valueLength)
    {
        if (count == chunkCapacity ||
            keyLength < StateKeyDescriptor.KEY_OFFSET ||
            StateKeyDescriptor.stateId(key) != registration.id() ||
            !StateLayoutDescriptor.isDataEntry(registration.kind(), key, keyLength, registration.namespaced()))
        {
            return;
        }
        if (candidatesSeen++ < resumePosition)
        {
            return;
        }
        arena.putBytes(arenaPosition, key, 0, keyLength);
        offsets[count] = arenaPosition;
        lengths[count] = keyLength;
        arenaPosition += keyLength;
        count++;
    }
}
