package io.weir.state.offheap;

import io.weir.state.changes.KeyLogIndex;
import io.weir.state.spi.EntryScan;
import io.weir.state.spi.EntryVisitor;
import io.weir.state.spi.KeyedStateStore;
import io.weir.state.spi.StoreSnapshot;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.SystemNanoClock;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayList;
import java.util.function.Supplier;

/**
 * Small entries created since the last snapshot point, kept in a hash table in front of the shard's Chronicle
 * Map until they outlive one. A window, a session or a deduplication flag is often inserted and removed within a
 * checkpoint interval; here that costs two probes of a table far smaller than the map, where Chronicle's insert
 * and removal cost locks, a free-list search and cache misses on a map sized for every key.
 * <p>
 * Where a key lives. A key is in at most one of three places: the young table (written in the current change interval),
 * the sealed table (the young table of the previous interval, frozen at the snapshot point that ended it) or the
 * Chronicle store. A key enters the young table only by a put right after a get found it nowhere (the store read
 * missed) or removed it from the young table, or by a put of a key found nowhere then (a map state's new entry: neither
 * table holds it, nor the map, looked up with the look-up kept open for a put there; once the nursery holds an entry),
 * while {@link NurseryAdmission} admits keys and the table has room for it; a key the store holds, a key of more than
 * {@value NurseryTable#ENTRY_CAPACITY} bytes, or a value the table cannot take (one too long to share a slot with
 * its key, when the table's blocks are all taken, or longer than a block: {@value NurseryTable#BLOCK_BYTES} bytes)
 * goes to the store, and so does a written entry whose new value its slot cannot take. A sealed entry that is written
 * or removed moves to the young table (a removal as a tombstone, which the next delta carries), or, written while the
 * nursery drains ({@link NurseryAdmission}), to the store; the sealed entries nobody touches move on a few per duty
 * cycle, from a quarter of an interval after the snapshot point, and the rest at the next snapshot point. One written
 * in the interval its table was young is carried, unchanged, to the young table while it has room and the nursery does
 * not drain, so that a key written every interval or two (a counter per key) stays out of the map; one already carried
 * so goes to the store. An entry that reaches the store after a snapshot holds it is {@linkplain
 * ChronicleKeyedStateStore#adopt adopted}, so that its removal later in the interval is logged. Without checkpoints the
 * young table is sealed every interval all the same, with no snapshot.
 * <p>
 * Snapshots. At the snapshot point the young table is sealed and handed, as it is, to the snapshot next to the
 * store's own ({@link NurserySnapshot}): a delta is the store's changes and the sealed table's entries but those
 * carried unchanged, a full snapshot the store's entries and the sealed table's values. No entry is copied at the
 * point.
 * <p>
 * Shard thread only, like the store behind it; the snapshot's reader reads a sealed table as described in
 * {@link NurseryTable}.
 */
public final class NurseryStore implements KeyedStateStore
{
    /** Slots of a young table when it is created; it doubles as it fills. */
    static final int INITIAL_SLOTS = 1 << 12;
    /** Sealed entries migrated to the store at most per duty cycle. */
    static final int MIGRATION_STEP = 32;
    private static final int NO_KEY = -1;
    /** Interval assumed before two snapshot points have been seen. */
    private static final long DEFAULT_INTERVAL_NS = 1_000_000_000L;

    /**
     * Null until {@link #storeForWrite} creates it, for a store made
     * {@linkplain #NurseryStore(int, Supplier, int) on first write}.
     */
    private ChronicleKeyedStateStore store;
    /** Creates the store on its first write; null once it has, or for a store given at construction. */
    private Supplier<ChronicleKeyedStateStore> storeFactory;
    /** {@link #store}, published for {@link #sizeBytes} from other threads. */
    private volatile ChronicleKeyedStateStore publishedStore;
    private final int shardId;
    /** A snapshot point has passed: a store created since must log its changes from empty for the next delta. */
    private boolean snapshotTaken;
    private final NanoClock clock;
    /**
     * The young table admits a new key while it holds fewer values than this (its tombstones, which the sealed
     * table's closing keys leave all interval long, do not count) and fewer slots than {@link #moveLimit}; beyond
     * it, only while the room left below {@link #moveLimit} is more than the sealed values still waiting could take
     * ({@link #hasRoomForNewKey}).
     */
    private final int freshLimit;
    /**
     * A sealed entry written, removed or carried moves to the young table only while it occupies fewer slots than
     * this (and, written or carried, only while the nursery does not drain). Carried values count toward
     * {@link #freshLimit} like the rest.
     */
    private final int moveLimit;
    private NurseryTable young;
    /** Null when every entry of the last sealed table has left it. */
    private NurseryTable sealed;
    /** Sealed tables waiting for their reader's release, and young tables ready for reuse. */
    private final ArrayList<NurseryTable> spares = new ArrayList<>();
    /** Sealed values not yet moved, removed, carried or migrated. */
    private int sealedLeft;
    private int sealedAtPoint;
    private int migrated;
    private int migrateCursor;
    private long sealedAtNs;
    private long intervalNs = DEFAULT_INTERVAL_NS;
    /** When the young table was last sealed, or the store created. */
    private long lastSealNs;
    /** Times the young table was sealed: a scan learns from it that the tables changed places. */
    private long seals;
    /** Sealed values carried unchanged to the young table so far. */
    private long carried;
    /** Bytes of every table this store holds, for {@link #sizeBytes} from any thread. */
    private volatile long tableBytes;
    private boolean closed;
    /** Checkpoints will be taken ({@link #prepareForCheckpoints}): only snapshot points seal the young table. */
    private boolean checkpointed;

