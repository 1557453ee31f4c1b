package io.weir.state.lmdb;

import io.weir.state.spi.EntryVisitor;
import io.weir.state.spi.StoreSnapshot;
import org.agrona.DirectBuffer;
import org.lmdbjava.Cursor;
import org.lmdbjava.Dbi;
import org.lmdbjava.Txn;

/**
 * An MVCC snapshot of an {@link LmdbKeyedStateStore}: a read transaction opened at the snapshot point. The
 * environment has {@code MDB_NOTLS}, so the transaction, opened on the shard thread, is used and closed by the
 * snapshot thread. A full snapshot visits the {@code state} database; a delta visits the changed-key set of the
 * period that ended at the snapshot point, with each key's value in this transaction or a tombstone (null value)
 * if it is absent.
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
    private final Dbi<DirectBuffer> changedDbi;
    private volatile boolean released;

    LmdbStoreSnapshot(
        final LmdbKeyedStateStore store,
        final long checkpointId,
        final boolean full,
        final Txn<DirectBuffer> readTxn,
        final Dbi<DirectBuffer> stateDbi,
        final Dbi<DirectBuffer> changedDbi)
    {
        this.store = store;
        this.checkpointId = checkpointId;
        this.full = full;
        this.readTxn = readTxn;
        this.stateDbi = stateDbi;
        this.changedDbi = changedDbi;
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
                LmdbKeyedStateStore.visitCursor(cursor, visitor);
            }
        }
        else
        {
            try (Cursor<DirectBuffer> cursor = changedDbi.openCursor(readTxn))
            {
                for (boolean found = cursor.first(); found; found = cursor.next())
                {
                    final DirectBuffer key = cursor.key();
                    final DirectBuffer value = stateDbi.get(readTxn, key);
                    visitor.onEntry(key, key.capacity(), value, null == value ? 0 : value.capacity());
                }
            }
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

    boolean isReleased()
    {
        return released;
    }

    public String toString()
    {
        return "LmdbStoreSnapshot{checkpointId=" + checkpointId + ", full=" + full + ", released=" + released + '}';
    }
}
