package io.weir.state.lmdb;

import io.weir.state.changes.ChangeIntervals;
import io.weir.state.changes.DeltaLog;
import io.weir.state.changes.KeyLogIndex;
import io.weir.state.spi.EntryScan;
import io.weir.state.spi.EntryVisitor;
import io.weir.state.spi.KeyedStateStore;
import io.weir.state.spi.StoreSnapshot;
import org.agrona.BitUtil;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.lmdbjava.Cursor;
import org.lmdbjava.Dbi;
import org.lmdbjava.DbiFlags;
import org.lmdbjava.DirectBufferProxy;
import org.lmdbjava.Env;
import org.lmdbjava.EnvFlags;
import org.lmdbjava.EnvInfo;
import org.lmdbjava.GetOp;
import org.lmdbjava.PutFlags;
import org.lmdbjava.Txn;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One shard's keyed state in its own LMDB environment (see {@link LmdbStateBackend} for why one per shard).
 * <p>
 * <b>Databases.</b> {@code state} maps composite keys to values, each stored after a hidden
 * {@value #STAMP_BYTES}-byte stamp: the change interval (between two snapshot points, numbered by
 * {@link #interval}) of its last write, then the position of the key's record in that interval's
 * {@link DeltaLog}. {@code meta} holds the {@linkplain #FORMAT_VERSION format version} of the values, so a store
 * written with another layout is refused rather than misread.
 * <p>
 * <b>Change tracking.</b> Once checkpoints will be taken ({@link #prepareForCheckpoints}, or the first snapshot
 * point), every write also goes to an off-heap {@link DeltaLog}: the latest value of each key changed in the
 * interval, which is the next delta. A write to a key whose stamp is not the current interval is its first change
 * since the snapshot point and appends the key's record; a later one supersedes the record its stamp names. The
 * stamp comes with the value a read-modify-write has just read ({@link #get} remembers it for a {@link #put} of
 * the same key), so tracking costs no B-tree operation there; a blind write looks it up. A removed key has no
 * entry, so {@link DeltaLog#absentKeys} keeps its record's position for the rest of the interval.
 * <p>
 * Why a value log rather than a log of keys: a delta used to be read by looking every changed key up again in the
 * snapshot's read transaction, an {@code mdb_get} per key on the checkpoint thread, about 500,000 a second on
 * the cores both shards keep busy. The shard has the value in hand as it writes; copying it costs less. The log is
 * not in LMDB: it only has to match the snapshot point, and a store opened again starts a new one.
 * <p>
 * <b>Write batching.</b> The shard thread keeps one write transaction open and commits it every
 * {@code writeBatchSize} writes or {@code writeBatchBytes} bytes, at every full snapshot point and at close. Reads go
 * through the same transaction, so they see uncommitted writes. Every write is first appended to an off-heap
 * {@link WriteBatchLog}; keys and values reach LMDB only from that log (or from a direct scratch buffer for
 * lookups), never from a caller's heap buffer.
 * <p>
 * <b>Map full.</b> When a put, delete or commit fails with {@link Env.MapFullException}, the transaction is
 * aborted, the map grows (doubling, never beyond what the disk can back: with {@code MDB_WRITEMAP} a write to a
 * sparse page on a full disk would be a SIGBUS), a new transaction is opened and the batch log replayed, so no
 * write is lost. The map can only grow with no transaction open, so if a full snapshot's read transaction is in
 * flight the shard waits (bounded by {@code mapGrowthWaitTimeoutMs}) for its release. To make that rare the map is
 * also grown ahead, at commits while no full snapshot is in flight, once it is three quarters used. Only when
 * the disk cannot hold a larger map does the write fail, with the directory, map size and free disk in the message.
 * <p>
 * <b>Snapshots.</b> A full {@link #snapshot(long, boolean)} commits, opens a read transaction (the environment
 * has {@code MDB_NOTLS}, so it may be used and closed by the snapshot thread) and returns at once; the shard goes
 * on writing in new write transactions. A delta only hands over the interval's {@link DeltaLog}: no commit (it
 * was most of an LMDB snapshot point's pause, about 130 us at 10,000 events/s) and no read transaction, so the
 * map can grow while the delta is written. One snapshot may be in flight at a time.
 * <p>
 * <b>Threads.</b> Created by the thread wiring the job (which only opens the environment); every other method is
 * called from the shard thread, which opens and owns the write transaction. {@link #close()} is called from the
 * shard thread, or from another thread once the shard thread has stopped. The returned {@link StoreSnapshot} is
 * read and released by the snapshot thread.
 */
public final class LmdbKeyedStateStore implements KeyedStateStore
{
    static final String STATE_DBI_NAME = "state";
    static final String META_DBI_NAME = "meta";
    /** Version 2: an 8-byte stamp (interval, log position) before every value; version 1 had a 4-byte one. */
    static final int FORMAT_VERSION = 2;
    private static final String FORMAT_KEY = "format";
    static final PutFlags[] NO_PUT_FLAGS = new PutFlags[0];
    private static final PutFlags[] PUT_CURRENT = {PutFlags.MDB_CURRENT};
    /** Size of the stamp before every stored value: the interval of its last write, then its log position. */
    static final int STAMP_BYTES = 2 * Integer.BYTES;
    private static final int POSITION_OFFSET = Integer.BYTES;
    /** Stamp of a key with no entry: 0 is never an interval. */
    private static final int NO_STAMP = 0;

    private final int shardId;
    private final Path dir;
    private final boolean keepFiles;
    private final int writeBatchSize;
    private final int writeBatchBytes;
    private final long mapGrowthWaitTimeoutNs;
    private final Env<DirectBuffer> env;
    private final Dbi<DirectBuffer> stateDbi;
    private final int maxKeyLength;
    private final long pageSizeBytes;
    private final WriteBatchLog log;
    private final UnsafeBuffer keyView = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer valueView = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer lookupKeyView = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer entryValueView = new UnsafeBuffer(0, 0);
    private final ExpandableDirectByteBuffer lookupKeyCopy = new ExpandableDirectByteBuffer(512);
    private final ExpandableDirectByteBuffer stampedValue = new ExpandableDirectByteBuffer(256);
    /** The key of the last {@link #get} and its stamp, for a put of the same key next; length -1 when none. */
    private final ExpandableDirectByteBuffer lastReadKey = new ExpandableDirectByteBuffer(512);
    private int lastReadKeyLength = -1;
    /**
     * The write transaction's cursor, opened at its first read (a write transaction's cursor cannot outlive it).
     * Shard thread only.
     */
    private Cursor<DirectBuffer> cursor;
    /**
     * Whether {@link #cursor} rests on the entry of the last read key: a put of that key next replaces the entry
     * at the cursor ({@code MDB_CURRENT}) instead of searching the B-tree again. Profiled, {@code mdb_put} cost as
     * much as the {@code mdb_get} before it, most of it that second search from the root.
     */
    private boolean cursorAtLastRead;
    private int lastReadStamp;
    private int lastReadPosition;
    /** The log position in the stamp {@link #stampOf} returned last. */
    private int entryPosition;
    private DeltaLog changes = new DeltaLog();
    private DeltaLog spareChanges = new DeltaLog();
    /** Whether writes go to {@link #changes}: from {@link #prepareForCheckpoints} or the first snapshot point on. */
    private boolean tracking;
    private int interval;
    private final IdleStrategy growthWaitIdle = new BackoffIdleStrategy();
    /** Guards the environment's close against a concurrent snapshot release (both rare, never per event). */
    final Object lifecycleLock = new Object();

    private long mapSizeBytes;
    private Txn<DirectBuffer> txn;
    private int batchWrites;
    private boolean closed;
    private LmdbStoreSnapshot inFlight;
    private boolean envCloseDeferred;
    private boolean envClosed;
    private int mapGrowths;
    private int mapFullRecoveries;
    /** Written by the shard thread while it waits for a snapshot release; read by tests and diagnostics. */
    private volatile boolean awaitingSnapshotRelease;

    LmdbKeyedStateStore(
        final int shardId,
        final Path dir,
        final long initialMapSizeBytes,
        final EnvFlags[] envFlags,
        final int writeBatchSize,
        final int writeBatchBytes,
        final boolean keepFiles,
        final long mapGrowthWaitTimeoutMs)
    {
        this.shardId = shardId;
        this.dir = dir;
        this.keepFiles = keepFiles;
        this.writeBatchSize = writeBatchSize;
        this.writeBatchBytes = writeBatchBytes;
        this.mapGrowthWaitTimeoutNs = TimeUnit.MILLISECONDS.toNanos(mapGrowthWaitTimeoutMs);
        this.log = new WriteBatchLog(Math.min(writeBatchBytes + 1024, 1 << 20));

        try
        {
            if (!keepFiles)
            {
                deleteDirectory(dir);
            }
            Files.createDirectories(dir);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot create LMDB state directory " + dir, ex);
        }

        final EnvFlags[] flags = Arrays.copyOf(envFlags, envFlags.length + 1);
        flags[envFlags.length] = EnvFlags.MDB_NOTLS;
        final long mapSize = Math.max(
            LmdbConfiguration.MAP_SIZE_ALIGNMENT_BYTES,
            Math.min(alignUp(initialMapSizeBytes), alignDown(usableDiskBytes() - LmdbConfiguration.DISK_RESERVE_BYTES)));
        env = Env.create(DirectBufferProxy.PROXY_DB)
            .setMapSize(mapSize)
            .setMaxDbs(2)
            .setMaxReaders(LmdbConfiguration.MAX_READERS_DEFAULT)
            .open(dir.toFile(), flags);
        try
        {
            try (Txn<DirectBuffer> setup = env.txnWrite())
            {
                stateDbi = env.openDbi(setup, bytes(STATE_DBI_NAME), null, false, DbiFlags.MDB_CREATE);
                checkFormat(setup, env.openDbi(setup, bytes(META_DBI_NAME), null, false, DbiFlags.MDB_CREATE));
                interval = firstInterval(setup, stateDbi);
                setup.commit();
            }
            maxKeyLength = env.getMaxKeySize();
            pageSizeBytes = env.stat().pageSize;
            mapSizeBytes = env.info().mapSize;
        }
        catch (final RuntimeException ex)
        {
            env.close();
            throw ex;
        }
    }

    /** {@inheritDoc} Called from the shard thread. */
    public int get(final DirectBuffer key, final int keyLength, final MutableDirectBuffer valueOut)
    {
        checkOpen();
        checkKey(key, keyLength);
        ensureTxn();
        final Cursor<DirectBuffer> c = cursor();
        final boolean found = c.get(lookupKey(key, keyLength), GetOp.MDB_SET_KEY);
        cursorAtLastRead = found;
        lastReadKey.putBytes(0, key, 0, keyLength);
        lastReadKeyLength = keyLength;
        if (!found)
        {
            lastReadStamp = NO_STAMP;
            return MISSING;
        }
        final DirectBuffer value = c.val();
        lastReadStamp = value.getInt(0);
        lastReadPosition = value.getInt(POSITION_OFFSET);
        final int valueLength = value.capacity() - STAMP_BYTES;
        valueOut.putBytes(0, value, STAMP_BYTES, valueLength);
        return valueLength;
    }

    /** {@inheritDoc} Called from the shard thread. */
    public void put(
        final DirectBuffer key, final int keyLength, final DirectBuffer value, final int valueOffset, final int valueLength)
    {
        checkOpen();
        checkKey(key, keyLength);
        if (valueLength < 0 || valueOffset < 0 || valueOffset > value.capacity() - valueLength)
        {
            throw new IllegalArgumentException("value range out of bounds: valueOffset=" + valueOffset +
                " valueLength=" + valueLength + " capacity=" + value.capacity());
        }
        ensureTxn();
        final boolean lastRead = isLastRead(key, keyLength);
        final boolean atCursor = cursorAtLastRead && lastRead;
        cursorAtLastRead = false;
        final int stamp = stampOf(key, keyLength, lastRead);
        final int position = onChange(key, keyLength, stamp, value, valueOffset, valueLength);
        stampedValue.putInt(0, interval);
        stampedValue.putInt(POSITION_OFFSET, position);
        stampedValue.putBytes(STAMP_BYTES, value, valueOffset, valueLength);
        final int record = log.appendPut(key, keyLength, stampedValue, 0, STAMP_BYTES + valueLength);
        applyWithGrowth(record, atCursor);
        onWrite();
    }

    /** {@inheritDoc} Called from the shard thread. */
    public boolean remove(final DirectBuffer key, final int keyLength)
    {
        checkOpen();
        checkKey(key, keyLength);
        ensureTxn();
        cursorAtLastRead = false;
        final int stamp = stampOf(key, keyLength);
        if (NO_STAMP == stamp)
        {
            return false;
        }
        onChange(key, keyLength, stamp, null, 0, DeltaLog.TOMBSTONE);
        final int record = log.appendRemove(key, keyLength);
        final boolean removed = applyWithGrowth(record, false);
        onWrite();
        return removed;
    }

    private boolean isLastRead(final DirectBuffer key, final int keyLength)
    {
        return lastReadKeyLength == keyLength && KeyLogIndex.sameBytes(lastReadKey, 0, key, 0, keyLength);
    }

    /**
     * The stamp of the key's entry ({@link #NO_STAMP} if none), with its log position in {@link #entryPosition};
     * forgets the last read, as the key changes next.
     */
    private int stampOf(final DirectBuffer key, final int keyLength)
    {
        return stampOf(key, keyLength, isLastRead(key, keyLength));
    }

    /** {@link #stampOf(DirectBuffer, int)} when the caller already compared the key with the last read one. */
    private int stampOf(final DirectBuffer key, final int keyLength, final boolean lastRead)
    {
        lastReadKeyLength = -1;
        if (lastRead)
        {
            entryPosition = lastReadPosition;
            return lastReadStamp;
        }
        final DirectBuffer value = stateDbi.get(txn, lookupKey(key, keyLength));
        if (null == value)
        {
            return NO_STAMP;
        }
        entryPosition = value.getInt(POSITION_OFFSET);
        return value.getInt(0);
    }

    /**
     * Before the key is written or removed: log its new value (or its removal) in the interval's delta log.
     *
     * @param stamp         the interval in the key's entry ({@link #NO_STAMP} if none); its log position is in
     *                      {@link #entryPosition}.
     * @param valueLength   the new value's length, or {@link DeltaLog#TOMBSTONE} when removing.
     * @return the position of the key's record, for the stamp of the value written next (0 when not tracking).
     */
    private int onChange(
        final DirectBuffer key,
        final int keyLength,
        final int stamp,
        final DirectBuffer value,
        final int valueOffset,
        final int valueLength)
    {
        if (!tracking)
        {
            return 0;
        }
        final int logged = NO_STAMP == stamp ? DeltaLog.NO_ENTRY :
            stamp == interval ? entryPosition : DeltaLog.FIRST_CHANGE;
        return changes.logChange(key, keyLength, logged, value, valueOffset, valueLength);
    }

    /** {@inheritDoc} Called from the shard thread; sees uncommitted writes. */
    public void forEach(final EntryVisitor visitor)
    {
        checkOpen();
        ensureTxn();
        try (Cursor<DirectBuffer> cursor = stateDbi.openCursor(txn))
        {
            visitCursor(cursor, visitor, entryValueView);
        }
    }

    /**
     * {@inheritDoc} Resumes after the last key it visited, in the write transaction, so uncommitted writes are
     * seen. Called from the shard thread.
     */
    public EntryScan newEntryScan()
    {
        return new KeyOrderScan();
    }

    /** {@inheritDoc} Exact: counts uncommitted writes. Called from the shard thread. */
    public long entryCount()
    {
        checkOpen();
        ensureTxn();
        return stateDbi.stat(txn).entries;
    }

    /**
     * {@inheritDoc} The pages in use, (last page number + 1) × page size, as of the last commit: the bytes of the
     * data file that hold data (the file itself is sparse and as long as the map). Called from the shard thread.
     */
    public long sizeBytes()
    {
        checkOpen();
        return usedBytes(env.info());
    }

    /**
     * {@inheritDoc} Hands the snapshot the interval's delta log and starts a new interval; a full snapshot also
     * commits the open write transaction and opens the read transaction it reads. Called from the shard thread.
     *
     * @throws IllegalStateException if the previous snapshot has not been released, or if a delta is asked for
     *                               before changes were tracked (neither {@link #prepareForCheckpoints} nor a
     *                               snapshot point came before it).
     */
    public StoreSnapshot snapshot(final long checkpointId, final boolean full)
    {
        checkOpen();
        if (null != inFlight && !inFlight.isReleased())
        {
            throw new IllegalStateException("LMDB store of shard " + shardId + ": snapshot of checkpoint " +
                inFlight.checkpointId() + " is still in flight; release it before snapshot " + checkpointId);
        }
        if (!full && !tracking)
        {
            throw new IllegalStateException("LMDB store of shard " + shardId + ": snapshot " + checkpointId +
                " is a delta, but no change was tracked for it: call prepareForCheckpoints() before the changes, " +
                "or take a full snapshot first");
        }
        if (null != inFlight)
        {
            spareChanges = inFlight.changes();
            inFlight = null;
        }
        Txn<DirectBuffer> readTxn = null;
        if (full)
        {
            // A delta reads only its log: the write transaction stays open, and no read transaction pins pages.
            commitBatch(true);
            readTxn = env.txnRead();
        }
        // Only once nothing can fail: a store that starts tracking here has stamps of this interval that name no
        // record, and the interval moves on below.
        tracking = true;
        final DeltaLog frozen = changes;
        changes = spareChanges;
        spareChanges = null;
        changes.clear();
        final LmdbStoreSnapshot snapshot = new LmdbStoreSnapshot(this, checkpointId, full, readTxn, stateDbi, frozen);
        inFlight = snapshot;
        interval = ChangeIntervals.next(interval);
        return snapshot;
    }

    /**
     * {@inheritDoc} Logs changes from now on, for the first delta. A store with entries (reopened, or restored)
     * starts a new interval, as its stamps carry no log position for this one. Called from the shard thread.
     */
    public void prepareForCheckpoints()
    {
        checkOpen();
        if (!tracking)
        {
            tracking = true;
            interval = ChangeIntervals.next(interval);
        }
    }

    /**
     * {@inheritDoc} Commits pending writes (map growth included), then closes the environment and, unless
     * {@code keepFiles}, deletes the shard's directory. If a snapshot is still in flight the environment is closed
     * (and the directory deleted) by that snapshot's {@link StoreSnapshot#release()} instead. Idempotent.
     */
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        try
        {
            commitBatch(false);
        }
        finally
        {
            abortTxn();
            synchronized (lifecycleLock)
            {
                if (null != inFlight && !inFlight.isReleased())
                {
                    envCloseDeferred = true;
                }
                else
                {
                    closeEnv();
                }
            }
        }
    }

    public int shardId()
    {
        return shardId;
    }

    /** The environment's directory. */
    public Path dir()
    {
        return dir;
    }

    /**
     * Tests: new delta logs that let dead records outnumber live ones by {@code slack} before later changes
     * overwrite in place (see {@link DeltaLog#maySupersede}). Only before changes are tracked.
     */
    void deltaLogSupersedeSlack(final int slack)
    {
        if (tracking)
        {
            throw new IllegalStateException("changes are tracked already");
        }
        changes = new DeltaLog(slack);
        spareChanges = new DeltaLog(slack);
    }

    /** Current map size; changes only on the shard thread. */
    public long mapSizeBytes()
    {
        return mapSizeBytes;
    }

    /** How many times the map has grown since open (ahead of need or on {@code MapFullException}). */
    public int mapGrowths()
    {
        return mapGrowths;
    }

    /** How many times a {@code MapFullException} aborted a transaction and the map grew for the replay. */
    public int mapFullRecoveries()
    {
        return mapFullRecoveries;
    }

    /** Largest composite key this environment accepts (LMDB's compile-time limit, 511 by default). */
    public int maxKeyLength()
    {
        return maxKeyLength;
    }

    public String toString()
    {
        return "LmdbKeyedStateStore{shardId=" + shardId + ", dir=" + dir + ", mapSizeBytes=" + mapSizeBytes + '}';
    }

    /** Called by a snapshot's {@code release()} from the snapshot thread, with {@link #lifecycleLock} held. */
    void onSnapshotReleased()
    {
        if (envCloseDeferred)
        {
            closeEnv();
        }
    }

    /** True while the shard thread waits for the in-flight snapshot's release to grow a full map. Any thread. */
    public boolean isAwaitingSnapshotRelease()
    {
        return awaitingSnapshotRelease;
    }

    boolean isEnvClosed()
    {
        return envClosed;
    }

    /** Visit every entry, its value without the stamp, through {@code valueView}. */
    static void visitCursor(final Cursor<DirectBuffer> cursor, final EntryVisitor visitor, final UnsafeBuffer valueView)
    {
        for (boolean found = cursor.first(); found; found = cursor.next())
        {
            final DirectBuffer key = cursor.key();
            final DirectBuffer value = cursor.val();
            valueView.wrap(value, STAMP_BYTES, value.capacity() - STAMP_BYTES);
            visitor.onEntry(key, key.capacity(), valueView, valueView.capacity());
        }
    }

    /**
     * A new environment gets the current format version; one opened again must have it, as values of another
     * layout would be misread (version 1's 4-byte stamp read as 8 bytes corrupts every value).
     */
    private void checkFormat(final Txn<DirectBuffer> txn, final Dbi<DirectBuffer> metaDbi)
    {
        final UnsafeBuffer key = new UnsafeBuffer(ByteBuffer.allocateDirect(FORMAT_KEY.length()));
        key.putStringWithoutLengthAscii(0, FORMAT_KEY);
        final DirectBuffer stored = metaDbi.get(txn, key);
        if (null == stored)
        {
            if (stateDbi.stat(txn).entries > 0)
            {
                throw new IllegalStateException("LMDB state directory " + dir + " holds state of format version 1 " +
                    "(written by an older Weir), this Weir reads version " + FORMAT_VERSION + ": delete the " +
                    "directory and restore from a checkpoint");
            }
            final UnsafeBuffer version = new UnsafeBuffer(ByteBuffer.allocateDirect(Integer.BYTES));
            version.putInt(0, FORMAT_VERSION);
            metaDbi.put(txn, key, version, NO_PUT_FLAGS);
        }
        else if (stored.capacity() != Integer.BYTES || stored.getInt(0) != FORMAT_VERSION)
        {
            throw new IllegalStateException("LMDB state directory " + dir + " holds state of format version " +
                (stored.capacity() == Integer.BYTES ? Integer.toString(stored.getInt(0)) : "(unreadable)") +
                ", this Weir reads version " + FORMAT_VERSION + ": delete the directory and restore from a checkpoint");
        }
    }

    /** 1 for a new database; for one opened again, past every stamp in it, so none passes for the current one. */
    private static int firstInterval(final Txn<DirectBuffer> txn, final Dbi<DirectBuffer> stateDbi)
    {
        int max = 0;
        try (Cursor<DirectBuffer> cursor = stateDbi.openCursor(txn))
        {
            for (boolean found = cursor.first(); found; found = cursor.next())
            {
                final DirectBuffer value = cursor.val();
                if (value.capacity() < STAMP_BYTES)
                {
                    throw new IllegalStateException("LMDB state database has a value of " + value.capacity() +
                        " bytes, shorter than its " + STAMP_BYTES + "-byte stamp: it was written by an older " +
                        "Weir; delete the state directory and restore from a checkpoint");
                }
                max = Math.max(max, value.getInt(0));
            }
        }
        return ChangeIntervals.next(max);
    }

    private void onWrite()
    {
        if (++batchWrites >= writeBatchSize || log.limit() >= writeBatchBytes)
        {
            commitBatch(true);
        }
    }

    private void ensureTxn()
    {
        if (null == txn)
        {
            try
            {
                beginAndReplay();
            }
            catch (final Env.MapFullException ex)
            {
                abortTxn();
                growAndReplay(ex);
            }
        }
    }

    /** Opens the write transaction and replays the batch log into it. @return the last record's result. */
    private boolean beginAndReplay()
    {
        txn = env.txnWrite();
        boolean result = false;
        for (int record = 0, limit = log.limit(); record < limit; record = log.nextRecord(record))
        {
            result = apply(record, false);
        }
        return result;
    }

    private Cursor<DirectBuffer> cursor()
    {
        Cursor<DirectBuffer> c = cursor;
        if (null == c)
        {
            c = stateDbi.openCursor(txn);
            cursor = c;
        }
        return c;
    }

    /** Before the write transaction ends: LMDB frees a write transaction's cursors with it. */
    private void closeCursor()
    {
        cursorAtLastRead = false;
        final Cursor<DirectBuffer> c = cursor;
        if (null != c)
        {
            cursor = null;
            c.close();
        }
    }

    /** @param atCursor the record is a put of the key the cursor rests on (the last one read). */
    private boolean applyWithGrowth(final int record, final boolean atCursor)
    {
        try
        {
            return apply(record, atCursor);
        }
        catch (final Env.MapFullException ex)
        {
            abortTxn();
            // The failed record is the last one in the log, so the replay's result is its result.
            return growAndReplay(ex);
        }
    }

    private boolean growAndReplay(final Env.MapFullException mapFull)
    {
        Env.MapFullException cause = mapFull;
        while (true)
        {
            growMap(cause);
            try
            {
                return beginAndReplay();
            }
            catch (final Env.MapFullException ex)
            {
                abortTxn();
                cause = ex;
            }
        }
    }

    private boolean apply(final int record, final boolean atCursor)
    {
        final int keyLength = log.keyLength(record);
        keyView.wrap(log.keyAddress(record), keyLength);
        if (WriteBatchLog.TYPE_PUT == log.type(record))
        {
            valueView.wrap(log.valueAddress(record), log.valueLength(record));
            if (atCursor)
            {
                cursor.put(keyView, valueView, PUT_CURRENT); // replaces the entry without searching for it
            }
            else
            {
                stateDbi.put(txn, keyView, valueView, NO_PUT_FLAGS);
            }
            return true;
        }
        return stateDbi.delete(txn, keyView);
    }

    /** Commit the open transaction, growing the map and replaying the batch on {@code MapFullException}. */
    private void commitBatch(final boolean growAhead)
    {
        if (null == txn && log.isEmpty())
        {
            return;
        }
        while (true)
        {
            ensureTxn();
            try
            {
                closeCursor();
                txn.commit();
                break;
            }
            catch (final Env.MapFullException ex)
            {
                abortTxn();
                growMap(ex);
            }
        }
        abortTxn();
        log.reset();
        batchWrites = 0;
        if (growAhead)
        {
            tryGrowAhead();
        }
    }

    private void abortTxn()
    {
        closeCursor();
        if (null != txn)
        {
            final Txn<DirectBuffer> t = txn;
            txn = null;
            t.close();
        }
    }

    /** With no transaction open: grow the map once it is three quarters used, if no snapshot pins it. */
    private void tryGrowAhead()
    {
        if (null != inFlight && inFlight.pinsMap())
        {
            return;
        }
        final long usedBytes = usedBytes(env.info());
        if (usedBytes > mapSizeBytes - (mapSizeBytes >> 2))
        {
            final long targetBytes = Math.min(doubled(mapSizeBytes), diskHoldableBytes(usedBytes));
            if (targetBytes > mapSizeBytes)
            {
                resizeMap(targetBytes);
            }
        }
    }

    /** With no transaction open: grow the full map or throw if the disk cannot back a larger one. */
    private void growMap(final Env.MapFullException cause)
    {
        awaitSnapshotReleased(cause);
        final long usedBytes = usedBytes(env.info());
        final long wantedBytes = Math.max(doubled(mapSizeBytes), alignUp(mapSizeBytes + 2L * log.limit()));
        final long holdableBytes = diskHoldableBytes(usedBytes);
        final long targetBytes = Math.min(wantedBytes, holdableBytes);
        if (targetBytes <= mapSizeBytes)
        {
            final IllegalStateException ex = new IllegalStateException(
                "LMDB map full and the disk cannot hold a larger map: dir=" + dir +
                " mapSizeBytes=" + mapSizeBytes + " usedBytes=" + usedBytes +
                " usableDiskBytes=" + usableDiskBytes() + " reserveBytes=" + LmdbConfiguration.DISK_RESERVE_BYTES +
                " pendingBatchBytes=" + log.limit() +
                "; free disk space or move the state directory. The pending batch is kept and retried on the " +
                "next operation.", cause);
            throw ex;
        }
        resizeMap(targetBytes);
        mapFullRecoveries++;
    }

    private void resizeMap(final long targetBytes)
    {
        env.setMapSize(targetBytes);
        mapSizeBytes = env.info().mapSize;
        mapGrowths++;
    }

    private void awaitSnapshotReleased(final Env.MapFullException cause)
    {
        final LmdbStoreSnapshot snapshot = inFlight;
        if (null == snapshot || !snapshot.pinsMap())
        {
            return;
        }
        final long deadlineNs = System.nanoTime() + mapGrowthWaitTimeoutNs;
        growthWaitIdle.reset();
        awaitingSnapshotRelease = true;
        try
        {
            awaitRelease(snapshot, deadlineNs, cause);
        }
        finally
        {
            awaitingSnapshotRelease = false;
        }
    }

    private void awaitRelease(final LmdbStoreSnapshot snapshot, final long deadlineNs, final Env.MapFullException cause)
    {
        while (snapshot.pinsMap())
        {
            if (System.nanoTime() - deadlineNs >= 0)
            {
                throw new IllegalStateException("LMDB map full in " + dir + " (mapSizeBytes=" + mapSizeBytes +
                    ") while the snapshot of checkpoint " + snapshot.checkpointId() + " holds a read transaction for " +
                    "more than " + TimeUnit.NANOSECONDS.toMillis(mapGrowthWaitTimeoutNs) + " ms: the map can only " +
                    "grow with no transaction open. Release snapshots promptly or raise initialMapSizeBytes. The " +
                    "pending batch is kept and retried on the next operation.", cause);
            }
            growthWaitIdle.idle();
        }
    }

    private DirectBuffer lookupKey(final DirectBuffer key, final int keyLength)
    {
        if (null != key.byteArray())
        {
            // Heap-backed: LMDB must only ever see direct memory.
            lookupKeyCopy.putBytes(0, key, 0, keyLength);
            lookupKeyView.wrap(lookupKeyCopy.addressOffset(), keyLength);
        }
        else
        {
            lookupKeyView.wrap(key.addressOffset(), keyLength);
        }
        return lookupKeyView;
    }

    private void checkKey(final DirectBuffer key, final int keyLength)
    {
        if (keyLength < 1 || keyLength > maxKeyLength || keyLength > key.capacity())
        {
            throw new IllegalArgumentException("LMDB key length " + keyLength + " out of range: keys must be 1.." +
                maxKeyLength + " bytes (LMDB's max key size) and within the key buffer (capacity " +
                key.capacity() + ")");
        }
    }

    private void checkOpen()
    {
        if (closed)
        {
            throw new IllegalStateException("LMDB store of shard " + shardId + " is closed: " + dir);
        }
    }

    private long usedBytes(final EnvInfo info)
    {
        return (info.lastPageNumber + 1) * pageSizeBytes;
    }

    /** The largest map the disk can back: pages in use plus free disk, less a reserve. */
    private long diskHoldableBytes(final long usedBytes)
    {
        return alignDown(usedBytes + usableDiskBytes() - LmdbConfiguration.DISK_RESERVE_BYTES);
    }

    private long usableDiskBytes()
    {
        try
        {
            Path existing = dir;
            while (null != existing && !Files.exists(existing))
            {
                existing = existing.getParent();
            }
            return null == existing ? Long.MAX_VALUE / 4 : Files.getFileStore(existing).getUsableSpace();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot read free disk space of " + dir, ex);
        }
    }

    /** With {@link #lifecycleLock} held. */
    private void closeEnv()
    {
        if (envClosed)
        {
            return;
        }
        envClosed = true;
        env.close();
        if (!keepFiles)
        {
            deleteDirectory(dir);
        }
    }

    private static long doubled(final long bytes)
    {
        return bytes > Long.MAX_VALUE / 4 ? bytes : alignUp(bytes * 2);
    }

    private static long alignUp(final long bytes)
    {
        return BitUtil.align(bytes, LmdbConfiguration.MAP_SIZE_ALIGNMENT_BYTES);
    }

    private static long alignDown(final long bytes)
    {
        return bytes < 0 ? 0 : bytes & -LmdbConfiguration.MAP_SIZE_ALIGNMENT_BYTES;
    }

    private static byte[] bytes(final String name)
    {
        return name.getBytes(StandardCharsets.UTF_8);
    }

    static void deleteDirectory(final Path dir)
    {
        if (!Files.exists(dir))
        {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir))
        {
            for (final Path path : (Iterable<Path>)paths.sorted(Comparator.reverseOrder())::iterator)
            {
                try
                {
                    Files.delete(path);
                }
                catch (final NoSuchFileException ignore)
                {
                    // already gone
                }
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot delete LMDB state directory " + dir, ex);
        }
    }

    /** Walks the keys in order, resuming at the first key not yet visited. Shard thread only. */
    private final class KeyOrderScan implements EntryScan
    {
        private final ExpandableDirectByteBuffer resumeKey = new ExpandableDirectByteBuffer(512);
        private final UnsafeBuffer resumeKeyView = new UnsafeBuffer(0, 0);
        private final UnsafeBuffer valueView = new UnsafeBuffer(0, 0);
        private int resumeKeyLength;

        public boolean step(final int minEntries, final EntryVisitor visitor)
        {
            checkOpen();
            ensureTxn();
            try (Cursor<DirectBuffer> scan = stateDbi.openCursor(txn))
            {
                boolean found;
                if (resumeKeyLength == 0)
                {
                    found = scan.first();
                }
                else
                {
                    resumeKeyView.wrap(resumeKey.addressOffset(), resumeKeyLength);
                    found = scan.get(resumeKeyView, GetOp.MDB_SET_RANGE);
                }
                int visited = 0;
                while (found && visited < minEntries)
                {
                    final DirectBuffer key = scan.key();
                    final DirectBuffer value = scan.val();
                    valueView.wrap(value, STAMP_BYTES, value.capacity() - STAMP_BYTES);
                    visitor.onEntry(key, key.capacity(), valueView, valueView.capacity());
                    visited++;
                    found = scan.next();
                }
                if (!found)
                {
                    resumeKeyLength = 0;
                    return false;
                }
                // The cursor stands on the first key not visited: the next step starts at it (or after it, if gone).
                final DirectBuffer key = scan.key();
                resumeKey.putBytes(0, key, 0, key.capacity());
                resumeKeyLength = key.capacity();
                return true;
            }
        }
    }
}
