package io.weir.state.heap;

import io.weir.state.spi.EntryVisitor;
import io.weir.state.spi.KeyedStateStore;
import io.weir.state.spi.StoreSnapshot;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

/**
 * {@link KeyedStateStore} over a {@code HashMap<ByteKey, byte[]>}, with copy-on-write snapshots.
 * <p>
 * Snapshots: {@link #snapshot} only records a new snapshot point (O(1) for a full snapshot; a delta also takes
 * over the set of keys changed since the previous point). The first write or remove of a key after that point
 * saves the key's previous value, or {@link #ABSENT}, as the snapshot's pre-image. A snapshot's view is then:
 * every live entry without a pre-image, plus every pre-image that is not {@code ABSENT}. Each open snapshot keeps
 * its own pre-images until {@link StoreSnapshot#release()}.
 * <p>
 * Threads: the store's methods are called from the shard thread; {@link StoreSnapshot#forEach} (or
 * {@link StoreSnapshot#read}) and {@link StoreSnapshot#release} from the reading thread (the checkpoint thread,
 * concurrently with the shard's writes, or the shard itself). Every access to the map and the pre-images holds
 * {@code lock}; a snapshot's first read copies its view under the lock and visits the copy outside it, so
 * visitors never run under the lock.
 */
public final class HeapKeyedStateStore implements KeyedStateStore
{
    /** Pre-image of a key that had no entry at the snapshot point. */
    static final byte[] ABSENT = new byte[0];

    private final Object lock = new Object();
    private final int shardId;
    private final HashMap<ByteKey, byte[]> entries;
    private final ArrayList<HeapSnapshot> openSnapshots = new ArrayList<>();
    private HashSet<ByteKey> changedSinceSnapshot = new HashSet<>();
    private long sizeBytes;
    private boolean closed;

    HeapKeyedStateStore(final int shardId, final int expectedEntries)
    {
        this.shardId = shardId;
        this.entries = new HashMap<>(Math.max(16, expectedEntries));
    }

    public int get(final DirectBuffer key, final int keyLength, final MutableDirectBuffer valueOut)
    {
        final ByteKey k = ByteKey.copyOf(key, keyLength);
        synchronized (lock)
        {
            checkOpen();
            final byte[] value = entries.get(k);
            if (value == null)
            {
                return MISSING;
            }
            valueOut.putBytes(0, value);
            return value.length;
        }
    }

    public void put(
        final DirectBuffer key, final int keyLength, final DirectBuffer value, final int valueOffset,
        final int valueLength)
    {
        final ByteKey k = ByteKey.copyOf(key, keyLength);
        final byte[] bytes = new byte[valueLength];
        value.getBytes(valueOffset, bytes);
        synchronized (lock)
        {
            checkOpen();
            final byte[] previous = entries.put(k, bytes);
            onChange(k, previous);
            sizeBytes += valueLength - (previous != null ? previous.length : -keyLength);
        }
    }

    public boolean remove(final DirectBuffer key, final int keyLength)
    {
        final ByteKey k = ByteKey.copyOf(key, keyLength);
        synchronized (lock)
        {
            checkOpen();
            final byte[] previous = entries.remove(k);
            if (previous == null)
            {
                return false;
            }
            onChange(k, previous);
            sizeBytes -= keyLength + previous.length;
            return true;
        }
    }

    public void forEach(final EntryVisitor visitor)
    {
        final ArrayList<Map.Entry<ByteKey, byte[]>> copy;
        synchronized (lock)
        {
            checkOpen();
            copy = new ArrayList<>(entries.entrySet());
        }
        visitAll(copy, visitor);
    }

    public long entryCount()
    {
        synchronized (lock)
        {
            return entries.size();
        }
    }

    public long sizeBytes()
    {
        synchronized (lock)
        {
            return sizeBytes;
        }
    }

    public StoreSnapshot snapshot(final long checkpointId, final boolean full)
    {
        synchronized (lock)
        {
            checkOpen();
            final HeapSnapshot snapshot = new HeapSnapshot(checkpointId, full, full ? null : changedSinceSnapshot);
            changedSinceSnapshot = new HashSet<>();
            openSnapshots.add(snapshot);
            return snapshot;
        }
    }

