package io.weir.state.lmdb;

import io.weir.state.changes.ChangeSet;
import io.weir.state.changes.KeyLog;
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
 * the map cannot grow. {@link #forEach} or {@link #read}, and {@link #release()}, are called by one reading thread
 * at a time: the checkpoint thread, or the shard itself between events (the transaction has no thread).
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
    private final KeyLog.KeyConsumer onChangedKey = this::onChangedKey;
    private volatile boolean released;
    private Cursor<DirectBuffer> cursor;
    private EntryVisitor visitor;
    private int logPosition;
    private boolean done;

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
            this.visitor = visitor;
            try
            {
                changes.keys.forEach(0, Integer.MAX_VALUE, onChangedKey);
            }
            finally
            {
                this.visitor = null;
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
        this.visitor = visitor;
        try
        {
            if (full)
            {
                readCursor(budget);
            }
            else
            {
                logPosition = changes.keys.forEach(logPosition, budget, onChangedKey);
                done = logPosition >= changes.keys.endPosition();
            }
        }
        finally
        {
            this.visitor = null;
        }
        return !done;
    }

    private void readCursor(final int budget)
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

    private void onChangedKey(final DirectBuffer buffer, final int offset, final int length)
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
