package io.weir.state.spi;

/**
 * A factory of per-shard {@link KeyedStateStore}s: the SPI a state backend implements. Implementations are
 * immutable configuration objects; {@link #createStore} is called once per shard from the thread that wires
 * the job.
 */
public interface StateBackend
{
    /** Short name recorded in checkpoints and shown by tools, e.g. {@code chronicle}, {@code lmdb}. */
    String name();

    /**
     * @param shardId          the shard that will own the store.
     * @param expectedEntries  a sizing hint for the number of entries this shard will hold.
     */
    KeyedStateStore createStore(int shardId, long expectedEntries);

    /**
     * The store of operator {@code operatorUid}'s instance on shard {@code shardId}, for jobs of several keyed
     * operators: a backend that keeps files names them by both. Default: {@link #createStore(int, long)}, for
     * backends that keep nothing on disk.
     */
    default KeyedStateStore createStore(final String operatorUid, final int shardId, final long expectedEntries)
    {
        return createStore(shardId, expectedEntries);
    }

    /**
     * Whether the shard that owns a store may read the store's snapshots itself, between its own writes
     * ({@link StoreSnapshot#read}). False when a write may have to wait for an open snapshot to be released:
     * the shard would then wait for itself. Such a backend's snapshots are always read by the checkpoint thread.
     */
    default boolean shardMayReadItsSnapshots()
    {
        return true;
    }

    /**
     * A job that takes checkpoints is being wired: called from its thread before any shard starts. A backend may
     * run its snapshot code once here (or start it on a thread of its own, for its stores'
     * {@link KeyedStateStore#prepareForCheckpoints} to wait for), so that it is loaded and profiled before events
     * arrive rather than on a shard when the first checkpoint needs it. Default: nothing.
     */
    default void prepareForCheckpoints()
    {
    }
}