    /** The key of the last get that found the key nowhere; its length {@link #NO_KEY} when there is none. */
    private final UnsafeBuffer absentKey = new UnsafeBuffer(new byte[NurseryTable.ENTRY_CAPACITY]);
    private int absentKeyLength = NO_KEY;
    private int absentHash;
    /** Whether the admission took {@link #absentKey} when it was found nowhere. */
    private boolean absentAdmitted;
    private final NurseryAdmission admission;
    private final UnsafeBuffer keyView = new UnsafeBuffer(0, 0);
    /** Consumes the values {@link #prefetch} loads, so that the JIT cannot drop the loads. */
    private int prefetchSink;
    /** The hashes of the keys {@link #prefetch} loads, 0 for a key too long for the tables. */
    private final int[] prefetchHashes = new int[KeyedStateStore.MAX_PREFETCH_KEYS];
    /** The index places {@link #prefetch} loaded, one per key. */
    private final long[] prefetchPlaces = new long[KeyedStateStore.MAX_PREFETCH_KEYS];
    private final UnsafeBuffer valueView = new UnsafeBuffer(0, 0);

    /**
     * @param maxSlots bound on a young table's slots: it takes new keys while it holds fewer than 3/8 as many
     *                 values, or, up to 3/4 of them, while the sealed values still waiting would find room after
     *                 them; and the entries of the sealed table it takes over, values or tombstones, while it fills
     *                 fewer than 3/4 of them.
     */
    NurseryStore(final ChronicleKeyedStateStore store, final int maxSlots)
    {
        this(store, maxSlots, SystemNanoClock.INSTANCE);
    }

    /**
     * With a store in memory that {@code storeFactory} creates when the first entry reaches it (called on the
     * shard thread, then): a job whose entries all live and die in the tables never creates the map, nor pays for
     * its memory. A write without a read to a nursery that holds nothing goes to the map, so a job whose first write
     * is such a one (a map state's or a list's first entry) creates it then. A map that exists keeps its entries
     * across a reopen, so a store with a file is given instead.
     */
    NurseryStore(final int shardId, final Supplier<ChronicleKeyedStateStore> storeFactory, final int maxSlots)
    {
        this(null, shardId, storeFactory, maxSlots, SystemNanoClock.INSTANCE, new NurseryAdmission());
    }

    /** With the clock that paces migration (tests). */
    NurseryStore(final ChronicleKeyedStateStore store, final int maxSlots, final NanoClock clock)
    {
        this(store, maxSlots, clock, new NurseryAdmission());
    }

    /** With the clock that paces migration and the admission policy (tests). */
    NurseryStore(
        final ChronicleKeyedStateStore store, final int maxSlots, final NanoClock clock,
        final NurseryAdmission admission)
    {
        this(store, store.shardId(), null, maxSlots, clock, admission);
    }

    /** With the store or its factory, as above; tests give a clock and an admission policy. */
    NurseryStore(
        final ChronicleKeyedStateStore store, final int shardId, final Supplier<ChronicleKeyedStateStore> storeFactory,
        final int maxSlots, final NanoClock clock, final NurseryAdmission admission)
    {
        if (maxSlots < INITIAL_SLOTS || maxSlots > NurseryTable.MAX_CAPACITY || Integer.bitCount(maxSlots) != 1)
        {
            throw new IllegalArgumentException("nursery slots must be a power of two from " + INITIAL_SLOTS + " to " +
                NurseryTable.MAX_CAPACITY + ": " + maxSlots);
        }
        this.store = store;
        this.publishedStore = store;
        this.storeFactory = storeFactory;
        this.shardId = shardId;
        this.clock = clock;
        this.admission = admission;
        this.freshLimit = maxSlots / 8 * 3;
        this.moveLimit = maxSlots / 4 * 3;
        this.young = new NurseryTable(INITIAL_SLOTS);
        this.tableBytes = young.sizeBytes();
        this.lastSealNs = clock.nanoTime();
    }

    /** The Chronicle store behind the nursery; null while a store made on first write has had none. */
    public ChronicleKeyedStateStore store()
    {
        return store;
    }

    /**
     * The store, created first if it is made on first write. A store created after a snapshot point logs its changes
     * from empty, as the snapshots so far held no entry of it: its first delta holds them all.
     */
    private ChronicleKeyedStateStore storeForWrite()
    {
        final ChronicleKeyedStateStore existing = store;
        return null != existing ? existing : createStore();
    }

