package io.weir.state.offheap;

import io.weir.state.changes.DeltaLog;
import io.weir.state.changes.ChangeIntervals;
import io.weir.state.spi.EntryVisitor;
import io.weir.state.spi.StoreSnapshot;
import net.openhft.chronicle.hash.Data;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.MapEntry;
import net.openhft.chronicle.map.MapSegmentContext;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;


/**
 * A {@link ChronicleKeyedStateStore} at one snapshot point.
 * <p>
 * Taking it is O(1): the store swaps its {@link DeltaLog} (which becomes {@link #changes}, frozen) for an empty
 * one and starts a new change interval, so an entry written since the snapshot point carries the stamp
 * {@link #liveInterval}.
 * <ul>
 * <li>Delta: the frozen log holds the latest value of every key changed in the interval (or its tombstone), so
 * the reader copies it in order and never touches the map, which the shard goes on changing.</li>
 * <li>Full, of a store that has logged every change since it was empty (its first snapshot, when it tracked changes
 * from the start): the frozen log is the whole state, read as a delta is, leaving removed keys out.</li>
 * <li>Full: copy-on-write. At a key's first change since the snapshot point the shard calls
 * {@link #onFirstChange}, which saves the value about to be overwritten or removed into {@link #preImages} when
 * the reader has not passed its segment yet. Keys absent at the snapshot point never need one: the reader skips
 * entries stamped {@link #liveInterval} (changed since: their pre-image is saved, or they were inserted since);
 * the others are unchanged and copied. After a segment's visit its pre-image list is complete (no more can be
 * added), and its records are yielded: keys changed or removed since the snapshot point, as they were.</li>
 * </ul>
 * Thread argument (full). The shard saves a pre-image and changes the entry inside one critical section holding
 * the entry's segment <em>write</em> lock (store {@code put}/{@code remove}). The reader visits a segment only
 * while holding its update lock (Chronicle holds it across one whole {@code forEachSegmentEntry}), which
 * excludes the write lock. The reader advances the volatile cursor {@link #segmentsVisited} while holding the
 * lock of the segment it is visiting, and the shard saves a pre-image only for segments the cursor has not
 * passed: so a pre-image is saved before the visit that needs it, and never after it (the reader clears the
 * segment's list once yielded, and the store reuses the clean {@link PreImages} for the next snapshot).
 * <p>
 * Cost: the snapshot point allocates this object only; the shard's first write per key while a full snapshot is
 * in flight copies one pre-image into a reused arena; the reader copies one segment at a time under its lock and
 * visits it after unlocking, so a slow visitor never blocks the shard.
 * <p>
 * Full, copied by the shard ({@link #captureByOwner()}, when another thread reads): the shard itself visits the
 * segments, one per {@link #captureStep()}, and copies each segment's entries and pre-images into a
 * {@link ScanStaging}; the reader only reads those copies. No other thread then ever holds a segment lock, so a
 * reader that is descheduled (a checkpoint thread at low priority, on a core it shares) never stalls the shard,
 * which otherwise waited for a segment's lock for as long as the reader was off its core. The argument above is
 * the one for the shard reading its own snapshot.
 * <p>
 * If the store grows its map while a full snapshot is in flight, the old map is {@link #retire}d: frozen, still
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
    /** How long a reader of the shard's copy parks when it has caught up with the shard. */
    private static final long STAGED_WAIT_NS = 50_000;

    private final long checkpointId;
    private final boolean full;
    /** Full, but read from the log: the store logged every change since it was empty (no copy-on-write). */
    private final boolean fromLog;
    private final ChronicleMap<byte[], byte[]> map;
    private final DeltaLog changes;
    private final int liveInterval;
    private final PreImages preImages;
    private final ScanStaging staging;
    private final int segments;

    private volatile int segmentsVisited;
    private volatile boolean released;
    private boolean fullyRead;
    private Reader reader;
    private boolean frozen;
    private boolean retired;
    private boolean storeClosed;
    /** The shard copies the scan ({@link #captureByOwner}); set before the snapshot is handed to the reader. */
    private volatile boolean byOwner;
    /** Shard thread: the copy is not complete yet. */
    private boolean capturing;
    /** Shard thread: its scan, while {@link #capturing}. */
    private SegmentScanReader ownerScan;

    ChronicleStoreSnapshot(
        final long checkpointId,
        final boolean full,
        final boolean fromLog,
        final ChronicleMap<byte[], byte[]> map,
        final DeltaLog changes,
        final int frozenInterval,
        final PreImages preImages,
        final ScanStaging staging)
    {
        this.checkpointId = checkpointId;
        this.full = full;
        this.fromLog = fromLog;
        this.map = map;
        this.changes = changes;
        this.liveInterval = ChangeIntervals.next(frozenInterval);
        this.preImages = preImages;
        this.staging = staging;
        this.segments = map.segments();
    }

    public long checkpointId()
    {
        return checkpointId;
    }

    /** Whether this full snapshot is read from the log (the store logged every change since it was empty). */
    boolean isFromLog()
    {
        return fromLog;
    }

    public boolean isFull()
    {
        return full;
    }

    boolean isReleased()
    {
        return released;
    }

    DeltaLog changes()
    {
        return changes;
    }

    PreImages preImages()
    {
        return preImages;
    }

    ScanStaging staging()
    {
        return staging;
    }

    /** A full scan is copied by the shard: true. A delta or a full snapshot from the log needs no lock: false. */
    public boolean captureByOwner()
    {
        if (!full || fromLog)
        {
            return false;
        }
        byOwner = true;
        capturing = true;
        return true;
    }

    public boolean isCapturing()
    {
        return capturing;
    }

    /**
     * Copies the next segment (or what of the last one did not fit), its pre-images included; the segment's lock is
     * held by this, the shard's, thread only.
     */
    public int captureStep()
    {
        if (!capturing)
        {
            return 0;
        }
        SegmentScanReader scan = ownerScan;
        if (null == scan)
        {
            scan = new SegmentScanReader();
            ownerScan = scan;
        }
        synchronized (this)
        {
            // The monitor keeps release() from closing a retired map under the visit.
            if (released)
            {
                capturing = false;
                return 0;
            }
            if (scan.emitOffset < scan.batchLength)
            {
                return scan.stage() ? 1 : 0;
            }
            if (scan.segment < segments)
            {
                scan.captureSegment();
                scan.segment++;
                scan.stage();
                return 1;
            }
        }
        if (staging.finish())
        {
            capturing = false;
            ownerScan = null;
            return 1;
        }
        return 0;
    }

    public void abandonCapture()
    {
        if (capturing)
        {
            capturing = false;
            staging.abandon();
        }
    }

    /** Shard thread, once {@link #isReleased()}: whether the reader consumed every pre-image list. */
    boolean isFullyRead()
    {
        return fullyRead;
    }

    /**
     * Shard thread, holding the key's segment write lock, at the first change since the snapshot point of a key
     * that has an entry.
     *
     * @param valueAddress native address of the entry's value (after its header).
     */
    void onFirstChange(
        final int segmentIndex,
        final DirectBuffer key,
        final int keyLength,
        final long valueAddress,
        final int valueLength)
    {
        if (full && !fromLog && !frozen && segmentIndex >= segmentsVisited)
        {
            final long[] heads = preImages.bySegment;
            heads[segmentIndex] = preImages.append(key, keyLength, valueAddress, valueLength, heads[segmentIndex]);
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
            // each call reads one segment, or the whole delta
        }
    }

    /** {@inheritDoc} A delta, or a full snapshot from the log: the keys logged; a full scan: unknown. */
    public long entriesHint()
    {
        return full && !fromLog ? -1 : changes.records();
    }

    /**
     * {@inheritDoc} A full snapshot by scan reads one whole segment per call (its copy is taken under the
     * segment's lock in one go) and visits up to {@code budget} entries of it; a delta, or a full snapshot from the
     * log, visits {@code budget} logged keys.
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
                reader = full && !fromLog ? (byOwner ? new StagedReader() : new SegmentScanReader()) :
                    new DeltaLogReader();
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
     * pre-images, and visits the batch outside the lock, {@code budget} entries per step.
     */
    private final class SegmentScanReader extends Reader
    {
        private final ExpandableArrayBuffer batch = new ExpandableArrayBuffer(64 * 1024);
        private final UnsafeBuffer keyView = new UnsafeBuffer(0, 0);
        private final UnsafeBuffer valueView = new UnsafeBuffer(0, 0);
        private final Consumer<MapEntry<byte[], byte[]>> capture = this::captureUnderLock;
        private EntryVisitor visitor;
        int batchLength;
        int emitOffset;
        int segment;
        private boolean segmentMarked;

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
                return false;
            }
            finally
            {
                this.visitor = null;
            }
        }

        /** Shard: move the batch's records to the staging, as many as it takes; false if none was moved. */
        boolean stage()
        {
            final int start = emitOffset;
            int offset = start;
            while (offset < batchLength)
            {
                final int length = 2 * LENGTH_BYTES + batch.getInt(offset) + batch.getInt(offset + LENGTH_BYTES);
                if (!staging.append(batch, offset, length))
                {
                    break;
                }
                offset += length;
            }
            emitOffset = offset;
            return offset != start;
        }

        void captureSegment()
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

    /**
     * Reads the records the shard copied into {@link #staging}, waiting (parked, {@value #STAGED_WAIT_NS} ns at a time)
     * while the shard has not copied more.
     */
    private final class StagedReader extends Reader
    {
        private final UnsafeBuffer keyView = new UnsafeBuffer(0, 0);
        private final UnsafeBuffer valueView = new UnsafeBuffer(0, 0);
        private UnsafeBuffer chunk;
        private int offset;
        private int end;

        boolean read(final EntryVisitor visitor, final int budget)
        {
            int emitted = 0;
            while (emitted < budget)
            {
                if (null == chunk)
                {
                    UnsafeBuffer next = staging.poll();
                    if (null == next)
                    {
                        if (staging.isFinished())
                        {
                            next = staging.poll(); // the last chunk is published before the flag
                            if (null == next)
                            {
                                return false;
                            }
                        }
                        else if (staging.isAbandoned())
                        {
                            throw new IllegalStateException("snapshot of checkpoint " + checkpointId + ": the " +
                                "shard stopped before it copied the whole snapshot");
                        }
                        else
                        {
                            if (0 == emitted)
                            {
                                LockSupport.parkNanos(STAGED_WAIT_NS);
                            }
                            return true;
                        }
                    }
                    chunk = next;
                    offset = ScanStaging.HEADER_BYTES;
                    end = ScanStaging.HEADER_BYTES + next.getInt(0);
                }
                final UnsafeBuffer c = chunk;
                while (offset < end && emitted < budget)
                {
                    final int keyLength = c.getInt(offset);
                    final int valueLength = c.getInt(offset + LENGTH_BYTES);
                    final int keyOffset = offset + 2 * LENGTH_BYTES;
                    keyView.wrap(c, keyOffset, keyLength);
                    valueView.wrap(c, keyOffset + keyLength, valueLength);
                    visitor.onEntry(keyView, keyLength, valueView, valueLength);
                    offset = keyOffset + keyLength + valueLength;
                    emitted++;
                }
                if (offset >= end)
                {
                    chunk = null;
                    staging.recycle(c);
                }
            }
            return true;
        }

        void free()
        {
            if (null != chunk)
            {
                staging.recycle(chunk);
                chunk = null;
            }
        }
    }

    /**
     * Copies the frozen delta log, {@code budget} keys per step: a delta, or a full snapshot from the log, which
     * leaves removed keys out rather than yielding them as tombstones.
     */
    private final class DeltaLogReader extends Reader implements EntryVisitor
    {
        private final UnsafeBuffer keyView = new UnsafeBuffer(0, 0);
        private final UnsafeBuffer valueView = new UnsafeBuffer(0, 0);
        private long cursor = DeltaLog.start();
        private EntryVisitor liveEntries;

        boolean read(final EntryVisitor visitor, final int budget)
        {
            liveEntries = visitor;
            cursor = changes.read(cursor, budget, full ? this : visitor, keyView, valueView);
            return !changes.isEnd(cursor);
        }

        public void onEntry(final DirectBuffer key, final int keyLength, final DirectBuffer value, final int valueLength)
        {
            if (null != value)
            {
                liveEntries.onEntry(key, keyLength, value, valueLength);
            }
        }
    }
}
