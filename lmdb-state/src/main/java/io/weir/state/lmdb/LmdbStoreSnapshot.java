package io.weir.state.lmdb;

import io.weir.state.changes.ChangeSet;
import io.weir.state.spi.EntryVisitor;
import io.weir.state.spi.StoreSnapshot;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.lmdbjava.Cursor;
import org.lmdbjava.Dbi;
import org.lmdbjava.Txn;

/**
 * An MVCC snapshot of an {@link LmdbKeyedStateStore}: a read transaction opened at the snapshot point. The
 * environment has {@code MDB_NOTLS}, so the transaction, opened on the shard thread, is used and closed by the
 * snapshot thread. A full snapshot visits the {@code state} database; a delta visits the keys the interval that
 * ended at the snapshot point changed (its frozen {@link ChangeSet}), with each key's value in
 * this transaction or a tombstone (null value) if it is absent. Values are visited without their stamp.
 * <p>
 * Keep it short: while it is open the writer cannot reuse the pages it sees (the file grows under rewrites) and
 * the map cannot grow. {@link #forEach} and {@link #release()} are called from the snapshot thread, one at a time.
 */
final class LmdbStoreSnapshot implements StoreSnapshot
{
    private final LmdbKeyedStateStore store;
    private final long checkpointId;
    private final boolean full;
    private final Txn<DirectBuffer> readTxn;
    private final Dbi<DirectBuffer> stateDbi;
    private final ChangeSet changes;
    private final UnsafeBuffer keyView = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer valueView = new UnsafeBuffer(0, 0);
    private volatile boolean released;

    LmdbStoreSnapshot(
        final LmdbKeyedStateStore store,
        final long checkpointId,
        final boolean full,
        final Txn<DirectBuffer> readTxn,
        final Dbi<DirectBuffer> stateDbi,
        final ChangeSet changes)
    {
        this.store = store;
        this.checkpointId = checkpointId;
        this.full = full;
        this.readTxn = readTxn;
        this.stateDbi = stateDbi;
        this.changes = changes;
    }

    public long checkpointId()
    {
        return checkpointId;
    }

    public boolean isFull()
    {
        return full;
    }

    public void forEach(final EntryVisitor visitor)
    {
        if (released)
        {
            throw new IllegalStateException("snapshot of checkpoint " + checkpointId + " was released");
        }
        if (full)
        {
            try (Cursor<DirectBuffer> cursor = stateDbi.openCursor(readTxn))
            {
                LmdbKeyedStateStore.visitCursor(cursor, visitor, valueView);
            }
        }
        else
        {
            changes.keys.forEach((buffer, offset, length) ->
            {
                keyView.wrap(buffer, offset, length);
                final DirectBuffer value = stateDbi.get(readTxn, keyView);
                if (null == value)
                {
                    visitor.onEntry(keyView, length, null, 0);
                }
                else
                {
                    valueView.wrap(value, LmdbKeyedStateStore.STAMP_BYTES, value.capacity() - LmdbKeyedStateStore.STAMP_BYTES);
                    visitor.onEntry(keyView, length, valueView, valueView.capacity());
                }
            });
        }
    }

    public void release()
    {
        synchronized (store.lifecycleLock)
        {
            if (released)
            {
                return;
            }
            try
            {
                readTxn.close();
            }
            finally
            {
                released = true;
                store.onSnapshotReleased();
            }
        }
    }

    /** Shard thread, once released: the frozen change set, for reuse. */
    ChangeSet changes()
    {
        return changes;
    }

    boolean isReleased()
    {
        return released;
    }

    public String toString()
    {
        return "LmdbStoreSnapshot{checkpointId=" + checkpointId + ", full=" + full + ", released=" + released + '}';
    }
}
