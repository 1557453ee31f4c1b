package io.weir.state.offheap;

import io.weir.state.changes.DeltaLogFullException;
import io.weir.state.changes.DeltaLog;
import io.weir.state.changes.ChangeIntervals;
import io.weir.state.changes.KeyLogIndex;
import io.weir.state.spi.EntryScan;
import io.weir.state.spi.EntryVisitor;
import io.weir.state.spi.KeyedStateStore;
import io.weir.state.spi.StoreSnapshot;
import net.openhft.chronicle.bytes.BytesStore;
import net.openhft.chronicle.bytes.RandomDataInput;
import net.openhft.chronicle.hash.Data;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ChronicleMapBuilder;
import net.openhft.chronicle.map.ExternalMapQueryContext;
import net.openhft.chronicle.map.MapEntry;
import net.openhft.chronicle.map.MapSegmentContext;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.function.Consumer;

/**
 * A shard's keyed state in one Chronicle Map of variable-size byte keys and values.
 * <p>
 * Threading: every method is called from the owning shard thread only ({@link #close()} also from the closing
 * thread once the shard stopped). The {@link StoreSnapshot} returned by {@link #snapshot} is read and released
 * by the snapshot thread; what the two threads share is described in {@link ChronicleStoreSnapshot}.
 * <p>
 * Hot path: keys reach Chronicle as a reused {@link OffHeapData} pointing at the caller's off-heap buffer (or
 * at a reused native scratch for heap buffers), through the thread-local query context, and values are copied
 * straight from the map's memory into the caller's buffer: no allocation per call. The exceptions are
 * map growth and the growth of reused buffers (change log, pre-image arena) while the state warms up.
 * <p>
 * Change tracking. Snapshot points cut time into change intervals, numbered by {@link #interval}. Every
 * stored value starts with a hidden {@value #HEADER_BYTES}-byte header: the interval of its last write (the
 * stamp), then the position of the key's record in that interval's {@link DeltaLog}. A write to an entry whose
 * stamp is not the current interval is the key's first change since the snapshot point, so the key and its new
 * value are appended to the log (the next delta) and, when a full snapshot is in flight, the old value is saved
 * as its pre-image; a later write in the interval overwrites the value in the log record the header names.
 * Testing the stamp costs nothing extra (the entry is in cache for the write), where a separate changed-key hash
 * set cost a cache miss per write. A removed key has no entry, so no header: {@link DeltaLog#absentKeys} keeps its
 * record position for the rest of the interval, for an insert of it. An entry inserted when the interval started
 * without its key carries {@link #INSERTED_IN_INTERVAL} in its header's position: removed in the same interval, it
 * leaves nothing in the log (no tombstone, no index entry), as a window that opens and fires between two snapshot
 * points should.
 */
public final class ChronicleKeyedStateStore implements KeyedStateStore
{
    private final int shardId;
    private final ChronicleStateBackend.Context ctx;
    private final Path file;

    private ChronicleMap<byte[], byte[]> map;
    /** Null when this Chronicle Map's layout is not the one it knows (then the store does not prefetch). */
    private LookupPrefetcher prefetcher;
    /** The map's entry count, kept here because Chronicle's {@code longSize()} visits every segment. */
    private long entries;
    private long configuredEntries;
    private int generation;

    /** Size of the header before every stored value: interval stamp, then change-log position. */
    static final int HEADER_BYTES = 2 * Integer.BYTES;
    static final int LOG_POSITION_OFFSET = Integer.BYTES;
    /**
     * Set in the header's log position (positions are never negative) of an entry inserted in the interval of its
     * stamp when the interval started without the key: its removal in the same interval logs nothing
     * ({@link DeltaLog#discardInserted}).
     */
    static final int INSERTED_IN_INTERVAL = Integer.MIN_VALUE;
    private static final int NO_APPEND = -1;
    private static final Consumer<MapEntry<byte[], byte[]>> IGNORE_ENTRY = entry -> {};
    /** Bound on the segments asked of Chronicle (which allows 2^30): 2^20 segment headers are 64 MiB. */
    private static final long MAX_MIN_SEGMENTS = 1 << 20;

