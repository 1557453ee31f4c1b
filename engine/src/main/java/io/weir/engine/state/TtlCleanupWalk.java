package io.weir.engine.state;

import io.weir.state.spi.EntryScan;
import io.weir.state.spi.EntryVisitor;
import io.weir.state.spi.KeyedStateStore;
import io.weir.state.spi.StateKeyDescriptor;
import org.agrona.DirectBuffer;

import java.util.Arrays;

/**
 * The one walk of a shard store that feeds the {@link TtlIncrementalCleanup} of every state registered on it: each
 * {@link #refill} visits the next step of entries and hands each state's data entries to that state's cleanup. A
 * walk per state would visit the whole store once per TTL'd state, and the states of an operator share one store.
 * <p>
 * A pass that finds no candidate for a state, ending at time T, makes that state's cleanup wait until T plus its
 * TTL before it asks for more ({@link TtlIncrementalCleanup#onPassEnd}): anything written after T expires no earlier
 * than that, and a state with no entries does not cost a walk step per step of its own.
 * <p>
 * Shard thread only.
 */
final class TtlCleanupWalk implements EntryVisitor
{
    /**
     * Entries a refill asks for: a backend may visit more, to finish the unit it is in (a hash segment), or fewer,
     * having passed over many places that hold none ({@link io.weir.state.spi.EntryScan#step}).
     */
    static final int MIN_STEP_ENTRIES = 1024;
    private static final int MAX_STEP_ENTRIES = 65_536;

    private final EntryScan scan;
    private TtlIncrementalCleanup[] byStateId = new TtlIncrementalCleanup[8];
    private TtlIncrementalCleanup[] cleanups = new TtlIncrementalCleanup[0];
    private int stepEntries = MIN_STEP_ENTRIES;

    TtlCleanupWalk(final KeyedStateStore store)
    {
        this.scan = store.newEntryScan();
    }

    /** Feed {@code cleanup} from this walk; its N entries per step set how far a refill walks, at least. */
    void add(final TtlIncrementalCleanup cleanup, final int stateId, final int entriesPerStep)
    {
        if (stateId >= byStateId.length)
        {
            byStateId = Arrays.copyOf(byStateId, Math.max(stateId + 1, byStateId.length * 2));
        }
        byStateId[stateId] = cleanup;
        cleanups = Arrays.copyOf(cleanups, cleanups.length + 1);
        cleanups[cleanups.length - 1] = cleanup;
        stepEntries = (int)Math.min(MAX_STEP_ENTRIES, Math.max(stepEntries, (long)entriesPerStep * 8));
    }

    /** Walk one step, handing each state its entries; at the end of a pass, tell every state so. */
    void refill(final long nowMs)
    {
        if (!scan.step(stepEntries, this))
        {
            for (final TtlIncrementalCleanup cleanup : cleanups)
            {
                cleanup.onPassEnd(nowMs);
            }
        }
    }

    public void onEntry(final DirectBuffer key, final int keyLength, final DirectBuffer value, final int valueLength)
    {
        if (keyLength < StateKeyDescriptor.KEY_OFFSET || null == value)
        {
            return;
        }
        final int stateId = StateKeyDescriptor.stateId(key);
        if (stateId < byStateId.length)
        {
            final TtlIncrementalCleanup cleanup = byStateId[stateId];
            if (null != cleanup)
            {
                cleanup.offer(key, keyLength, value, valueLength);
            }
        }
    }
}
