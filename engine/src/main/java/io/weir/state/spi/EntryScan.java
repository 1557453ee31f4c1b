package io.weir.state.spi;

/**
 * A walk over a store's live entries in bounded steps, for work spread over many duty cycles (incremental TTL
 * cleanup): a pass over n entries costs O(n) visits however many steps it takes, where re-running
 * {@link KeyedStateStore#forEach} per chunk cost O(n) per chunk.
 * <p>
 * An entry live from the start to the end of a pass is visited at least once in it; an entry written or removed
 * during the pass may be missed or visited twice. Owned by the store's shard thread, like the store.
 */
public interface EntryScan
{
    /**
     * Visits entries from where the previous step stopped: at least {@code minEntries} unless the pass ends first
     * or the step has passed over many places that hold no entry (at least eight for each entry asked for, such as
     * free slots), which it need not pay for at once. A backend may visit more, to finish the unit it is in, such as
     * a hash segment. The visitor must not modify the store; the buffers it is handed are valid only during its
     * call.
     *
     * @return false if the pass ended in this step; the next step starts a new pass.
     */
    boolean step(int minEntries, EntryVisitor visitor);
}