    private final NativeScratch keyScratch = new NativeScratch(256);
    private final NativeScratch valueScratch = new NativeScratch(256);
    private final OffHeapData keyData = new OffHeapData();
    private final OffHeapData valueData = new OffHeapData();
    private final UnsafeBuffer readView = new UnsafeBuffer(0, 0);
    private final NativeScratch pendingKey = new NativeScratch(256);
    private ExternalMapQueryContext<byte[], byte[], ?> pending;
    private int pendingKeyLength;
    /** The open look-up found its key. */
    private boolean pendingFound;
    /** Hash look-ups opened on the current map's contexts, for tests: a write after a read of its key opens none. */
    private long lookups;

    private DeltaLog changes;
    private DeltaLog spareChanges;
    /** Position of the record the current put appended for an entry it found, until the put succeeds. */
    private int uncommittedAppend = NO_APPEND;
    /** Position of the record the current put updated in place, until the put succeeds. */
    private int uncommittedUpdate = NO_APPEND;
    /** The current {@link #put} is an {@link #adopt}. */
    private boolean adopting;
    /** {@link #onChange}'s {@code insertedFlag} when the write's entry decides it. */
    private static final int FLAG_FROM_ENTRY = -1;
    private PreImages sparePreImages = new PreImages();
    private ScanStaging spareStaging = new ScanStaging();
    private int interval;
    private ChronicleStoreSnapshot inflight;
    /**
     * Whether writes are logged for the next delta: from the first snapshot point on, which is always full. A job
     * without checkpoints then never pays for the log (in an unthrottled 2-shard run, a quarter of its
     * throughput: every write of a hot key touches its log record, a cache miss).
     */
    private boolean tracking;
    /**
     * Whether the log holds every change since the map was empty: tracking began on an empty map and no snapshot
     * point has passed. The first full snapshot is then the log itself, read sequentially with no copy-on-write;
     * at 1M keys that halved the throughput of the second in which the first checkpoint was taken.
     */
    private boolean logHoldsAll;
    /** Checkpoints will be taken ({@link #prepareForCheckpoints}): the shard thread joins each map's iteration context. */
    private boolean preparedForCheckpoints;
    private long lastCheckpointId = Long.MIN_VALUE;
    private boolean closed;

    ChronicleKeyedStateStore(final int shardId, final long entries, final ChronicleStateBackend.Context ctx,
        final String fileName)
    {
        this.shardId = shardId;
        this.ctx = ctx;
        this.configuredEntries = entries;
        this.changes = new DeltaLog(ctx.deltaLogSupersedeSlack());
        this.spareChanges = new DeltaLog(ctx.deltaLogSupersedeSlack());
        this.file = ctx.directory() == null ? null : ctx.directory().resolve(fileName + ".cmap");
        this.map = createMap(entries, file, true);
        this.prefetcher = LookupPrefetcher.create(map);
        this.entries = map.longSize();
        this.interval = firstInterval(map);
    }

    public int shardId()
    {
        return shardId;
    }

    /** Entries the current map was created for (grows when the map is re-created bigger). */
    public long configuredEntries()
    {
        return configuredEntries;
    }

    /** Chronicle segments of the current map. */
    int segments()
    {
        return map.segments();
    }

    /** The current map's allocation unit (tests). */
    long chunkSizeBytes()
    {
        return ((net.openhft.chronicle.hash.impl.VanillaChronicleHash<?, ?, ?, ?>)map).chunkSize;
    }

    /** Number of times the map was re-created bigger. */
    public int generation()
    {
        return generation;
    }

    /**
     * Reads under the segment's update lock and keeps the look-up open: a {@link #put} of the same key next (the
     * read-modify-write of a ValueState) upgrades it to the write lock instead of hashing and searching again.
     * The update lock admits readers, so neither the shard's other reads nor a delta snapshot wait on it. A get of
     * the key the open look-up is of (a MapState's get, then its put reading the entry again) reads through it.
     */
    public int get(final DirectBuffer key, final int keyLength, final MutableDirectBuffer valueOut)
    {
        return lookUp(key, keyLength, valueOut);
    }

    /**
     * Whether the map holds the key: looked up as {@link #get} does, the look-up kept open for a put of the same key
     * next, without reading the value.
     */
    boolean contains(final DirectBuffer key, final int keyLength)
    {
        return MISSING != lookUp(key, keyLength, null);
    }

