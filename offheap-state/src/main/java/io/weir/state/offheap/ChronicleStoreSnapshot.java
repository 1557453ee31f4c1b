package io.weir.state.offheap;

import io.weir.state.spi.EntryVisitor;
import io.weir.state.spi.StoreSnapshot;
import net.openhft.chronicle.hash.Data;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ExternalMapQueryContext;
import net.openhft.chronicle.map.MapEntry;
import net.openhft.chronicle.map.MapSegmentContext;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Copy-on-write view of a {@link ChronicleKeyedStateStore} at one snapshot point.
 * <p>
 * Taking it is O(1): the store swaps its change set (which becomes {@link #changes}, frozen) for an empty one
 * and starts a new change interval. From then on, the first write or remove of a key by the shard (its entry's
 * stamp is not the new interval, or it is a new absent key) asks {@link #needsPreImage} and, if needed, saves
 * the key's previous value or {@link #ABSENT} here before changing the entry.
 * <p>
 * Thread argument. The shard saves a pre-image and changes the entry inside one critical section holding the
 * entry's segment <em>write</em> lock (store {@code put}/{@code remove}). The snapshot thread reads an entry
 * together with its pre-image only while holding the same segment's read lock (point look-up) or update lock
 * (Chronicle holds it across one whole {@code forEachSegmentEntry}), both of which exclude the write lock;
 * the shard's own reads take only the read lock and are never blocked by the snapshot. So for every key it sees either (no pre-image, the value as of the snapshot
 * point: any change since would have saved one first) or (the pre-image, which is that value). Chronicle's
 * locks are CAS/volatile accesses on the segment header, so the lock hand-off also orders the on-heap
 * {@link #preImages} writes before the reads (and {@link ConcurrentHashMap} makes them safe regardless).
 * <ul>
 * <li>Full: segments are visited in order; {@link #segmentsVisited} is advanced inside the segment's
 * iteration lock on its first entry, so when the shard (under that segment's write lock) sees a segment as
 * visited, the visit is complete and no pre-image is needed; otherwise the visit has not started. Live
 * entries yield their pre-image if any (skipped if {@link #ABSENT}: inserted after the snapshot point), else
 * the live value; pre-images not met during the visits are keys removed since, yielded last. No more
 * pre-images are saved once every segment was visited, so that last pass reads a stable map and each key
 * is yielded exactly once.</li>
 * <li>Delta: each frozen changed key is looked up under its segment's read lock: pre-image if any, else the
 * live value, else a tombstone. The shard saves pre-images exactly for the keys in the frozen set: an entry
 * stamped with the frozen interval, or an absent key the frozen set saw without an entry.</li>
 * </ul>
 * Cost: the snapshot point allocates this object only; the shard's first write per key while a snapshot is
 * in flight copies one pre-image (on heap); the snapshot thread copies one segment at a time under its lock
 * and visits it after unlocking, so a slow visitor never blocks the shard.
 * <p>
 * If the store grows its map while the snapshot is in flight, the old map is {@link #retire}d: frozen, still
 * read by this snapshot, closed on {@link #release()}.
 * <p>
 * Threads: {@code needsPreImage}, {@code savePreImage}, {@code retire}, {@code onStoreClosed} are called by the
 * shard thread; {@link #forEach} and {@link #release} by the snapshot thread.
 */
final class ChronicleStoreSnapshot implements StoreSnapshot
{
    static final byte[] ABSENT = new byte[0];

    private static final int LENGTH_BYTES = 4;
    private static final int TOMBSTONE = -1;

    private final long checkpointId;
    private final boolean full;
    private final ChronicleMap<byte[], byte[]> map;
    private final ChronicleKeyedStateStore.ChangeSet changes;
    private final int frozenInterval;
    private final ConcurrentHashMap<ByteKey, PreImage> preImages = new ConcurrentHashMap<>();
    private final int segments;

    private volatile int segmentsVisited;
    private volatile boolean released;
    private boolean frozen;
    private boolean retired;
    private boolean storeClosed;

    ChronicleStoreSnapshot(
        final long checkpointId,
        final boolean full,
        final ChronicleMap<byte[], byte[]> map,
        final ChronicleKeyedStateStore.ChangeSet changes,
        final int frozenInterval)
    {
        this.checkpointId = checkpointId;
        this.full = full;
        this.map = map;
        this.changes = changes;
        this.frozenInterval = frozenInterval;
        this.segments = map.segments();
    }

    public long checkpointId()
    {
        return checkpointId;
    }

    public boolean isFull()
    {
        return full;
    }

    boolean isReleased()
    {
        return released;
    }

    ChronicleKeyedStateStore.ChangeSet changes()
    {
        return changes;
    }

    /**
     * Shard thread, holding the key's segment write lock, at the key's first change since the snapshot point.
     *
     * @param present whether the key has an entry; then {@code stamp} is the interval of its last write.
     */
    boolean needsPreImage(
        final int segmentIndex, final DirectBuffer key, final int keyLength, final boolean present, final int stamp)
    {
        if (frozen)
        {
            return false;
        }
        if (full)
        {
            return segmentIndex >= segmentsVisited;
        }
        return present ? stamp == frozenInterval : changes.absentKeys.contains(key, keyLength);
    }

    /** Shard thread, holding the key's segment write lock; {@code value} null when the key is absent. */
    void savePreImage(final DirectBuffer key, final int keyLength, final Data<byte[]> value)
    {
        final byte[] keyBytes = new byte[keyLength];
        key.getBytes(0, keyBytes, 0, keyLength);
        final byte[] valueBytes;
        if (null == value)
        {
            valueBytes = ABSENT;
        }
        else
        {
            valueBytes = new byte[(int)value.size() - ChronicleKeyedStateStore.STAMP_BYTES];
            value.bytes().read(value.offset() + ChronicleKeyedStateStore.STAMP_BYTES, valueBytes, 0, valueBytes.length);
        }
        preImages.put(ByteKey.copyOf(keyBytes, 0, keyLength), new PreImage(valueBytes));
    }

    /** Shard thread: the store replaced {@link #map}, which is frozen from now on. */
    synchronized void retire(final ChronicleMap<byte[], byte[]> oldMap)
    {
        frozen = true;
        if (released)
        {
            oldMap.close();
        }
        else
        {
            retired = true;
        }
    }

    /** Closing thread: the store is gone; the snapshot cannot be read any more. */
    synchronized void onStoreClosed()
    {
        storeClosed = true;
    }

    public void forEach(final EntryVisitor visitor)
    {
        synchronized (this)
        {
            if (released || storeClosed)
            {
                throw new IllegalStateException("snapshot of checkpoint " + checkpointId + " is " +
                    (released ? "released" : "of a closed store"));
            }
        }
        if (full)
        {
            new FullReader(visitor).run();
        }
        else
        {
            new DeltaReader(visitor).run();
        }
    }

    public void release()
    {
        synchronized (this)
        {
            if (released)
            {
                return;
            }
            released = true;
            if (retired)
            {
                map.close();
            }
        }
        preImages.clear();
    }

    static final class PreImage
    {
        final byte[] value;
        boolean emittedLive; // snapshot thread only

        PreImage(final byte[] value)
        {
            this.value = value;
        }
    }

    /** Copies a segment's entries into a batch under the segment lock, then visits them outside it. */
    private final class FullReader
    {
        private final EntryVisitor visitor;
        private final ExpandableArrayBuffer batch = new ExpandableArrayBuffer(64 * 1024);
        private final ByteKey probe = new ByteKey();
        private final UnsafeBuffer keyView = new UnsafeBuffer(0, 0);
        private final UnsafeBuffer valueView = new UnsafeBuffer(0, 0);
        private int batchLength;
        private int segment;
        private boolean segmentMarked;

        FullReader(final EntryVisitor visitor)
        {
            this.visitor = visitor;
        }

        void run()
        {
            for (segment = 0; segment < segments; segment++)
            {
                batchLength = 0;
                segmentMarked = false;
                try (MapSegmentContext<byte[], byte[], ?> c = map.segmentContext(segment))
                {
                    c.forEachSegmentEntry(this::captureUnderLock);
                }
                if (!segmentMarked)
                {
                    // Empty segment: every key it held at the snapshot point was removed before the visit, so
                    // it already has its pre-image; later changes there cannot need one.
                    segmentsVisited = segment + 1;
                }
                emitBatch();
            }

            // Keys removed after the snapshot point and never met live: yield their pre-images.
            preImages.forEach((key, preImage) ->
            {
                if (preImage.value != ABSENT && !preImage.emittedLive)
                {
                    keyView.wrap(key.bytes(), key.offset(), key.length());
                    valueView.wrap(preImage.value);
                    visitor.onEntry(keyView, key.length(), valueView, preImage.value.length);
                }
            });
        }

        private void captureUnderLock(final MapEntry<byte[], byte[]> entry)
        {
            if (!segmentMarked)
            {
                segmentMarked = true;
                segmentsVisited = segment + 1;
            }
            final Data<byte[]> key = entry.key();
            final int keyLength = (int)key.size();
            final int keyOffset = batchLength + 2 * LENGTH_BYTES;
            batch.checkLimit(keyOffset + keyLength);
            key.bytes().read(key.offset(), batch.byteArray(), keyOffset, keyLength);

            final PreImage preImage = preImages.isEmpty() ? null :
                preImages.get(probe.probe(batch.byteArray(), keyOffset, keyLength));
            final int valueOffset = keyOffset + keyLength;
            final int valueLength;
            if (null != preImage)
            {
                preImage.emittedLive = true;
                if (preImage.value == ABSENT)
                {
                    return; // inserted after the snapshot point
                }
                valueLength = preImage.value.length;
                batch.putBytes(valueOffset, preImage.value);
            }
            else
            {
                final Data<byte[]> value = entry.value();
                valueLength = (int)value.size() - ChronicleKeyedStateStore.STAMP_BYTES;
                batch.checkLimit(valueOffset + valueLength);
                value.bytes().read(
                    value.offset() + ChronicleKeyedStateStore.STAMP_BYTES, batch.byteArray(), valueOffset, valueLength);
            }
            batch.putInt(batchLength, keyLength);
            batch.putInt(batchLength + LENGTH_BYTES, valueLength);
            batchLength = valueOffset + valueLength;
        }

        private void emitBatch()
        {
            int offset = 0;
            while (offset < batchLength)
            {
                final int keyLength = batch.getInt(offset);
                final int valueLength = batch.getInt(offset + LENGTH_BYTES);
                final int keyOffset = offset + 2 * LENGTH_BYTES;
                keyView.wrap(batch, keyOffset, keyLength);
                valueView.wrap(batch, keyOffset + keyLength, valueLength);
                visitor.onEntry(keyView, keyLength, valueView, valueLength);
                offset = keyOffset + keyLength + valueLength;
            }
        }
    }

    /** Looks up every frozen changed key under its segment's read lock. */
    private final class DeltaReader
    {
        private final EntryVisitor visitor;
        private final ChronicleKeyedStateStore.NativeScratch keyScratch = new ChronicleKeyedStateStore.NativeScratch(256);
        private final UnsafeBuffer keyIn = new UnsafeBuffer(0, 0);
        private final ExpandableArrayBuffer value = new ExpandableArrayBuffer(1024);
        private final ByteKey probe = new ByteKey();
        private final UnsafeBuffer keyView = new UnsafeBuffer(0, 0);

        DeltaReader(final EntryVisitor visitor)
        {
            this.visitor = visitor;
        }

        void run()
        {
            try
            {
                changes.keys.forEach(this::onKey);
            }
            finally
            {
                keyScratch.free();
            }
        }

        private void onKey(final byte[] array, final int offset, final int length)
        {
            keyIn.wrap(array, offset, length);
            final int valueLength = readAtSnapshotPoint(array, offset, length);
            keyView.wrap(array, offset, length);
            visitor.onEntry(keyView, length, TOMBSTONE == valueLength ? null : value, Math.max(valueLength, 0));
        }

        private int readAtSnapshotPoint(final byte[] array, final int offset, final int length)
        {
            try (ExternalMapQueryContext<byte[], byte[], ?> c =
                map.queryContext(keyScratch.copy(keyIn, 0, length), 0, length))
            {
                c.readLock().lock();
                final PreImage preImage = preImages.isEmpty() ? null : preImages.get(probe.probe(array, offset, length));
                if (null != preImage)
                {
                    if (preImage.value == ABSENT)
                    {
                        return TOMBSTONE;
                    }
                    value.putBytes(0, preImage.value);
                    return preImage.value.length;
                }
                final MapEntry<byte[], byte[]> entry = c.entry();
                if (null == entry)
                {
                    return TOMBSTONE;
                }
                final Data<byte[]> v = entry.value();
                final int valueLength = (int)v.size() - ChronicleKeyedStateStore.STAMP_BYTES;
                value.checkLimit(valueLength);
                v.bytes().read(v.offset() + ChronicleKeyedStateStore.STAMP_BYTES, value.byteArray(), 0, valueLength);
                return valueLength;
            }
        }
    }
}
