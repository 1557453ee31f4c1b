package io.weir.state.offheap;

import io.weir.state.changes.ChangeSet;
import io.weir.state.changes.KeyLog;
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

import java.util.function.Consumer;


/**
 * Copy-on-write view of a {@link ChronicleKeyedStateStore} at one snapshot point.
 * <p>
 * Taking it is O(1): the store swaps its change set (which becomes {@link #changes}, frozen) for an empty one
 * and starts a new change interval, so an entry written since the snapshot point carries the stamp
 * {@link #liveInterval}. At a key's first change since the snapshot point the shard calls
 * {@link #onFirstChange}, which saves the value about to be overwritten or removed into {@link #preImages}
 * when this snapshot still needs it. Keys absent at the snapshot point never need one: a reader that finds
 * such a key's entry stamped {@link #liveInterval} knows it was inserted since.
 * <p>
 * Thread argument. The shard saves a pre-image and changes the entry inside one critical section holding the
 * entry's segment <em>write</em> lock (store {@code put}/{@code remove}). The snapshot thread reads an entry
 * only while holding the same segment's read lock (point look-up) or update lock (Chronicle holds it across
 * one whole {@code forEachSegmentEntry}), both of which exclude the write lock. Each reader advances a
 * volatile cursor ({@link #keysRead}, {@link #segmentsVisited}) while holding the lock of the key or segment
 * it has just read, and the shard saves a pre-image only for keys or segments the cursor has not passed: so a
 * pre-image is saved before the read that needs it, and never after it (the reader can clear what it
 * consumed, and the store reuses the clean {@link PreImages} for the next snapshot).
 * <ul>
 * <li>Full: segments are visited in order. Under the segment's lock, entries stamped {@link #liveInterval}
 * are skipped (changed since: their pre-image is saved, or they were inserted since); the others are
 * unchanged and copied. After the visit, the segment's pre-image list is complete (no more can be added), and
 * its records are yielded: keys changed or removed since the snapshot point, as they were.</li>
 * <li>Delta by scan (when a large share of the keys changed, see
 * {@link ChronicleStateBackend.Context#deltaScanFraction}): the same visit, yielding only entries stamped
 * with the frozen interval, and pre-images only of such entries. Each yielded key's frozen log position (in
 * its value header, or in its pre-image record) is marked; the frozen log's unmarked keys were absent at the
 * snapshot point and are yielded last, as tombstones.</li>
 * <li>Delta by look-up: the {@code i}-th frozen changed key is looked up under its segment's read lock:
 * pre-image slot {@code i} if set, else the entry if it is stamped with the frozen interval (unchanged since),
 * else a tombstone (absent at the snapshot point). The shard saves a pre-image for an entry stamped with the
 * frozen interval, into the slot its value header names.</li>
 * </ul>
 * Cost: the snapshot point allocates this object only; the shard's first write per key while a snapshot is
 * in flight copies one pre-image into a reused arena; the snapshot thread copies one segment at a time under
 * its lock and visits it after unlocking, so a slow visitor never blocks the shard.
 * <p>
 * If the store grows its map while the snapshot is in flight, the old map is {@link #retire}d: frozen, still
 * read by this snapshot, closed on {@link #release()}.
 * <p>
 * Threads: {@code onFirstChange}, {@code retire}, {@code onStoreClosed} are called by the shard thread;
 * {@link #forEach} (once) or {@link #read} (until it returns false), and {@link #release}, by the reading
 * thread: the checkpoint thread, or the shard itself between events. The argument above holds for the shard
 * reading too: it changes the store only between two reads, never inside one (it releases every look-up it
 * keeps open, {@link ChronicleKeyedStateStore#endOfAccess}, before it reads).
 */
final class ChronicleStoreSnapshot implements StoreSnapshot
{
    private static final int LENGTH_BYTES = 4;
    private static final int TOMBSTONE = -1;

    private final long checkpointId;
    private final boolean full;
    private final boolean scan;
    private final ChronicleMap<byte[], byte[]> map;
    private final ChangeSet changes;
    private final int frozenInterval;
    private final int liveInterval;
    private final PreImages preImages;
    private final int segments;