    /** {@link #get}, the value copied to {@code valueOut} unless it is null. */
    private int lookUp(final DirectBuffer key, final int keyLength, final MutableDirectBuffer valueOut)
    {
        final ExternalMapQueryContext<byte[], byte[], ?> reuse = takePending(key, keyLength);
        // The open look-up's key is this same key object, now re-pointed at identical bytes.
        final OffHeapData keyData = keyData(key, keyLength);
        final ExternalMapQueryContext<byte[], byte[], ?> c = null != reuse ? reuse : map.queryContext(keyData);
        boolean keepOpen = false;
        try
        {
            if (null == reuse)
            {
                lookups++;
                c.updateLock().lock();
            }
            final MapEntry<byte[], byte[]> entry = c.entry();
            int length = MISSING;
            if (null != entry)
            {
                final Data<byte[]> value = entry.value();
                length = (int)value.size() - HEADER_BYTES;
                if (length > 0 && null != valueOut)
                {
                    readView.wrap(value.bytes().addressForRead(value.offset() + HEADER_BYTES), length);
                    valueOut.putBytes(0, readView, 0, length);
                }
            }
            pendingKey.copy(key, 0, keyLength);
            pendingKeyLength = keyLength;
            pendingFound = null != entry;
            pending = c;
            keepOpen = true;
            return length;
        }
        finally
        {
            if (!keepOpen)
            {
                c.close();
            }
        }
    }

    public boolean prefetches()
    {
        return null != prefetcher;
    }

    /** Loads the keys' hash slots, then their entries, see {@link LookupPrefetcher}. */
    public void prefetch(final DirectBuffer keys, final int stride, final int[] lengths, final int count)
    {
        final LookupPrefetcher prefetcher = this.prefetcher;
        if (null != prefetcher)
        {
            prefetcher.prefetch(keys, stride, lengths, Math.min(count, LookupPrefetcher.MAX_KEYS));
        }
    }

    /** The current map (tests). */
    ChronicleMap<byte[], byte[]> map()
    {
        return map;
    }

    /** Hash look-ups opened by get, put and remove (tests). */
    long lookups()
    {
        return lookups;
    }

    /** The change log of the current interval (tests). */
    DeltaLog changeLog()
    {
        return changes;
    }

    /** Entries the prefetcher of the current map found (tests). */
    long prefetchedEntries()
    {
        return null == prefetcher ? -1 : prefetcher.entriesLoaded();
    }

    public void endOfAccess()
    {
        final ExternalMapQueryContext<byte[], byte[], ?> c = pending;
        if (null != c)
        {
            pending = null;
            c.close();
        }
    }

    /**
     * Insert a key this store does not hold but the last snapshot does, because a {@link NurseryStore} in front of
     * it held the key at the snapshot point: like {@link #put}, except that the entry does not pass for one inserted
     * in this change interval, so that its removal later in the interval is logged as a tombstone rather than
     * dropped from the log.
     */
    void adopt(
        final DirectBuffer key, final int keyLength, final DirectBuffer value, final int valueOffset, final int valueLength)
    {
        adopting = true;
        try
        {
            put(key, keyLength, value, valueOffset, valueLength);
        }
        finally
        {
            adopting = false;
        }
    }