    private ChronicleKeyedStateStore createStore()
    {
        final ChronicleKeyedStateStore created = storeFactory.get();
        try
        {
            // Ready for the next delta before it is the store: one that failed to get ready is never used.
            if (checkpointed)
            {
                created.prepareForCheckpoints();
            }
            else if (snapshotTaken)
            {
                created.trackChangesFromEmpty();
            }
        }
        catch (final RuntimeException ex)
        {
            created.close();
            throw ex;
        }
        store = created;
        storeFactory = null;
        publishedStore = created;
        return created;
    }

    /**
     * While the nursery drains ({@link NurseryAdmission#drains}: the map holds more of the keys looked up than the
     * tables hold and than are found nowhere), a look-up asks the map before the tables: the tables, until they have
     * drained, hold few of the keys (the demo's busiest store: 0.7M of 6.9M look-ups in 10 s).
     */
    private boolean readsMapFirst()
    {
        return admission.drains() && storeHoldsEntries();
    }

    /** Whether the store holds an entry: without one, a key found nowhere in the tables is nowhere. */
    private boolean storeHoldsEntries()
    {
        final ChronicleKeyedStateStore store = this.store;
        return null != store && 0 != store.entryCount();
    }

    /** Slots of the young table (tests). */
    int youngCapacity()
    {
        return young.capacity();
    }

    /** Values in the young and the sealed table (tests). */
    int nurseryEntries()
    {
        return young.live() + sealedLeft;
    }

    /** Sealed values carried unchanged to the young table so far (tests). */
    long carriedEntries()
    {
        return carried;
    }

    /** Values in the sealed table not yet moved, removed, carried or migrated (tests). */
    int sealedEntries()
    {
        return sealedLeft;
    }

    public int get(final DirectBuffer key, final int keyLength, final MutableDirectBuffer valueOut)
    {
        if (closed)
        {
            throw closedException();
        }
        if (keyLength > NurseryTable.ENTRY_CAPACITY)
        {
            admission.onLongKeyLookup();
            return null == store ? MISSING : store.get(key, keyLength, valueOut);
        }
        final NurseryTable young = this.young;
        final NurseryTable sealed = this.sealed;
        int hash = 0;
        // A key is in one place at most: while the map holds most keys looked up, it is asked first, and the
        // tables, which still hold entries until they have drained, only for a key it does not hold.
        final boolean mapFirst = readsMapFirst();
        if (mapFirst)
        {
            final int length = store.get(key, keyLength, valueOut);
            if (MISSING != length)
            {
                admission.onStoreHit();
                return length;
            }
        }
        if (young.occupied() > 0 || null != sealed)
        {
            hash = NurseryTable.hash(key, keyLength);
            int slot = young.find(key, keyLength, hash);
            if (NurseryTable.NO_SLOT != slot)
            {
                young.copyValue(slot, valueOut);
                return nurseryHit(young.valueLength(slot));
            }
            if (null != sealed)
            {
                slot = sealed.findRemaining(key, keyLength, hash);
                if (NurseryTable.NO_SLOT != slot)
                {
                    sealed.copyValue(slot, valueOut);
                    return nurseryHit(sealed.valueLength(slot));
                }
            }
        }
        // Where every entry dies young, the map stays empty: a key found nowhere then costs it no look-up.
        final int length = !mapFirst && storeHoldsEntries() ? store.get(key, keyLength, valueOut) : MISSING;
        if (MISSING != length)
        {
            admission.onStoreHit();
        }
        else
        {
            // Recorded even when the admission turns it away, so that the put that follows does not ask again.
            final boolean admitted = admission.onMiss();
            recordAbsent(key, keyLength, 0 == hash ? NurseryTable.hash(key, keyLength) : hash, admitted);
        }
        return length;
    }

    private IllegalStateException closedException()
    {
        return new IllegalStateException("shard " + shardId + ": the state store is closed");
    }

    /** A table's slot for the key: its value's length, or {@link #MISSING} for a tombstone. */
    private int nurseryHit(final int length)
    {
        if (NurseryTable.TOMBSTONE == length)
        {
            return MISSING;
        }
        admission.onNurseryHit();
        return length;
    }