    private volatile int segmentsVisited;
    private volatile int keysRead;
    private volatile boolean released;
    private boolean fullyRead;
    private Reader reader;
    private boolean frozen;
    private boolean retired;
    private boolean storeClosed;

    ChronicleStoreSnapshot(
        final long checkpointId,
        final boolean full,
        final boolean scan,
        final ChronicleMap<byte[], byte[]> map,
        final ChangeSet changes,
        final int frozenInterval,
        final PreImages preImages)
    {
        if (full && !scan)
        {
            throw new IllegalArgumentException("a full snapshot is always read by scan");
        }
        this.checkpointId = checkpointId;
        this.full = full;
        this.scan = scan;
        this.map = map;
        this.changes = changes;
        this.frozenInterval = frozenInterval;
        this.liveInterval = ChangeSet.nextInterval(frozenInterval);
        this.preImages = preImages;
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

    /** Whether the reader scans every segment (full, or a delta of many changed keys) or looks keys up. */
    boolean isScan()
    {
        return scan;
    }

    boolean isReleased()
    {
        return released;
    }

    ChangeSet changes()
    {
        return changes;
    }

    PreImages preImages()
    {
        return preImages;
    }

    /** Shard thread, once {@link #isReleased()}: whether the reader consumed every pre-image slot. */
    boolean isFullyRead()
    {
        return fullyRead;
    }

    /**
     * Shard thread, holding the key's segment write lock, at the first change since the snapshot point of a key
     * that has an entry.
     *
     * @param stamp        the interval of the entry's last write.
     * @param logIndex     the key's position in the change log of that interval.
     * @param valueAddress native address of the entry's value (after its header).
     */
    void onFirstChange(
        final int segmentIndex,
        final DirectBuffer key,
        final int keyLength,
        final int stamp,
        final int logIndex,
        final long valueAddress,
        final int valueLength)
    {
        if (frozen)
        {
            return;
        }
        if (scan)
        {
            if (segmentIndex >= segmentsVisited && (full || stamp == frozenInterval))
            {
                final long[] heads = preImages.bySegment;
                heads[segmentIndex] =
                    preImages.append(key, keyLength, logIndex, valueAddress, valueLength, heads[segmentIndex]);
            }
        }
        else if (stamp == frozenInterval && logIndex >= keysRead)
        {
            preImages.logSlot(logIndex, preImages.append(key, 0, logIndex, valueAddress, valueLength, PreImages.NONE));
        }
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
        if (null != reader)
        {
            // Readers consume pre-images as they go, so a second pass would miss them.
            throw new IllegalStateException("snapshot of checkpoint " + checkpointId + " was read already: " +
                "a Chronicle store snapshot is read once");
        }
        while (read(visitor, Integer.MAX_VALUE))
        {
            // each call reads one segment, or every changed key
        }
    }

    /**
     * {@inheritDoc} A scan reads one whole segment per call (its copy is taken under the segment's lock in one
     * go) and visits up to {@code budget} entries of it; a delta by look-up reads {@code budget} changed keys.
     */
    public boolean read(final EntryVisitor visitor, final int budget)
    {
        if (budget < 1)
        {
            throw new IllegalArgumentException("budget must be >= 1: " + budget);
        }
        if (null == reader)
        {
            synchronized (this)
            {
                checkReadable();
                reader = scan ? new SegmentScanReader() : new DeltaLookupReader();
            }
        }
        else if (reader.done)
        {
            return false;
        }
        else
        {
            checkReadable();
        }
        final boolean more = reader.read(visitor, budget);
        if (!more)
        {
            reader.done = true;
            reader.free();
            fullyRead = true;
        }
        return more;
    }

    private void checkReadable()
    {
        if (released || storeClosed)
        {
            throw new IllegalStateException("snapshot of checkpoint " + checkpointId + " is " +
                (released ? "released" : "of a closed store"));
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
            if (null != reader)
            {
                reader.free();
            }
            if (retired)
            {
                map.close();
            }
        }
    }

    /** Reads the snapshot a bounded step at a time; the reading thread only. */
    private abstract static class Reader
    {
        boolean done;

        /** Visit the next entries; false once there are none left. */
        abstract boolean read(EntryVisitor visitor, int budget);

        /** Free native scratch memory; idempotent. */
        void free()
        {
        }
    }

    /**
     * Copies a segment's entries as of the snapshot point into a batch under the segment lock, then its
     * pre-images, and visits the batch outside the lock, {@code budget} entries per step; a delta then yields
     * its tombstones.
     */
    private final class SegmentScanReader extends Reader
    {
        private final ExpandableArrayBuffer batch = new ExpandableArrayBuffer(64 * 1024);
        private final UnsafeBuffer keyView = new UnsafeBuffer(0, 0);
        private final UnsafeBuffer valueView = new UnsafeBuffer(0, 0);
        private final KeyLog.KeyConsumer tombstoner = this::tombstoneIfNotEmitted;
        private final Consumer<MapEntry<byte[], byte[]>> capture = this::captureUnderLock;
        private EntryVisitor visitor;
        private int batchLength;
        private int emitOffset;
        private int segment;
        private boolean segmentMarked;
        private int logIndex;
        private int logPosition;

        boolean read(final EntryVisitor visitor, final int budget)
        {
            this.visitor = visitor;
            try
            {
                if (emitOffset < batchLength)
                {
                    emitBatch(budget);
                    return true;
                }
                if (segment < segments)
                {
                    captureSegment();
                    segment++;
                    emitBatch(budget);
                    return true;
                }
                if (!full && logPosition < changes.keys.endPosition())
                {
                    logPosition = changes.keys.forEach(logPosition, budget, tombstoner);
                    return logPosition < changes.keys.endPosition();
                }
                return false;
            }
            finally
            {
                this.visitor = null;
            }
        }

        private void captureSegment()
        {
            final long[] heads = preImages.bySegment;
            batchLength = 0;
            emitOffset = 0;
            segmentMarked = false;
            try (MapSegmentContext<byte[], byte[], ?> c = map.segmentContext(segment))
            {
                c.forEachSegmentEntry(capture);
            }
            if (!segmentMarked)
            {
                // Empty at the visit: none of its keys needs a pre-image any more (an entry inserted later is
                // stamped live and is not the first change of a key present at the snapshot point).
                segmentsVisited = segment + 1;
            }
            // The visit set segmentsVisited under the lock, so this list is complete and stays so.
            for (long p = heads[segment]; p != PreImages.NONE; p = preImages.next(p))
            {
                if (!full)
                {
                    preImages.markEmitted(preImages.logIndex(p));
                }
                final int keyLength = preImages.keyLength(p);
                final int valueLength = preImages.valueLength(p);
                final int keyOffset = batchLength + 2 * LENGTH_BYTES;
                batch.checkLimit(keyOffset + keyLength + valueLength);
                preImages.copyKeyAndValue(p, batch, keyOffset);
                batch.putInt(batchLength, keyLength);
                batch.putInt(batchLength + LENGTH_BYTES, valueLength);
                batchLength = keyOffset + keyLength + valueLength;
            }
            heads[segment] = PreImages.NONE;
        }

        private void tombstoneIfNotEmitted(final DirectBuffer buffer, final int offset, final int length)
        {
            // The log's i-th key: every key in it that had an entry at the snapshot point was emitted above.
            if (!preImages.takeEmitted(logIndex++))
            {
                keyView.wrap(buffer, offset, length);
                visitor.onEntry(keyView, length, null, 0);
            }
        }

        private void captureUnderLock(final MapEntry<byte[], byte[]> entry)
        {
            if (!segmentMarked)
            {
                segmentMarked = true;
                segmentsVisited = segment + 1;
            }
            final Data<byte[]> value = entry.value();
            final int stamp = value.bytes().readInt(value.offset());
            if (stamp == liveInterval)
            {
                return; // changed since the snapshot point: yielded from its pre-image, if it existed then
            }
            if (!full)
            {
                if (stamp != frozenInterval)
                {
                    return; // unchanged in the delta's interval
                }
                preImages.markEmitted(value.bytes().readInt(value.offset() + ChronicleKeyedStateStore.LOG_INDEX_OFFSET));
            }
            final Data<byte[]> key = entry.key();
            final int keyLength = (int)key.size();
            final int valueLength = (int)value.size() - ChronicleKeyedStateStore.HEADER_BYTES;
            final int keyOffset = batchLength + 2 * LENGTH_BYTES;
            final int valueOffset = keyOffset + keyLength;
            batch.checkLimit(valueOffset + valueLength);
            key.bytes().read(key.offset(), batch.byteArray(), keyOffset, keyLength);
            value.bytes().read(
                value.offset() + ChronicleKeyedStateStore.HEADER_BYTES, batch.byteArray(), valueOffset, valueLength);
            batch.putInt(batchLength, keyLength);
            batch.putInt(batchLength + LENGTH_BYTES, valueLength);
            batchLength = valueOffset + valueLength;
        }

        private void emitBatch(final int budget)
        {
            int offset = emitOffset;
            int emitted = 0;
            while (offset < batchLength && emitted < budget)
            {
                final int keyLength = batch.getInt(offset);
                final int valueLength = batch.getInt(offset + LENGTH_BYTES);
                final int keyOffset = offset + 2 * LENGTH_BYTES;
                keyView.wrap(batch, keyOffset, keyLength);
                valueView.wrap(batch, keyOffset + keyLength, valueLength);
                visitor.onEntry(keyView, keyLength, valueView, valueLength);
                offset = keyOffset + keyLength + valueLength;
                emitted++;
            }
            emitOffset = offset;
        }
    }

    /** Looks up the frozen changed keys, in log order, {@code budget} per step, each under its segment's lock. */
    private final class DeltaLookupReader extends Reader
    {
        private final ChronicleKeyedStateStore.NativeScratch keyScratch = new ChronicleKeyedStateStore.NativeScratch(256);
        private final UnsafeBuffer keyIn = new UnsafeBuffer(0, 0);
        private final ExpandableArrayBuffer value = new ExpandableArrayBuffer(1024);
        private final UnsafeBuffer keyView = new UnsafeBuffer(0, 0);
        private final KeyLog.KeyConsumer onKey = this::onKey;
        private EntryVisitor visitor;
        private int logIndex;
        private int logPosition;
        private boolean freed;

        boolean read(final EntryVisitor visitor, final int budget)
        {
            this.visitor = visitor;
            try
            {
                logPosition = changes.keys.forEach(logPosition, budget, onKey);
                return logPosition < changes.keys.endPosition();
            }
            finally
            {
                this.visitor = null;
            }
        }

        void free()
        {
            if (!freed)
            {
                freed = true;
                keyScratch.free();
            }
        }

        private void onKey(final DirectBuffer buffer, final int offset, final int length)
        {
            keyIn.wrap(buffer, offset, length);
            final int valueLength = readAtSnapshotPoint(length);
            logIndex++;
            keyView.wrap(buffer, offset, length);
            visitor.onEntry(keyView, length, TOMBSTONE == valueLength ? null : value, Math.max(valueLength, 0));
        }
        private int readAtSnapshotPoint(final int length)
        {
            try (ExternalMapQueryContext<byte[], byte[], ?> c =
                map.queryContext(keyScratch.copy(keyIn, 0, length), 0, length))
            {
                c.readLock().lock();
                // From here on the shard saves no pre-image of this key: it sees the cursor past it.
                keysRead = logIndex + 1;
                final long preImage = preImages.logSlot(logIndex);
                if (PreImages.NONE != preImage)
                {
                    preImages.logSlot(logIndex, PreImages.NONE);
                    value.checkLimit(preImages.valueLength(preImage));
                    return preImages.copyValue(preImage, value, 0);
                }
                final MapEntry<byte[], byte[]> entry = c.entry();
                if (null == entry)
                {
                    return TOMBSTONE;
                }
                final Data<byte[]> v = entry.value();
                if (v.bytes().readInt(v.offset()) != frozenInterval)
                {
                    return TOMBSTONE; // inserted since the snapshot point, after being removed before it
                }
                final int valueLength = (int)v.size() - ChronicleKeyedStateStore.HEADER_BYTES;
                value.checkLimit(valueLength);
                v.bytes().read(v.offset() + ChronicleKeyedStateStore.HEADER_BYTES, value.byteArray(), 0, valueLength);
                return valueLength;
            }
        }
    }
}