    public void put(
        final DirectBuffer key, final int keyLength, final DirectBuffer value, final int valueOffset, final int valueLength)
    {
        ExternalMapQueryContext<byte[], byte[], ?> reuse = takePending(key, keyLength);
        // The open look-up's key is this same key object, now re-pointed at identical bytes.
        final OffHeapData keyData = keyData(key, keyLength);
        final OffHeapData stampedValue = stampedValue(value, valueOffset, valueLength);
        // A retry after a failed write keeps the flag its first attempt gave: Chronicle may drop the entry in the
        // failed write (and a record appended for it is discarded), and finding the key absent must not make a key
        // that the interval started with pass for one inserted in it.
        int insertedFlag = adopting ? 0 : FLAG_FROM_ENTRY;
        while (true)
        {
            final ExternalMapQueryContext<byte[], byte[], ?> c;
            if (null != reuse)
            {
                c = reuse;
                reuse = null;
            }
            else
            {
                c = map.queryContext(keyData);
                lookups++;
            }
            RuntimeException full = null;
            try
            {
                // Exclusive for the whole read-modify-write, so a snapshot reader of this segment sees the
                // pre-image and the new value atomically (see ChronicleStoreSnapshot).
                c.writeLock().lock();
                final MapEntry<byte[], byte[]> entry = c.entry();
                final int logPosition =
                    onChange(c.segmentIndex(), key, keyLength, entry, value, valueOffset, valueLength, insertedFlag);
                insertedFlag = logPosition & INSERTED_IN_INTERVAL;
                valueScratch.view.putInt(LOG_POSITION_OFFSET, logPosition);
                if (null == entry)
                {
                    c.absentEntry().doInsert(stampedValue);
                    entries++;
                }
                else if (stampedValue.size() <= entry.value().size())
                {
                    entry.doReplaceValue(stampedValue);
                }
                else
                {
                    // A larger value may need a new place in the segment. When Chronicle finds none (a full tier),
                    // a failed doReplaceValue can lose another entry of the segment (seen with Chronicle Map
                    // 2026.1: the grown map held one entry fewer). Removing first, then inserting, fails cleanly:
                    // the key is absent and the retry in the grown map inserts it.
                    entry.doRemove();
                    entries--;
                    c.absentEntry().doInsert(stampedValue);
                    entries++;
                }
            }
            catch (final IllegalStateException | IllegalArgumentException ex)
            {
                full = ex;
            }
            finally
            {
                c.close();
            }
            if (null == full)
            {
                uncommittedAppend = NO_APPEND;
                uncommittedUpdate = NO_APPEND;
                return;
            }
            // The retry logs the key again, and Chronicle may have dropped the entry in the failed write, so the
            // retry may find the key absent: either way, the key must end up with one live record.
            if (NO_APPEND != uncommittedAppend)
            {
                // The retry appends again (a record it superseded stays dead: see DeltaLog#discardLast).
                changes.discardLast(uncommittedAppend);
                uncommittedAppend = NO_APPEND;
            }
            if (NO_APPEND != uncommittedUpdate)
            {
                // The record stays; a retry that finds no entry must update it rather than append another.
                changes.absentKeys.put(key, keyLength, uncommittedUpdate);
                uncommittedUpdate = NO_APPEND;
            }
            // Grow with no look-up open: copying the map takes every segment's lock.
            onMapFull(full);
        }
    }

    /**
     * Whether the look-up a {@link #get} or {@link #contains} kept open is of this key and found it: the map holds the
     * key, and a put of it next reuses that look-up. Shard thread.
     */
    boolean heldByOpenLookUp(final DirectBuffer key, final int keyLength)
    {
        return null != pending && pendingFound && keyLength == pendingKeyLength &&
            KeyLogIndex.sameBytes(pendingKey.view, 0, key, 0, keyLength);
    }

    /** The open look-up if it is of this key; otherwise closes it. */
    private ExternalMapQueryContext<byte[], byte[], ?> takePending(final DirectBuffer key, final int keyLength)
    {
        final ExternalMapQueryContext<byte[], byte[], ?> c = pending;
        if (null == c)
        {
            return null;
        }
        pending = null;
        if (keyLength == pendingKeyLength && KeyLogIndex.sameBytes(pendingKey.view, 0, key, 0, keyLength))
        {
            return c;
        }
        c.close();
        return null;
    }

    /**
     * Removes under the segment's write lock. After a {@link #get} of the same key (a state read, then cleared, as a
     * window or session does when it fires) the open look-up is upgraded instead of hashing and searching again.
     */
    public boolean remove(final DirectBuffer key, final int keyLength)
    {
        final ExternalMapQueryContext<byte[], byte[], ?> reuse = takePending(key, keyLength);
        // The open look-up's key is this same key object, now re-pointed at identical bytes.
        final OffHeapData keyData = keyData(key, keyLength);
        if (null == reuse)
        {
            lookups++;
        }
        try (ExternalMapQueryContext<byte[], byte[], ?> c = null != reuse ? reuse : map.queryContext(keyData))
        {
            c.writeLock().lock();
            final MapEntry<byte[], byte[]> entry = c.entry();
            if (null == entry)
            {
                return false;
            }
            onChange(c.segmentIndex(), key, keyLength, entry, null, 0, DeltaLog.TOMBSTONE, FLAG_FROM_ENTRY);
            entry.doRemove();
            entries--;
            return true;
        }
    }

    public void forEach(final EntryVisitor visitor)
    {
        new SegmentScan().step(Integer.MAX_VALUE, visitor);
    }