    public void put(
        final DirectBuffer key, final int keyLength, final DirectBuffer value, final int valueOffset,
        final int valueLength)
    {
        if (closed)
        {
            throw closedException();
        }
        final NurseryTable young = this.young;
        final NurseryTable sealed = this.sealed;
        // A nursery that holds nothing takes no key written without a read: it fills with keys a get found nowhere.
        if (keyLength > NurseryTable.ENTRY_CAPACITY ||
            (0 == young.occupied() && null == sealed && absentKeyLength != keyLength))
        {
            storeForWrite().put(key, keyLength, value, valueOffset, valueLength);
            return;
        }
        final ChronicleKeyedStateStore map = store;
        if (null != map && map.heldByOpenLookUp(key, keyLength))
        {
            // Just read from the map, which holds the key: the tables do not (a key is in one place at most).
            map.put(key, keyLength, value, valueOffset, valueLength);
            return;
        }
        if (absentKeyLength == keyLength && KeyLogIndex.sameBytes(absentKey, 0, key, 0, keyLength))
        {
            // Found nowhere since, as nothing else put it: no probe of the tables needed, nor a hash.
            final int hash = absentHash;
            absentKeyLength = NO_KEY;
            if (absentAdmitted && young.canTake(keyLength, valueLength) && hasRoomForNewKey())
            {
                insertYoung(key, keyLength, hash, value, valueOffset, valueLength, false);
            }
            else
            {
                storeForWrite().put(key, keyLength, value, valueOffset, valueLength);
            }
            return;
        }
        final int hash = NurseryTable.hash(key, keyLength);
        final int slot = young.find(key, keyLength, hash);
        if (NurseryTable.NO_SLOT != slot)
        {
            if (young.canRewrite(slot, valueLength))
            {
                final int growths = young.growths();
                if (young.setValue(slot, value, valueOffset, valueLength))
                {
                    admission.onRewrite(); // carried unchanged, then written: it paid, as a move on a write does
                }
                if (young.growths() != growths)
                {
                    countTableBytes();
                }
            }
            else
            {
                // The store first: if it throws, the key is still here.
                toStore(key, keyLength, value, valueOffset, valueLength, young.isCarried(slot));
                young.delete(slot, hash);
            }
            return;
        }
        if (null != sealed)
        {
            final int sealedSlot = sealed.findRemaining(key, keyLength, hash);
            if (NurseryTable.NO_SLOT != sealedSlot)
            {
                // The last snapshot holds the key with the sealed value, or holds no key if that is a tombstone.
                final boolean inSnapshot = NurseryTable.TOMBSTONE != sealed.valueLength(sealedSlot);
                if (young.canTake(keyLength, valueLength) && young.occupied() < moveLimit && !admission.drains())
                {
                    insertYoung(key, keyLength, hash, value, valueOffset, valueLength, inSnapshot);
                    admission.onRewrite();
                }
                else
                {
                    toStore(key, keyLength, value, valueOffset, valueLength, inSnapshot);
                }
                leaveSealed(sealed, sealedSlot);
                return;
            }
        }
        // Found nowhere in the tables: a new key, written without a read first (a map state's new entry, a list's
        // new chunk), enters the young table as one a read found nowhere does; the map's look-up stays open for the
        // put of a key it holds. Such a write is no look-up of the admission's window.
        if (young.canTake(keyLength, valueLength) && hasRoomForNewKey() &&
            (!storeHoldsEntries() || !store.contains(key, keyLength)) &&
            admission.admitsNewKey())
        {
            insertYoung(key, keyLength, hash, value, valueOffset, valueLength, false);
            return;
        }
        storeForWrite().put(key, keyLength, value, valueOffset, valueLength);
    }

    public boolean remove(final DirectBuffer key, final int keyLength)
    {
        if (closed)
        {
            throw closedException();
        }
        final NurseryTable young = this.young;
        final NurseryTable sealed = this.sealed;
        if (keyLength > NurseryTable.ENTRY_CAPACITY || (0 == young.occupied() && null == sealed))
        {
            absentKeyLength = NO_KEY;
            return null != store && store.remove(key, keyLength);
        }
        final int hash = NurseryTable.hash(key, keyLength);
        final int slot = young.find(key, keyLength, hash);
        if (NurseryTable.NO_SLOT != slot)
        {
            if (NurseryTable.TOMBSTONE == young.valueLength(slot))
            {
                return false;
            }
            if (young.isCarried(slot))
            {
                young.setValue(slot, null, 0, NurseryTable.TOMBSTONE);
            }
            else
            {
                young.delete(slot, hash);
                // Found nowhere now: a put right after (a session closed and reopened, a value cleared and set)
                // brings it back here rather than into the store, unless the admission stepped aside.
                recordAbsent(key, keyLength, hash, !admission.isAside());
            }
            admission.onDeath();
            return true;
        }
        if (null != sealed)
        {
            final int sealedSlot = sealed.findRemaining(key, keyLength, hash);
            if (NurseryTable.NO_SLOT != sealedSlot)
            {
                if (NurseryTable.TOMBSTONE == sealed.valueLength(sealedSlot))
                {
                    return false;
                }
                // The last snapshot holds the key: the next delta must remove it. With the young table at its bound,
                // the store logs the tombstone instead (an adopted entry's removal is logged).
                if (young.occupied() < moveLimit)
                {
                    insertYoung(key, keyLength, hash, null, 0, NurseryTable.TOMBSTONE, true);
                }
                else
                {
                    // Adopted, the key has left the table before its removal: if that fails, it is in one place.
                    final int valueLength = sealed.valueLength(sealedSlot);
                    final ChronicleKeyedStateStore store = storeForWrite();
                    store.adopt(key, keyLength, sealed.wrapValue(sealedSlot, valueView), 0, valueLength);
                    leaveSealed(sealed, sealedSlot);
                    admission.onDeath();
                    return store.remove(key, keyLength);
                }
                leaveSealed(sealed, sealedSlot);
                admission.onDeath();
                return true;
            }
        }
        absentKeyLength = NO_KEY;
        return null != store && store.remove(key, keyLength);
    }

