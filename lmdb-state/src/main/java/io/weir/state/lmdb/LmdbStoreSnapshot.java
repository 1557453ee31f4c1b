package io.weir.state.lmdb;

import io.weir.state.changes.DeltaLog;
import io.weir.state.spi.EntryVisitor;
import io.weir.state.spi.StoreSnapshot;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.lmdbjava.Cursor;
import org.lmdbjava.Dbi;
import org.lmdbjava.Txn;

/**
 * A snapshot of an {@link LmdbKeyedStateStore}. A full one is MVCC: a read transaction opened at the snapshot
 * point, visiting the {@code state} database, values without their stamp. The environment has {@code MDB_NOTLS},
 * so the transaction, opened on the shard thread, is used and closed by the snapshot thread. Keep it short: while
 * it is open the writer cannot reuse the pages it sees (the file grows under rewrites) and the map cannot grow.
 * <p>
 * A delta reads no LMDB page: it visits the frozen {@link DeltaLog} of the interval that ended at the snapshot
 * point, each changed key once with its latest value, or a tombstone (null value) if it was removed.
 * <p>
 * {@link #forEach} or {@link #read}, and {@link #release()}, are called by one reading thread at a time: the
 * checkpoint thread, or the shard itself between events (the transaction has no thread).
 */
final class LmdbStoreSnapshot implements StoreSnapshot
{
    private final LmdbKeyedStateStore store;
    private final long checkpointId;
    private final boolean full;
    /** Null for a delta. */
    private final Txn<DirectBuffer> readTxn;
    private final Dbi<DirectBuffer> stateDbi;
    private final DeltaLog changes;
    private final UnsafeBuffer keyView = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer valueView = new UnsafeBuffer(0, 0);
    private volatile boolean released;
    private Cursor<DirectBuffer> cursor;
    private long logCursor = DeltaLog.start();
    private boolean done;

    LmdbStoreSnapshot(
        final LmdbKeyedStateStore store,
        final long checkpointId,
        final boolean full,
        final Txn<DirectBuffer> readTxn,
        final Dbi<DirectBuffer> stateDbi,
        final DeltaLog changes)
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

    /** {@inheritDoc} An MVCC snapshot can be read again: each call is a pass of its own. */
    public void forEach(final EntryVisitor visitor)
    {
        if (released)
        {
            throw new IllegalStateException("snapshot of checkpoint " + checkpointId + " was released");
        }
        if (full)
        {
            try (Cursor<DirectBuffer> passCursor = stateDbi.openCursor(readTxn))
            {
                LmdbKeyedStateStore.visitCursor(passCursor, visitor, valueView);
            }
        }
        else
        {
            for (long at = DeltaLog.start(); !changes.isEnd(at); )
            {
                at = changes.read(at, Integer.MAX_VALUE, visitor, keyView, valueView);
            }
        }
    }

    /** {@inheritDoc} A full snapshot keeps its cursor open between calls; a delta resumes in its change log. */
    public boolean read(final EntryVisitor visitor, final int budget)
    {
        if (released)
        {
            throw new IllegalStateException("snapshot of checkpoint " + checkpointId + " was released");
        }
        if (budget < 1)
        {
            throw new IllegalArgumentException("budget must be >= 1: " + budget);
        }
        if (done)
        {
            return false;
        }
        if (full)
        {
            readCursor(visitor, budget);
        }
        else
        {
            logCursor = changes.read(logCursor, budget, visitor, keyView, valueView);
            done = changes.isEnd(logCursor);
        }
        return !done;
    }

    private void readCursor(final EntryVisitor visitor, final int budget)
    {
        boolean found;
        if (null == cursor)
        {
            cursor = stateDbi.openCursor(readTxn);
            found = cursor.first();
        }
        else
        {
            found = cursor.next();
        }
        int visited = 0;
        while (found)
        {
            final DirectBuffer key = cursor.key();
            final DirectBuffer value = cursor.val();
            valueView.wrap(value, LmdbKeyedStateStore.STAMP_BYTES, value.capacity() - LmdbKeyedStateStore.STAMP_BYTES);
            visitor.onEntry(key, key.capacity(), valueView, valueView.capacity());
            if (++visited >= budget)
            {
                return; // the cursor stays on the entry just visited; the next call moves past it
            }
            found = cursor.next();
        }
        done = true;
        closeCursor();
    }

    private void closeCursor()
    {
        if (null != cursor)
        {
            cursor.close();
            cursor = null;
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
                closeCursor();
                if (null != readTxn)
                {
                    readTxn.close();
                }
            }
            finally
            {
                released = true;
                store.onSnapshotReleased();
            }
        }
    }

    /** Shard thread, once released: the frozen delta log, for reuse. */
    DeltaLog changes()
    {
        return changes;
    }

    boolean isReleased()
    {
        return released;
    }

    /** Whether the snapshot holds a read transaction, so the map cannot grow: a full one, until released. */
    boolean pinsMap()
    {
        return null != readTxn && !released;
    }

    public String toString()
    {
        return "LmdbStoreSnapshot{checkpointId=" + checkpointId + ", full=" + full + ", released=" + released + '}';
    }
}