    /** {@inheritDoc} Resumes at a hash segment: each step visits whole segments, one at least. */
    public EntryScan newEntryScan()
    {
        return new SegmentScan();
    }

    public long entryCount()
    {
        return entries;
    }

    public long sizeBytes()
    {
        if (null != file)
        {
            try
            {
                // Allocated blocks of the sparse file, not its apparent length.
                final Object blocks = Files.getAttribute(file, "unix:blocks");
                if (blocks instanceof Long)
                {
                    return (Long)blocks * 512L;
                }
            }
            catch (final IOException | UnsupportedOperationException | IllegalArgumentException ignore)
            {
                // fall through to Chronicle's own figure
            }
        }
        return map.offHeapMemoryUsed();
    }

    public void prepareForCheckpoints()
    {
        checkOpen();
        if (ctx.warmUpCheckpointPaths())
        {
            // Usually started by the thread that wired the job (ChronicleStateBackend.prepareForCheckpoints).
            CheckpointPathWarmUp.await();
        }
        preparedForCheckpoints = true;
        joinIterationContext();
        trackChangesFromEmpty();
    }

    /**
     * Visit one segment, so this thread's context chain for the map holds an iteration context from now on (and
     * again for the new map after a {@link #grow}).
     * <p>
     * Why: every look-up walks the contexts after its own in the chain, and the first full snapshot's scan adds
     * one. When that came seconds into a job, C2 had compiled the walk as never entered, and the event loop
     * deoptimized at the scan's first step (JFR: {@code unstable_if} in {@code CompiledMapQueryContext.initLocks}).
     * Joined now, the loop is compiled as it will run.
     */
    private void joinIterationContext()
    {
        try (MapSegmentContext<byte[], byte[], ?> c = map.segmentContext(0))
        {
            c.forEachSegmentEntry(IGNORE_ENTRY);
        }
    }

    /** Log changes from now on if the map is empty and no snapshot point has passed (see {@link #logHoldsAll}). */
    void trackChangesFromEmpty()
    {
        checkOpen();
        if (!tracking && 0 == entries && Long.MIN_VALUE == lastCheckpointId)
        {
            tracking = true;
            logHoldsAll = true;
        }
    }

    public StoreSnapshot snapshot(final long checkpointId, final boolean full)
    {
        checkOpen();
        endOfAccess();
        reclaimReleasedSnapshot();
        if (null != inflight)
        {
            throw new IllegalStateException("shard " + shardId + ": snapshot of checkpoint " +
                inflight.checkpointId() + " is still in flight; release() it before snapshot " + checkpointId);
        }
        if (!full && !tracking)
        {
            throw new IllegalStateException("shard " + shardId + ": snapshot " + checkpointId + " is a delta, but " +
                "the store has taken no snapshot yet: its first snapshot must be full (changes are tracked from a " +
                "snapshot point on)");
        }
        tracking = true;
        final boolean fromLog = full && logHoldsAll;
        logHoldsAll = false;

        final DeltaLog frozen = changes;
        changes = spareChanges;
        spareChanges = null;
        changes.clear();
        final PreImages preImages = sparePreImages;
        sparePreImages = null;
        preImages.prepare(map.segments());
        final ScanStaging staging = spareStaging;
        spareStaging = null;
        lastCheckpointId = checkpointId;
        inflight = new ChronicleStoreSnapshot(checkpointId, full, fromLog, map, frozen, interval, preImages, staging);
        interval = ChangeIntervals.next(interval);
        return inflight;
    }

    /** Checkpoint id of the latest snapshot point, or {@link Long#MIN_VALUE}. */
    public long lastCheckpointId()
    {
        return lastCheckpointId;
    }