    /**
     * The key is nowhere now: the put that may follow takes it into the young table if {@code admitted}, or into
     * the store, without probing the tables.
     */
    private void recordAbsent(final DirectBuffer key, final int keyLength, final int hash, final boolean admitted)
    {
        absentKey.putBytes(0, key, 0, keyLength);
        absentKeyLength = keyLength;
        absentHash = hash;
        absentAdmitted = admitted;
    }

    /**
     * Whether a new key may enter the young table: while it holds fewer than {@link #freshLimit} values, or, up to
     * {@link #moveLimit}, while every sealed value still waiting (each may move or be carried here) would find room
     * after it. So a job whose keys all arrive before the first snapshot point keeps them here up to 3/4 of the
     * bound, and beyond 3/8 of it new keys never take the room that the sealed entries written next need.
     */
    private boolean hasRoomForNewKey()
    {
        final int occupied = young.occupied();
        return occupied < moveLimit && (young.live() < freshLimit || occupied + sealedLeft < moveLimit);
    }

    /** Inserts into the young table, which stays within its bound: every insert is checked against a limit. */
    private void insertYoung(
        final DirectBuffer key, final int keyLength, final int hash, final DirectBuffer value, final int valueOffset,
        final int valueLength, final boolean carried)
    {
        final NurseryTable young = this.young;
        final int growths = young.growths();
        young.insert(key, keyLength, hash, value, valueOffset, valueLength, carried);
        if (young.growths() != growths)
        {
            countTableBytes();
        }
    }

    private void carryYoung(final NurseryTable sealed, final int slot)
    {
        final NurseryTable young = this.young;
        final int growths = young.growths();
        young.carryUnchanged(sealed, slot);
        carried++;
        if (young.growths() != growths)
        {
            countTableBytes();
        }
    }

    private void leaveSealed(final NurseryTable sealed, final int slot)
    {
        if (NurseryTable.TOMBSTONE != sealed.valueLength(slot))
        {
            sealedLeft--;
        }
        sealed.markGone(slot);
    }

    /** A key leaving the nursery for the store: adopted when the last snapshot holds it. */
    private void toStore(
        final DirectBuffer key, final int keyLength, final DirectBuffer value, final int valueOffset,
        final int valueLength, final boolean carried)
    {
        if (carried)
        {
            storeForWrite().adopt(key, keyLength, value, valueOffset, valueLength);
        }
        else
        {
            storeForWrite().put(key, keyLength, value, valueOffset, valueLength);
        }
    }

    /**
     * Migrates the sealed entries due by now, then releases the store's open look-up. In a job without checkpoints
     * the young table is sealed every interval all the same, with no snapshot, so that entries that live on reach
     * the map rather than cost every look-up a probe of the table for the rest of the run.
     */
    public void endOfAccess()
    {
        if (sealedLeft > 0)
        {
            migrateDue();
        }
        else if (null != sealed)
        {
            retireSealed();
        }
        else if (!checkpointed && young.occupied() > 0 && clock.nanoTime() - lastSealNs >= intervalNs)
        {
            seal(takeSpare(young.capacity()), clock.nanoTime());
        }
        else
        {
            prepareSpare();
        }
        if (null != store)
        {
            store.endOfAccess();
        }
    }

    /**
     * Migration paces itself to the interval: none in its first quarter (most windows and sessions sealed at the
     * point close soon after it, and leave no trace in the store), then evenly to be done by three quarters.
     */
    private void migrateDue()
    {
        final long elapsed = clock.nanoTime() - sealedAtNs;
        final long start = intervalNs >> 2;
        if (elapsed < start)
        {
            return;
        }
        final long due = elapsed >= 3 * start ? sealedAtPoint :
            (long)sealedAtPoint * (elapsed - start) / (2 * start);
        if (due > migrated)
        {
            // Behind (few, long duty cycles): steps grow, so that the snapshot point finds little left to migrate.
            final long behind = due - migrated;
            migrate((int)Math.min(behind > 4 * MIGRATION_STEP ? 4 * MIGRATION_STEP : MIGRATION_STEP, behind));
        }
    }

    /**
     * Moves up to {@code count} sealed values on, in slot order: a value written in the interval the table was
     * young is carried, unchanged, to the young table while it has room and the nursery does not drain (a key
     * written every interval or two, such as a counter, stays out of the map); the others go to the store, among
     * them a value carried so before and untouched for a whole interval since.
     */
    private void migrate(final int count)
    {
        final NurseryTable sealed = this.sealed;
        final int limit = sealed.slotLimit();
        final boolean carries = !admission.drains();
        int done = 0;
        int adopted = 0;
        int slot = migrateCursor;
        while (done < count && slot < limit)
        {
            if (!sealed.isEmptySlot(slot) && !sealed.isGone(slot) && NurseryTable.TOMBSTONE != sealed.valueLength(slot))
            {
                if (carries && !sealed.isCarriedUnchanged(slot) && young.occupied() < moveLimit &&
                    young.canCarry(sealed, slot))
                {
                    carryYoung(sealed, slot);
                }
                else
                {
                    storeForWrite().adopt(sealed.wrapKey(slot, keyView), sealed.keyLength(slot),
                        sealed.wrapValue(slot, valueView), 0, sealed.valueLength(slot));
                    adopted++;
                }
                leaveSealed(sealed, slot);
                done++;
            }
            slot++;
        }
        migrateCursor = slot;
        migrated += done;
        admission.onMigrated(adopted);
        if (0 == sealedLeft)
        {
            retireSealed();
        }
    }