    public void close()
    {
        synchronized (lock)
        {
            closed = true;
            entries.clear();
            openSnapshots.clear();
            changedSinceSnapshot.clear();
            sizeBytes = 0;
        }
    }

    public String toString()
    {
        return "HeapKeyedStateStore{shard=" + shardId + ", entries=" + entryCount() + '}';
    }

    /** Called under the lock with the key's value before this write or remove. */
    private void onChange(final ByteKey key, final byte[] previous)
    {
        changedSinceSnapshot.add(key);
        for (int i = 0, size = openSnapshots.size(); i < size; i++)
        {
            openSnapshots.get(i).preImages.putIfAbsent(key, previous != null ? previous : ABSENT);
        }
    }

    private void checkOpen()
    {
        if (closed)
        {
            throw new IllegalStateException("heap state store of shard " + shardId + " is closed");
        }
    }

    private static void visitAll(final List<Map.Entry<ByteKey, byte[]>> copy, final EntryVisitor visitor)
    {
        final UnsafeBuffer keyBuffer = new UnsafeBuffer(new byte[0]);
        final UnsafeBuffer valueBuffer = new UnsafeBuffer(new byte[0]);
        for (final Map.Entry<ByteKey, byte[]> entry : copy)
        {
            final byte[] key = entry.getKey().bytes;
            final byte[] value = entry.getValue();
            keyBuffer.wrap(key);
            if (value == null)
            {
                visitor.onEntry(keyBuffer, key.length, null, 0);
            }
            else
            {
                valueBuffer.wrap(value);
                visitor.onEntry(keyBuffer, key.length, valueBuffer, value.length);
            }
        }
    }

    /** A snapshot point: pre-images of keys changed since, and for a delta the keys changed before it. */
    private final class HeapSnapshot implements StoreSnapshot
    {
        private final long checkpointId;
        private final boolean full;
        private final HashSet<ByteKey> changedKeys;
        final HashMap<ByteKey, byte[]> preImages = new HashMap<>();
        private boolean released;
        private ArrayList<Map.Entry<ByteKey, byte[]>> copy;
        private int copied;

        HeapSnapshot(final long checkpointId, final boolean full, final HashSet<ByteKey> changedKeys)
        {
            this.checkpointId = checkpointId;
            this.full = full;
            this.changedKeys = changedKeys;
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
            while (read(visitor, Integer.MAX_VALUE))
            {
                // read to the end
            }
        }

        /** {@inheritDoc} The first call copies the snapshot under the store's lock; each call visits the copy. */
        public boolean read(final EntryVisitor visitor, final int budget)
        {
            if (null == copy)
            {
                copy = new ArrayList<>();
                synchronized (lock)
                {
                    if (released)
                    {
                        throw new IllegalStateException("snapshot of checkpoint " + checkpointId + " on shard " +
                            shardId + " was released; read a snapshot before releasing it");
                    }
                    if (full)
                    {
                        copyFull(copy);
                    }
                    else
                    {
                        copyDelta(copy);
                    }
                }
            }
            final int end = (int)Math.min(copy.size(), (long)copied + budget);
            visitAll(copy.subList(copied, end), visitor);
            copied = end;
            return copied < copy.size();
        }

        public void release()
        {
            synchronized (lock)
            {
                if (!released)
                {
                    released = true;
                    openSnapshots.remove(this);
                    preImages.clear();
                }
            }
        }

        private void copyFull(final ArrayList<Map.Entry<ByteKey, byte[]>> copy)
        {
            for (final Map.Entry<ByteKey, byte[]> entry : entries.entrySet())
            {
                if (!preImages.containsKey(entry.getKey()))
                {
                    copy.add(Map.entry(entry.getKey(), entry.getValue()));
                }
            }
            for (final Map.Entry<ByteKey, byte[]> entry : preImages.entrySet())
            {
                if (entry.getValue() != ABSENT)
                {
                    copy.add(Map.entry(entry.getKey(), entry.getValue()));
                }
            }
        }

        private void copyDelta(final ArrayList<Map.Entry<ByteKey, byte[]>> copy)
        {
            for (final ByteKey key : changedKeys)
            {
                byte[] value = preImages.get(key);
                if (value == null)
                {
                    value = entries.get(key);
                }
                copy.add(new java.util.AbstractMap.SimpleImmutableEntry<>(key, value == ABSENT ? null : value));
            }
        }
    }
}