    /** Whether nothing of this store outlives {@link #close}: an in-memory map, or a file deleted on close. */
    boolean deletesFileOnClose()
    {
        return null == file || ctx.deleteFilesOnClose();
    }

    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        endOfAccess();
        if (null != inflight)
        {
            inflight.onStoreClosed();
            inflight = null;
        }
        map.close();
        keyScratch.free();
        valueScratch.free();
        pendingKey.free();
        if (null != file && ctx.deleteFilesOnClose())
        {
            try
            {
                Files.deleteIfExists(file);
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException("shard " + shardId + ": cannot delete " + file, ex);
            }
        }
    }

    /**
     * Under the key's segment write lock, before the entry is written or removed: log the key's new value (or its
     * removal), and save its pre-image at its first change in the interval if the snapshot in flight needs it.
     *
     * @param valueLength  the new value's length, or {@link DeltaLog#TOMBSTONE} when removing.
     * @param insertedFlag {@link #INSERTED_IN_INTERVAL} or 0 for the written header, or {@link #FLAG_FROM_ENTRY}.
     * @return the position of the key's log record with the entry's {@link #INSERTED_IN_INTERVAL} flag, for the
     * header of the value written next.
     */
    private int onChange(
        final int segmentIndex,
        final DirectBuffer key,
        final int keyLength,
        final MapEntry<byte[], byte[]> entry,
        final DirectBuffer value,
        final int valueOffset,
        final int valueLength,
        final int insertedFlag)
    {
        if (!tracking)
        {
            return 0;
        }
        final DeltaLog log = changes;
        final int logged;
        boolean inserted = false;
        Data<byte[]> current = null;
        if (null == entry)
        {
            logged = DeltaLog.NO_ENTRY;
        }
        else
        {
            current = entry.value();
            final RandomDataInput bytes = current.bytes();
            if (bytes.readInt(current.offset()) == interval)
            {
                final int header = bytes.readInt(current.offset() + LOG_POSITION_OFFSET);
                inserted = (header & INSERTED_IN_INTERVAL) != 0;
                logged = header & ~INSERTED_IN_INTERVAL;
            }
            else
            {
                logged = DeltaLog.FIRST_CHANGE;
            }
        }
        if (inserted && DeltaLog.TOMBSTONE == valueLength)
        {
            log.discardInserted(logged);
            return 0;
        }
        // A removed key's tombstone keeps room for the value it had: if the key comes back in the interval (a
        // session reopened), its value goes in place.
        final int position = DeltaLog.TOMBSTONE == valueLength && null != current ?
            log.logRemoval(key, keyLength, logged, Math.max(0, (int)current.size() - HEADER_BYTES)) :
            log.logChange(key, keyLength, logged, value, valueOffset, valueLength);
        switch (log.lastChange())
        {
            case DeltaLog.APPENDED:
                // A failed write leaves the key as it was: its retry appends again.
                uncommittedAppend = position;
                break;
            case DeltaLog.UPDATED:
                uncommittedUpdate = position;
                break;
            default:
                // A removal, or an insert over a removal's record: if the write fails the key is still absent and
                // its record still indexed, so the retry updates that record again.
                break;
        }
        if (DeltaLog.FIRST_CHANGE == logged)
        {
            final ChronicleStoreSnapshot snapshot = inflight;
            if (null != snapshot)
            {
                if (snapshot.isReleased())
                {
                    reclaimReleasedSnapshot();
                }
                else
                {
                    snapshot.onFirstChange(segmentIndex, key, keyLength,
                        current.bytes().addressForRead(current.offset() + HEADER_BYTES),
                        (int)current.size() - HEADER_BYTES);
                }
            }
        }
        if (FLAG_FROM_ENTRY != insertedFlag)
        {
            return position | insertedFlag;
        }
        return inserted || (null == entry && DeltaLog.APPENDED == log.lastChange()) ?
            position | INSERTED_IN_INTERVAL : position;
    }

    /** 1 for a new map; for a re-opened file, past every stamp in it, so none passes for the current interval. */
    private static int firstInterval(final ChronicleMap<byte[], byte[]> map)
    {
        if (map.longSize() == 0)
        {
            return 1;
        }
        final int[] max = {0};
        map.forEachEntry((entry) ->
        {
            final Data<byte[]> value = entry.value();
            max[0] = Math.max(max[0], value.bytes().readInt(value.offset()));
        });
        return ChangeIntervals.next(max[0]);
    }

    private void reclaimReleasedSnapshot()
    {
        final ChronicleStoreSnapshot snapshot = inflight;
        if (null != snapshot && snapshot.isReleased())
        {
            spareChanges = snapshot.changes();
            spareChanges.clear();
            sparePreImages = snapshot.preImages();
            spareStaging = snapshot.staging();
            spareStaging.reset();
            if (!snapshot.isFullyRead())
            {
                sparePreImages.clearIndex();
            }
            inflight = null;
        }
    }

    private void onMapFull(final RuntimeException ex)
    {
        if (!isMapFull(ex))
        {
            throw ex;
        }
        if (!ctx.growOnFull())
        {
            throw new ChronicleMapFullException("Chronicle map of shard " + shardId + " is full at " + entries +
                " entries: it was created for entries=" + configuredEntries + " with averageKeySizeBytes=" +
                ctx.averageKeySizeBytes() + ", averageValueSizeBytes=" + ctx.averageValueSizeBytes() +
                ", maxBloatFactor=" + ctx.maxBloatFactor() + ". Raise ChronicleStateBackend.Context" +
                ".entriesPerShard(..), the average sizes or maxBloatFactor(..), or enable growOnFull(true)", ex);
        }
        if (generation >= 32)
        {
            throw new ChronicleMapFullException("Chronicle map of shard " + shardId + " still full after " +
                generation + " growths (entries=" + configuredEntries + "): a single entry may be larger than a " +
                "segment tier; raise averageValueSizeBytes(..) (now " + ctx.averageValueSizeBytes() + ")", ex);
        }
        grow((long)Math.ceil(Math.max(configuredEntries, entries) * ctx.growthFactor()));
    }

    private static boolean isMapFull(final RuntimeException ex)
    {
        for (Throwable t = ex; t != null; t = t.getCause())
        {
            if (t instanceof DeltaLogFullException)
            {
                return false;
            }
            final String message = t.getMessage();
            if (null != message && (message.contains("segment tier") || message.contains("too large") ||
                message.contains("chunks")))
            {
                return true;
            }
        }
        return false;
    }

    /** Re-create the map bigger and copy every entry. A snapshot in flight keeps reading the old map. */
    private void grow(final long newEntries)
    {
        final ChronicleMap<byte[], byte[]> oldMap = map;
        final Path growFile = null == file ? null : file.resolveSibling(file.getFileName() + ".grow");
        if (null != growFile)
        {
            try
            {
                Files.deleteIfExists(growFile);
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException(ex);
            }
        }
        // A map is full when its entries or a single entry outgrew it; in the second case small segments would
        // not hold the entry however many there are, so a grown map leaves the segment size to Chronicle.
        final ChronicleMap<byte[], byte[]> newMap = createMap(newEntries, growFile, false);
        oldMap.forEachEntry((entry) ->
        {
            try (ExternalMapQueryContext<byte[], byte[], ?> c = newMap.queryContext(entry.key()))
            {
                c.writeLock().lock();
                c.absentEntry().doInsert(entry.value());
            }
        });

        final ChronicleStoreSnapshot snapshot = inflight;
        if (null != snapshot && !snapshot.isReleased())
        {
            // The old map is frozen from here on, so the snapshot reads it unchanged with the pre-images
            // saved so far, and it closes the old map on release.
            snapshot.retire(oldMap);
        }
        else
        {
            oldMap.close();
        }
        if (null != growFile)
        {
            try
            {
                Files.move(growFile, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException("shard " + shardId + ": cannot replace " + file, ex);
            }
        }
        map = newMap;
        prefetcher = LookupPrefetcher.create(newMap);
        configuredEntries = newEntries;
        generation++;
        if (preparedForCheckpoints)
        {
            joinIterationContext(); // the chain is per map: the new map's starts without one
        }
    }

    /** @param smallSegments size segments for {@code Context.entriesPerSegment} rather than Chronicle's choice. */
    private ChronicleMap<byte[], byte[]> createMap(final long entries, final Path path, final boolean smallSegments)
    {
        final ChronicleMapBuilder<byte[], byte[]> builder = ChronicleMapBuilder.of(byte[].class, byte[].class)
            .name("weir-shard-" + shardId)
            .entries(entries)
            .averageKeySize(ctx.averageKeySizeBytes())
            .averageValueSize(ctx.averageValueSizeBytes() + HEADER_BYTES)
            .maxBloatFactor(ctx.maxBloatFactor())
            // The job closes its stores itself, after the shard and checkpoint threads stopped. Chronicle's own
            // exit hook would close the map under a running shard during a graceful stop (SIGTERM takes a
            // savepoint from a shutdown hook first).
            .skipCloseOnExitHook(true);
        if (ctx.chunkSizeBytes() > 0)
        {
            builder.actualChunkSize(ctx.chunkSizeBytes());
        }
        if (smallSegments && ctx.entriesPerSegment() > 0 && entries / ctx.entriesPerSegment() > 1)
        {
            builder.minSegments((int)Math.min(entries / ctx.entriesPerSegment(), MAX_MIN_SEGMENTS));
        }
        if (null == path)
        {
            return builder.create();
        }
        try
        {
            Files.createDirectories(path.getParent());
            final File f = path.toFile();
            return builder.sparseFile(true).createPersistedTo(f);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("shard " + shardId + ": cannot create or open " + path, ex);
        }
    }

    private OffHeapData keyData(final DirectBuffer key, final int length)
    {
        if (null == key.byteArray())
        {
            return keyData.set(key.addressOffset(), length);
        }
        keyScratch.copy(key, 0, 0, length);
        return keyData.set(keyScratch.address(), length);
    }

    /** The value as stored: the current interval's stamp, room for the log position, then the payload. */
    private OffHeapData stampedValue(final DirectBuffer value, final int offset, final int length)
    {
        valueScratch.copy(value, offset, HEADER_BYTES, length);
        valueScratch.view.putInt(0, interval);
        return valueData.set(valueScratch.address(), HEADER_BYTES + length);
    }

    private void checkOpen()
    {
        if (closed)
        {
            throw new IllegalStateException("shard " + shardId + ": store is closed");
        }
    }

    /** A reused native buffer for heap-backed keys and values. Single-threaded. */
    static final class NativeScratch
    {
        private BytesStore<?, Void> store;
        private final UnsafeBuffer view = new UnsafeBuffer(0, 0);

        NativeScratch(final int capacity)
        {
            allocate(capacity);
        }

        BytesStore<?, Void> copy(final DirectBuffer src, final int offset, final int length)
        {
            return copy(src, offset, 0, length);
        }

        /** Copy {@code length} bytes of {@code src} to {@code at} in this scratch, growing it if needed. */
        BytesStore<?, Void> copy(final DirectBuffer src, final int offset, final int at, final int length)
        {
            if (at + length > view.capacity())
            {
                store.releaseLast();
                allocate(Math.max(at + length, view.capacity() * 2));
            }
            if (length > 0)
            {
                view.putBytes(at, src, offset, length);
            }
            return store;
        }

        long address()
        {
            return view.addressOffset();
        }

        void free()
        {
            if (null != store)
            {
                store.releaseLast();
                store = null;
            }
        }

        private void allocate(final int capacity)
        {
            store = BytesStore.nativeStoreWithFixedCapacity(capacity);
            view.wrap(store.addressForWrite(0), capacity);
        }
    }

    /**
     * Walks the map one segment after another; an entry stays in its segment, so one live through a pass is
     * visited once. When the map was re-created bigger, the pass starts over on the new map. Shard thread only.
     */
    private final class SegmentScan implements EntryScan, Consumer<MapEntry<byte[], byte[]>>
    {
        private final UnsafeBuffer keyView = new UnsafeBuffer(0, 0);
        private final UnsafeBuffer valueView = new UnsafeBuffer(0, 0);
        private EntryVisitor visitor;
        private int visited;
        private int segment;
        private int scanGeneration = generation;

        public boolean step(final int minEntries, final EntryVisitor visitor)
        {
            endOfAccess();
            if (scanGeneration != generation)
            {
                scanGeneration = generation;
                segment = 0;
            }
            this.visitor = visitor;
            visited = 0;
            final int segments = map.segments();
            try
            {
                while (segment < segments && visited < minEntries)
                {
                    try (MapSegmentContext<byte[], byte[], ?> c = map.segmentContext(segment))
                    {
                        c.forEachSegmentEntry(this);
                    }
                    segment++;
                }
            }
            finally
            {
                this.visitor = null;
            }
            if (segment >= segments)
            {
                segment = 0;
                return false;
            }
            return true;
        }

        public void accept(final MapEntry<byte[], byte[]> entry)
        {
            final Data<byte[]> k = entry.key();
            final Data<byte[]> v = entry.value();
            final int keyLength = (int)k.size();
            final int valueLength = (int)v.size() - HEADER_BYTES;
            keyView.wrap(k.bytes().addressForRead(k.offset()), keyLength);
            valueView.wrap(v.bytes().addressForRead(v.offset() + HEADER_BYTES), valueLength);
            visitor.onEntry(keyView, keyLength, valueView, valueLength);
            visited++;
        }
    }
}