    /** The sealed table holds nothing for the shard any more: it waits for its reader with the spares. */
    private void retireSealed()
    {
        spares.add(sealed);
        sealed = null;
    }

    /**
     * Between events, readies a spare for the next snapshot point: clears a released one, or allocates one when
     * the store has none yet, so that the point neither clears nor allocates a table.
     */
    private void prepareSpare()
    {
        for (int i = 0, n = spares.size(); i < n; i++)
        {
            final NurseryTable spare = spares.get(i);
            if (spare.released)
            {
                if (!spare.isClear())
                {
                    spare.clear();
                }
                return;
            }
        }
        if (spares.isEmpty() && young.occupied() > 0)
        {
            spares.add(new NurseryTable(young.capacity()));
            countTableBytes();
        }
    }

    /** The nursery's tables are prefetched whether or not the store's look-ups are. */
    public boolean prefetches()
    {
        return true;
    }

    /**
     * While the tables hold entries, or the map's memory is loaded ahead ({@link #prefetch}). A look-ahead over the
     * tables loads one line of an index for a key they do not hold (a new key's insert writes the slot freed last, most
     * often in the cache), and the key's slot as well for one they hold (an expiring flag's removal).
     */
    public boolean prefetchesNow()
    {
        return young.occupied() > 0 || null != sealed || prefetchesStore();
    }

    /**
     * Whether {@link #prefetch} loads the map's memory: unless the map is empty (every entry died young, or none is
     * there yet) or fewer than a quarter of the last window's look-ups reached it
     * ({@link NurseryAdmission#prefetchesStore}): loading it for keys the tables hold only takes the cache's line fill
     * buffers from their loads.
     */
    private boolean prefetchesStore()
    {
        return storeHoldsEntries() && store.prefetches() && admission.prefetchesStore();
    }

    /**
     * Loads the tables' index places the keys hash to, then the slots of the keys they hold, each pass every key's
     * before any is used, so that their cache misses overlap (also while the map is {@linkplain #readsMapFirst read
     * first}: with them left out then, the generator bench measured 5% slower); then the store's memory, if
     * {@link #prefetchesStore}.
     */
    public void prefetch(final DirectBuffer keys, final int stride, final int[] lengths, final int count)
    {
        final NurseryTable young = this.young;
        final NurseryTable sealed = this.sealed;
        final boolean touchYoung = young.occupied() > 0;
        if (touchYoung || null != sealed)
        {
            final int[] hashes = prefetchHashes;
            final int keyCount = Math.min(count, hashes.length);
            for (int i = 0; i < keyCount; i++)
            {
                final int keyLength = lengths[i];
                hashes[i] = keyLength <= NurseryTable.ENTRY_CAPACITY ?
                    NurseryTable.hash(keys, i * stride, keyLength) : 0;
            }
            int loaded = touchYoung ? touch(young, keyCount) : 0;
            loaded += null != sealed ? touch(sealed, keyCount) : 0;
            prefetchSink += loaded;
        }
        if (prefetchesStore())
        {
            store.prefetch(keys, stride, lengths, count);
        }
    }

    /**
     * Loads the table's index places of the first {@code keyCount} of {@link #prefetchHashes}, in a loop that does
     * little else, so that the loads are in flight together; then the slots of the keys those places hold.
     */
    private int touch(final NurseryTable table, final int keyCount)
    {
        final int[] hashes = prefetchHashes;
        final long[] places = prefetchPlaces;
        for (int i = 0; i < keyCount; i++)
        {
            places[i] = 0 != hashes[i] ? table.place(hashes[i]) : 0;
        }
        int loaded = 0;
        for (int i = 0; i < keyCount; i++)
        {
            loaded += 0 != hashes[i] ? table.touchSlot(places[i], hashes[i]) : 0;
        }
        return loaded;
    }

    public void forEach(final EntryVisitor visitor)
    {
        visitValues(young, visitor, false);
        if (null != sealed)
        {
            visitValues(sealed, visitor, true);
        }
        if (null != store)
        {
            store.forEach(visitor);
        }
    }

    private void visitValues(final NurseryTable table, final EntryVisitor visitor, final boolean skipGone)
    {
        for (int slot = 0, limit = table.slotLimit(); slot < limit; slot++)
        {
            visitValue(table, slot, visitor, skipGone);
        }
    }

    private boolean visitValue(
        final NurseryTable table, final int slot, final EntryVisitor visitor, final boolean skipGone)
    {
        if (table.isEmptySlot(slot) || NurseryTable.TOMBSTONE == table.valueLength(slot) ||
            (skipGone && table.isGone(slot)))
        {
            return false;
        }
        visitor.onEntry(table.wrapKey(slot, keyView), table.keyLength(slot), table.wrapValue(slot, valueView),
            table.valueLength(slot));
        return true;
    }

