package io.weir.state.lmdb;

import io.weir.state.changes.ChangeSet;
import io.weir.state.changes.KeyLogIndex;
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
 * {@link #interval}) of its last write.
 * <p>
 * <b>Change tracking.</b> A write to a key whose stamp is not the current interval is its first change since the
 * snapshot point, so the key is appended to the off-heap change log ({@link ChangeSet#keys}), the keys the next delta holds. The stamp
 * comes with the value a read-modify-write has just read ({@link #get} remembers it for a {@link #put} of the
 * same key), so tracking costs no B-tree operation there; a blind write looks it up. Keys without an entry
 * (inserts, and the key of a remove) carry no stamp, so a {@link KeyLogIndex} remembers them for the interval.
 * The log is not in LMDB: it only has to match what the snapshot point commits, and a store opened again starts
 * a new log (its first delta holds the writes since open), as it did when this set was a database.
 * <p>
 * <b>Write batching.</b> The shard thread keeps one write transaction open and commits it every
 * {@code writeBatchSize} writes or {@code writeBatchBytes} bytes, at every snapshot point and at close. Reads go
 * through the same transaction, so they see uncommitted writes. Every write is first appended to an off-heap
 * {@link WriteBatchLog}; keys and values reach LMDB only from that log (or from a direct scratch buffer for
 * lookups), never from a caller's heap buffer.
 * <p>
 * <b>Map full.</b> When a put, delete or commit fails with {@link Env.MapFullException}, the transaction is
 * aborted, the map grows (doubling, never beyond what the disk can back: with {@code MDB_WRITEMAP} a write to a
 * sparse page on a full disk would be a SIGBUS), a new transaction is opened and the batch log replayed, so no
 * write is lost. The map can only grow with no transaction open, so if a snapshot's read transaction is in flight
 * the shard waits (bounded by {@code mapGrowthWaitTimeoutMs}) for its release. To make that rare the map is also
 * grown ahead, at commits and snapshot points with no snapshot in flight, once it is three quarters used. Only when
 * the disk cannot hold a larger map does the write fail, with the directory, map size and free disk in the message.
 * <p>
 * <b>Snapshots.</b> {@link #snapshot(long, boolean)} commits, opens a read transaction (the environment has
 * {@code MDB_NOTLS}, so it may be used and closed by the snapshot thread) and returns at once; the shard goes on
 * writing in new write transactions. One snapshot may be in flight at a time.
 * <p>
 * <b>Threads.</b> Created by the thread wiring the job (which only opens the environment); every other method is
 * called from the shard thread, which opens and owns the write transaction. {@link #close()} is called from the
 * shard thread, or from another thread once the shard thread has stopped. The returned {@link StoreSnapshot} is
 * read and released by the snapshot thread.
 */
public final class LmdbKeyedStateStore implements KeyedStateStore
{
    static final String STATE_DBI_NAME = "state";
    static final PutFlags[] NO_PUT_FLAGS = new PutFlags[0];
    private static final PutFlags[] PUT_CURRENT = {PutFlags.MDB_CURRENT};
    /** Size of the interval stamp before every stored value. */
    static final int STAMP_BYTES = Integer.BYTES;
    /** Stamp of a key with no entry: 0 is never an interval. */
    private static final int NO_ENTRY = 0;

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
    private ChangeSet changes = new ChangeSet();
    private ChangeSet spareChanges = new ChangeSet();
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
            .setMaxDbs(1)
            .setMaxReaders(LmdbConfiguration.MAX_READERS_DEFAULT)
            .open(dir.toFile(), flags);
        try
        {
            try (Txn<DirectBuffer> setup = env.txnWrite())
            {
                stateDbi = env.openDbi(setup, bytes(STATE_DBI_NAME), null, false, DbiFlags.MDB_CREATE);
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
            lastReadStamp = NO_ENTRY;
            return MISSING;
        }
        final DirectBuffer value = c.val();
        lastReadStamp = value.getInt(0);
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
        onChange(key, keyLength, stampOf(key, keyLength, lastRead), false);
        stampedValue.putInt(0, interval);
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
        if (NO_ENTRY == stamp)
        {
            return false;
        }
        onChange(key, keyLength, stamp, true);
        final int record = log.appendRemove(key, keyLength);
        final boolean removed = applyWithGrowth(record, false);
        onWrite();
        return removed;
    }

    private boolean isLastRead(final DirectBuffer key, final int keyLength)
    {
        return lastReadKeyLength == keyLength && KeyLogIndex.sameBytes(lastReadKey, 0, key, 0, keyLength);
    }

    /** The stamp of the key's entry ({@link #NO_ENTRY} if none); forgets the last read, as the key changes next. */
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
            return lastReadStamp;
        }
        final DirectBuffer value = stateDbi.get(txn, lookupKey(key, keyLength));
        return null == value ? NO_ENTRY : value.getInt(0);
    }

    /** Log the key's first change in the interval, before it is written or removed. */
    private void onChange(final DirectBuffer key, final int keyLength, final int stamp, final boolean removing)
    {
        if (NO_ENTRY == stamp)
        {
            if (KeyLogIndex.MISSING == changes.absentKeys.putIfAbsent(key, keyLength, 0))
            {
                changes.keys.append(key, keyLength);
            }
            return;
        }
        if (stamp != interval)
        {
            changes.keys.append(key, keyLength);
        }
        if (removing)
        {
            // Without an entry the key has no stamp: remember that it is logged already this interval.
            changes.absentKeys.putIfAbsent(key, keyLength, 0);
        }
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
     * {@inheritDoc} Commits the open write transaction, opens the snapshot's read transaction, hands it the
     * interval's change log and starts a new interval. Called from the shard thread.
     *
     * @throws IllegalStateException if the previous snapshot has not been released.
     */
    public StoreSnapshot snapshot(final long checkpointId, final boolean full)
    {
        checkOpen();
        if (null != inFlight && !inFlight.isReleased())
        {
            throw new IllegalStateException("LMDB store of shard " + shardId + ": snapshot of checkpoint " +
                inFlight.checkpointId() + " is still in flight; release it before snapshot " + checkpointId);
        }
        if (null != inFlight)
        {
            spareChanges = inFlight.changes();
            inFlight = null;
        }
        commitBatch(true);
        final Txn<DirectBuffer> readTxn = env.txnRead();
        final ChangeSet frozen = changes;
        changes = spareChanges;
        spareChanges = null;
        changes.clear();
        final LmdbStoreSnapshot snapshot = new LmdbStoreSnapshot(this, checkpointId, full, readTxn, stateDbi, frozen);
        inFlight = snapshot;
        interval = ChangeSet.nextInterval(interval);
        return snapshot;
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
        return ChangeSet.nextInterval(max);
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

    /** With no transaction open: grow the map once it is three quarters used, if no snapshot is in flight. */
    private void tryGrowAhead()
    {
        if (null != inFlight && !inFlight.isReleased())
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
        if (null == snapshot || snapshot.isReleased())
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
        while (!snapshot.isReleased())
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
}