    /**
     * {@inheritDoc} A pass visits the sealed table, then the young table, then the store. A step stops once it has
     * visited {@code minEntries} or passed over eight slots per entry asked for, so a table of free or moved-on slots
     * is not scanned whole in one step. Entries keep their slots, so a walk by slot visits every entry that stays in
     * the table walked. An entry that leaves the sealed table during the pass has been visited there, or is visited
     * where it went: the young table, walked after it, or the store, walked last. If snapshot points seal the young
     * table during the sealed phase, the young phase first walks the table sealed by then, for the same reason, then
     * the young table. One seal during the young table's walk is followed: the walk finishes the table just sealed,
     * skipping what moved on, then walks the young table since, which holds what the sealed one carried on before the
     * walk reached it. Any other seal in the young phase (one during the walk of the table sealed in the sealed
     * phase, or a second) makes it visit the young and sealed tables as they are, whole, in the step where the table
     * being walked ends; a pass takes far less than a checkpoint interval. An entry may be visited twice, never with
     * a value it never had.
     */
    public EntryScan newEntryScan()
    {
        return new NurseryScan();
    }

    public long entryCount()
    {
        return (null == store ? 0 : store.entryCount()) + young.live() + sealedLeft;
    }

    /** {@inheritDoc} Any thread, as the store allows: the tables' share is kept by the shard in a volatile field. */
    public long sizeBytes()
    {
        final ChronicleKeyedStateStore store = publishedStore;
        return (null == store ? 0 : store.sizeBytes()) + tableBytes;
    }

    /** Shard thread, after a table was allocated, grown or swapped. */
    private void countTableBytes()
    {
        long bytes = young.sizeBytes();
        final NurseryTable sealed = this.sealed;
        if (null != sealed)
        {
            bytes += sealed.sizeBytes();
        }
        for (int i = 0, n = spares.size(); i < n; i++)
        {
            bytes += spares.get(i).sizeBytes();
        }
        tableBytes = bytes;
    }

    public void prepareForCheckpoints()
    {
        checkpointed = true;
        if (null != store)
        {
            store.prepareForCheckpoints();
        }
    }

    /**
     * Finishes migrating the sealed table (normally done already), takes the store's snapshot and seals the young
     * table into this one: O(1) but for that migration and a spare's clearing, if not cleared between events.
     */
    public StoreSnapshot snapshot(final long checkpointId, final boolean full)
    {
        if (sealedLeft > 0)
        {
            migrate(Integer.MAX_VALUE);
        }
        else if (null != sealed)
        {
            retireSealed();
        }
        // The spare first: a table that cannot be allocated must not leave the store's snapshot in flight.
        final NurseryTable next = takeSpare(young.capacity());
        final StoreSnapshot storeSnapshot;
        try
        {
            if (null == store && !full && !checkpointed && !snapshotTaken)
            {
                throw new IllegalStateException("shard " + shardId + ": snapshot " + checkpointId + " is a delta, " +
                    "but the store has taken no snapshot yet: its first snapshot must be full (changes are tracked " +
                    "from a snapshot point on)");
            }
            storeSnapshot = null == store ? new EmptyStoreSnapshot(checkpointId, full) :
                store.snapshot(checkpointId, full);
            snapshotTaken = true;
        }
        catch (final RuntimeException ex)
        {
            next.released = true;
            spares.add(next);
            throw ex;
        }
        final NurseryTable frozen = young;
        final NurserySnapshot snapshot = new NurserySnapshot(storeSnapshot, frozen);
        frozen.released = false;
        final long now = clock.nanoTime();
        if (0 != sealedAtNs)
        {
            intervalNs = Math.max(1, now - sealedAtNs);
        }
        seal(next, now);
        return snapshot;
    }

    /** The young table becomes the sealed one, migrated from a quarter of an interval on; {@code next} the young. */
    private void seal(final NurseryTable next, final long now)
    {
        final NurseryTable frozen = young;
        young = next;
        sealed = frozen;
        sealedLeft = frozen.live();
        sealedAtPoint = sealedLeft;
        migrated = 0;
        migrateCursor = 0;
        sealedAtNs = now;
        lastSealNs = now;
        seals++;
        absentKeyLength = NO_KEY;
        if (0 == sealedLeft)
        {
            retireSealed();
        }
        countTableBytes();
    }

    private NurseryTable takeSpare(final int capacity)
    {
        for (int i = 0, n = spares.size(); i < n; i++)
        {
            final NurseryTable spare = spares.get(i);
            if (spare.released)
            {
                spares.remove(i);
                spare.clear();
                return spare;
            }
        }
        return new NurseryTable(Math.max(INITIAL_SLOTS, capacity));
    }

    /** Moves the nursery's values to the store first when the store keeps its file for a reopen. */
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        final ChronicleKeyedStateStore store = this.store;
        if (null == store)
        {
            return; // created on first write, in memory: nothing outlives the nursery
        }
        try
        {
            if (!store.deletesFileOnClose())
            {
                flushToStore(young, false);
                if (null != sealed)
                {
                    flushToStore(sealed, true);
                }
            }
        }
        finally
        {
            store.close();
        }
    }

    private void flushToStore(final NurseryTable table, final boolean skipGone)
    {
        visitValues(table, (key, keyLength, value, valueLength) -> store.put(key, keyLength, value, 0, valueLength),
            skipGone);
    }

    /** The sealed table, the young table and the store's walk, in turn, in steps ({@link #newEntryScan}). */
    private final class NurseryScan implements EntryScan
    {
        private static final int SEALED = 0;
        private static final int YOUNG = 1;
        private static final int STORE = 2;
        /** Slots a step may pass over per entry it is to visit: free, moved-on and tombstone slots cost little. */
        private static final int SLOTS_PER_ENTRY = 8;

        /** The store's walk, from the first pass that finds the store created. */
        private EntryScan storeScan;
        private int phase = SEALED;
        private boolean started;
        /** The table being walked, and the next slot of it. */
        private NurseryTable table;
        private int slot;
        /** Seals when the pass began, and when the young phase began or last followed a seal. */
        private long sealsAtStart;
        private long youngSeals;
        /** In the young phase: the table walked was the young table when its walk began. */
        private boolean walkingYoung;
        /** In the young phase: a seal during the young table's walk has been followed to the young table since. */
        private boolean followedSeal;
        /** Entries visited, and slots passed over, in the current step. */
        private int visited;
        private long scanned;

        NurseryScan()
        {
            this.storeScan = null == store ? null : store.newEntryScan();
        }

        public boolean step(final int minEntries, final EntryVisitor visitor)
        {
            visited = 0;
            scanned = 0;
            final long maxScanned = (long)Math.max(1, minEntries) * SLOTS_PER_ENTRY;
            if (SEALED == phase)
            {
                if (!started)
                {
                    started = true;
                    table = sealed;
                    sealsAtStart = seals;
                    slot = 0;
                }
                // A table retired, or sealed again, since the pass began has moved its entries on: they are visited
                // where they went.
                if (null != table && table == sealed && seals == sealsAtStart &&
                    walk(table, true, minEntries, maxScanned, visitor))
                {
                    return true;
                }
                phase = YOUNG;
                table = null;
                started = false;
            }
            if (YOUNG == phase)
            {
                if (!started)
                {
                    started = true;
                    youngSeals = seals;
                    slot = 0;
                    followedSeal = false;
                    // Sealed since the pass began, the sealed phase's young table holds unvisited entries: walked
                    // first, so that what it carries on to the young table meanwhile is found there.
                    walkingYoung = seals == sealsAtStart || null == sealed;
                    table = walkingYoung ? young : sealed;
                }
                if (youngStep(minEntries, maxScanned, visitor))
                {
                    return true;
                }
                table = null;
                started = false;
                phase = STORE;
            }
            if (null == storeScan && null != store)
            {
                storeScan = store.newEntryScan(); // created on a write since the scan began: walked from now on
            }
            final boolean more = null != storeScan && storeScan.step(Math.max(1, minEntries - visited), visitor);
            if (!more)
            {
                phase = SEALED;
                started = false;
            }
            return more;
        }

        /** The young phase's walk; false once it is over. */
        private boolean youngStep(final int minEntries, final long maxScanned, final EntryVisitor visitor)
        {
            while (true)
            {
                // A table sealed during its walk is walked on where its entries stay, skipping those moved on.
                if (walk(table, table != young, minEntries, maxScanned, visitor))
                {
                    return true;
                }
                if (seals == youngSeals)
                {
                    if (walkingYoung)
                    {
                        return false;
                    }
                    walkingYoung = true; // the sealed phase's young table walked: then the young table
                }
                else if (walkingYoung && !followedSeal && seals == youngSeals + 1)
                {
                    // Sealed during its walk: what it carried on before the walk reached it is young now.
                    followedSeal = true;
                    youngSeals = seals;
                }
                else
                {
                    // Sealed more often than the walk can follow: the two tables as they are now, whole, at once.
                    visitWhole(young, false, visitor);
                    if (null != sealed)
                    {
                        visitWhole(sealed, true, visitor);
                    }
                    return false;
                }
                table = young;
                slot = 0;
            }
        }

        /**
         * Visits {@code table} from {@link #slot} until the step has visited {@code minEntries} or passed over
         * {@code maxScanned} slots; true if slots of it are left.
         */
        private boolean walk(
            final NurseryTable table, final boolean skipGone, final int minEntries, final long maxScanned,
            final EntryVisitor visitor)
        {
            final int limit = table.slotLimit();
            int slot = this.slot;
            int visited = this.visited;
            long scanned = this.scanned;
            while (visited < minEntries && scanned < maxScanned && slot < limit)
            {
                visited += visitValue(table, slot++, visitor, skipGone) ? 1 : 0;
                scanned++;
            }
            this.slot = slot;
            this.visited = visited;
            this.scanned = scanned;
            return slot < limit;
        }

        private void visitWhole(final NurseryTable table, final boolean skipGone, final EntryVisitor visitor)
        {
            for (int s = 0, limit = table.slotLimit(); s < limit; s++)
            {
                visited += visitValue(table, s, visitor, skipGone) ? 1 : 0;
            }
        }
    }
}
