package io.weir.state.offheap;

import io.weir.state.spi.KeyedStateStore;
import net.openhft.chronicle.algo.hashing.LongHashFunction;
import net.openhft.chronicle.hash.impl.CompactOffHeapLinearHashTable;
import net.openhft.chronicle.hash.impl.HashSplitting;
import net.openhft.chronicle.hash.impl.VanillaChronicleHash;
import net.openhft.chronicle.map.ChronicleMap;
import org.agrona.DirectBuffer;
import org.agrona.UnsafeApi;

import java.util.function.Consumer;

/**
 * Loads the memory that Chronicle look-ups of a batch of keys are about to touch, all keys together, so their cache
 * misses overlap instead of following one another.
 * <p>
 * A look-up in a map bigger than the CPU caches misses three times in a row: the segment header (its lock), the
 * hash slot, then the entry the slot points to. The slot is known only from the key's hash, and the entry only from
 * the slot. So each miss waits for the one before it, about 100 ns each on this machine type. That was 60-85% of an
 * unthrottled shard's samples (perf/README.md). Java has no prefetch instruction, but plain loads issued
 * back to back for 16 keys are outstanding at once: the first pass loads every key's header and first slot, the
 * second every entry. The look-ups that follow hit the cache.
 * <p>
 * This reads Chronicle Map's memory layout through the public fields of its implementation class
 * ({@link VanillaChronicleHash}), the same computation Chronicle's own query context makes (key hash with
 * {@code xx_r39}, segment index and segment hash from {@link HashSplitting}, linear probing of the first tier's
 * hash lookup, entries at {@code chunkSize} granularity after the free list). That layout is not Chronicle's API.
 * So {@link #create} checks it against Chronicle's own addresses of every segment and segment header and returns
 * null (the store does not prefetch) when they differ or the fields are gone, and every load is checked against
 * the bounds of the map's memory ({@code sizeInBytesWithoutTiers} from its start): a wrong guess can cost useless
 * loads, never a read outside the map.
 * <p>
 * The methods of Chronicle's internals that it calls are resolved when first called, so a Chronicle whose internals
 * were renamed would throw a {@link LinkageError} (e.g. {@link NoSuchMethodError}). {@link #create} calls every
 * one of them once, on a probe key, and a {@link LinkageError} there or at any later prefetch turns the prefetch
 * off with one log line: look-ups work as before, only without it.
 * <p>
 * Shard thread only, the thread that writes the map: it reads slots and entries without Chronicle's locks, which
 * is fine for a hint, as the values read are only used to compute addresses that are bounds-checked. Not final
 * only so that a test can make a call fail as a missing method would.
 */
class LookupPrefetcher
{
    /** Keys per call at most. */
    static final int MAX_KEYS = KeyedStateStore.MAX_PREFETCH_KEYS;
    /** Hash slots probed after the first one: a key is found within a few, and they share its cache line. */
    private static final int MAX_PROBES = 8;
    private static final int CACHE_LINE_BYTES = 64;

    /** Makes a prefetcher for a map (a seam for tests). */
    interface Factory
    {
        LookupPrefetcher create(VanillaChronicleHash<?, ?, ?, ?> hash, Consumer<String> log);
    }

    private final VanillaChronicleHash<?, ?, ?, ?> hash;
    private final Consumer<String> log;
    private final CompactOffHeapLinearHashTable hashLookup;
    private final HashSplitting hashSplitting;
    private final LongHashFunction hashFunction = LongHashFunction.xx_r39();
    private final int segments;
    private final long tierSize;
    private final long hashLookupSize;
    private final long entrySpaceOffset;
    private final long chunkSize;
    private final long chunksPerTier;
    private final long mapBytes;
    private final long[] tierBase = new long[MAX_KEYS];
    private final long[] slotPosition = new long[MAX_KEYS];
    private final long[] searchKey = new long[MAX_KEYS];
    private final long[] header = new long[MAX_KEYS];
    private final long[] entry = new long[MAX_KEYS];
    /** Consumes the loaded values, so the JIT cannot drop the loads. */
    private long sink;
    private long entriesLoaded;
    private boolean off;

    LookupPrefetcher(final VanillaChronicleHash<?, ?, ?, ?> hash, final Consumer<String> log)
    {
        this.hash = hash;
        this.log = log;
        this.hashLookup = hash.hashLookup;
        this.hashSplitting = hash.hashSplitting;
        this.segments = hash.actualSegments;
        this.tierSize = hash.tierSize;
        this.hashLookupSize = hash.tierHashLookupOuterSize;
        this.entrySpaceOffset = hash.tierHashLookupOuterSize + VanillaChronicleHash.TIER_COUNTERS_AREA_SIZE +
            hash.tierFreeListOuterSize + hash.tierEntrySpaceInnerOffset;
        this.chunkSize = hash.chunkSize;
        this.chunksPerTier = hash.actualChunksPerSegmentTier;
        this.mapBytes = hash.sizeInBytesWithoutTiers();
    }

    /** @return a prefetcher for the map, or null when its implementation is not the one this was written for. */
    static LookupPrefetcher create(final ChronicleMap<?, ?> map)
    {
        return create(map, LookupPrefetcher::warnOnce, LookupPrefetcher::new);
    }

    private static final java.util.concurrent.atomic.AtomicBoolean WARNED =
        new java.util.concurrent.atomic.AtomicBoolean();

    /** The Chronicle Map classes are the same for every store of the process: one line says it for all. */
    private static void warnOnce(final String message)
    {
        if (WARNED.compareAndSet(false, true))
        {
            System.err.println("weir: " + message);
        }
    }

    /**
     * @param log receives one line when Chronicle lacks a field or method the prefetch uses.
     * @return a prefetcher for the map, or null when its implementation is not the one this was written for.
     */
    static LookupPrefetcher create(final ChronicleMap<?, ?> map, final Consumer<String> log, final Factory factory)
    {
        if (!(map instanceof VanillaChronicleHash))
        {
            return null;
        }
        try
        {
            final VanillaChronicleHash<?, ?, ?, ?> hash = (VanillaChronicleHash<?, ?, ?, ?>)map;
            if (null == hash.hashLookup || hash.actualSegments <= 0 || hash.chunkSize <= 0 ||
                hash.tierSize <= hash.tierHashLookupOuterSize)
            {
                return null;
            }
            final LookupPrefetcher prefetcher = factory.create(hash, log);
            if (!prefetcher.layoutIsChronicles())
            {
                return null;
            }
            prefetcher.resolveEveryCall();
            return prefetcher;
        }
        catch (final LinkageError ex)
        {
            // A Chronicle Map without these fields or methods: look-ups work as before, only without the prefetch.
            // Not an error a user can act on, and not worth failing the job for.
            log.accept(offMessage(ex));
            return null;
        }
    }

    private static String offMessage(final LinkageError ex)
    {
        return "Chronicle Map look-up prefetch is off: this Chronicle Map version lacks what it reads (" + ex +
            "); look-ups work as before";
    }

    /**
     * Run every call {@link #prefetch} and {@link #findEntry} make, so that the JVM resolves Chronicle's methods now
     * rather than on the shard thread: a key from heap and one from direct memory, and each probe-loop call on a
     * slot of segment 0. Reads only.
     */
    private void resolveEveryCall()
    {
        final int[] length = {Long.BYTES};
        final org.agrona.concurrent.UnsafeBuffer heapKey = new org.agrona.concurrent.UnsafeBuffer(new byte[Long.BYTES]);
        final org.agrona.concurrent.UnsafeBuffer directKey =
            new org.agrona.concurrent.UnsafeBuffer(java.nio.ByteBuffer.allocateDirect(Long.BYTES));
        final long loadedBefore = entriesLoaded;
        prefetchLoads(heapKey, 0, length, 1);
        prefetchLoads(directKey, 0, length, 1);
        final long base = hash.segmentBaseAddr(0);
        final long slot = hashLookup.readEntry(base, 0);
        sink += hashLookup.key(slot) + hashLookup.value(slot) + hashLookup.step(0) + (hashLookup.empty(slot) ? 1 : 0);
        entriesLoaded = loadedBefore;
    }

    /**
     * Whether the addresses {@link #prefetch} computes for segments and their headers are Chronicle's, and within
     * the map's memory.
     */
    private boolean layoutIsChronicles()
    {
        final long start = hash.bsAddress();
        final long firstTier = hash.segmentBaseAddr(0);
        final long firstHeader = hash.segmentHeaderAddress(0);
        final long headerStride = segments > 1 ? hash.segmentHeaderAddress(1) - firstHeader : 0;
        for (int segment = 0; segment < segments; segment++)
        {
            if (firstTier + segment * tierSize != hash.segmentBaseAddr(segment) ||
                firstHeader + segment * headerStride != hash.segmentHeaderAddress(segment))
            {
                return false;
            }
        }
        return firstTier >= start && firstTier + segments * tierSize <= start + mapBytes &&
            firstHeader >= start && firstHeader + segments * headerStride <= start + mapBytes;
    }

    /**
     * Load the lines look-ups of these keys will touch. Keys at {@code keys[i * stride]}, {@code lengths[i]} bytes,
     * {@code count <= } {@link #MAX_KEYS}. Reads only.
     */
    void prefetch(final DirectBuffer keys, final int stride, final int[] lengths, final int count)
    {
        if (off)
        {
            return;
        }
        try
        {
            prefetchLoads(keys, stride, lengths, count);
        }
        catch (final LinkageError ex)
        {
            off = true;
            log.accept(offMessage(ex));
        }
    }

    private void prefetchLoads(final DirectBuffer keys, final int stride, final int[] lengths, final int count)
    {
        final long start = hash.bsAddress();
        final long firstTier = hash.segmentBaseAddr(0);
        final long end = firstTier + segments * tierSize;
        // Segment headers are evenly spaced (checked by create); asking Chronicle for each address checked that the
        // map is open every time, 17% of a shard's samples.
        final long firstHeader = hash.segmentHeaderAddress(0);
        final long headerStride = segments > 1 ? hash.segmentHeaderAddress(1) - firstHeader : 0;
        if (firstTier < start || end > start + mapBytes ||
            firstHeader < start || firstHeader + segments * headerStride > start + mapBytes)
        {
            return;
        }
        // Addresses first, loads after, in loops of a few instructions a key: loads issued back to back are in
        // flight together, where loads between hash computations were only a few at a time (the reorder buffer
        // filled behind the first miss).
        for (int i = 0; i < count; i++)
        {
            final long keyHash = keyHash(keys, i * stride, lengths[i]);
            final int segment = hashSplitting.segmentIndex(keyHash);
            final long base = firstTier + segment * tierSize;
            final long key = hashLookup.maskUnsetKey(hashSplitting.segmentHash(keyHash));
            final long position = hashLookup.hlPos(key);
            if (segment < 0 || segment >= segments || base + tierSize > end ||
                position < 0 || position + Long.BYTES > hashLookupSize)
            {
                tierBase[i] = 0;
                continue;
            }
            tierBase[i] = base;
            slotPosition[i] = position;
            searchKey[i] = key;
            header[i] = firstHeader + segment * headerStride;
        }
        long loaded = sink;
        for (int i = 0; i < count; i++)
        {
            if (0 != tierBase[i])
            {
                loaded += UnsafeApi.getLong(tierBase[i] + slotPosition[i]);
                loaded += UnsafeApi.getLong(header[i]);
            }
        }
        for (int i = 0; i < count; i++)
        {
            entry[i] = 0 == tierBase[i] ? 0 : findEntry(tierBase[i], slotPosition[i], searchKey[i]);
        }
        for (int i = 0; i < count; i++)
        {
            final long address = entry[i];
            if (0 != address)
            {
                loaded += UnsafeApi.getLong(address);
                // The value, which the update writes, is at the entry's end: unless the entry starts a line, likely
                // in the next one. Loading it with the rest costs bandwidth, not waiting.
                final long nextLine = (address | (CACHE_LINE_BYTES - 1)) + 1;
                if (0 != (address & (CACHE_LINE_BYTES - 1)) && nextLine < tierBase[i] + tierSize)
                {
                    loaded += UnsafeApi.getByte(nextLine);
                }
                entriesLoaded++;
            }
        }
        sink = loaded;
    }

    /** @return the address of the entry the first hash slot matching {@code searched} points to, or 0. */
    private long findEntry(final long base, final long startPosition, final long searched)
    {
        long position = startPosition;
        for (int probe = 0; probe <= MAX_PROBES && position >= 0 && position + Long.BYTES <= hashLookupSize; probe++)
        {
            final long slot = hashLookup.readEntry(base, position);
            if (hashLookup.empty(slot))
            {
                return 0;
            }
            if (hashLookup.key(slot) == searched)
            {
                return entryAddress(base, hashLookup.value(slot));
            }
            position = hashLookup.step(position);
        }
        return 0;
    }

    /**
     * Where the entry of a key is, found as {@link #prefetch} finds it, except that a slot whose hash bits match
     * another key's is passed over as Chronicle does (tests, on the thread that writes the map: the layout computed
     * here is the map's). Keys of up to 127 bytes.
     *
     * @return the entry's address, or 0 when not found.
     */
    long entryAddress(final DirectBuffer key, final int offset, final int length)
    {
        final long keyHash = keyHash(key, offset, length);
        final int segment = hashSplitting.segmentIndex(keyHash);
        final long base = hash.segmentBaseAddr(segment);
        final long searched = hashLookup.maskUnsetKey(hashSplitting.segmentHash(keyHash));
        long position = hashLookup.hlPos(searched);
        for (int probe = 0; probe <= MAX_PROBES; probe++)
        {
            final long slot = hashLookup.readEntry(base, position);
            if (hashLookup.empty(slot))
            {
                return 0;
            }
            if (hashLookup.key(slot) == searched)
            {
                final long entry = entryAddress(base, hashLookup.value(slot));
                if (0 != entry && holdsKey(entry, key, offset, length))
                {
                    return entry;
                }
            }
            position = hashLookup.step(position);
        }
        return 0;
    }

    /** Whether the entry starts with this key's size (one stop-bit byte) and bytes. */
    private static boolean holdsKey(final long entry, final DirectBuffer key, final int offset, final int length)
    {
        if (length > Byte.MAX_VALUE || UnsafeApi.getByte(entry) != length)
        {
            return false;
        }
        for (int i = 0; i < length; i++)
        {
            if (UnsafeApi.getByte(entry + 1 + i) != key.getByte(offset + i))
            {
                return false;
            }
        }
        return true;
    }

    /** The key's hash as Chronicle computes it; package-private so that a test can fail it as a missing method. */
    long keyHash(final DirectBuffer keys, final int offset, final int length)
    {
        final byte[] array = keys.byteArray();
        return null == array ?
            hashFunction.hashMemory(keys.addressOffset() + offset, length) :
            hashFunction.hashBytes(array, (int)(keys.addressOffset() - UnsafeApi.arrayBaseOffset(byte[].class)) + offset,
                length);
    }

    /** @return the address of the entry at {@code chunk} of the tier at {@code base}, or 0 if outside the tier. */
    private long entryAddress(final long base, final long chunk)
    {
        if (chunk < 0 || chunk >= chunksPerTier)
        {
            return 0;
        }
        final long entry = base + entrySpaceOffset + chunk * chunkSize;
        return entry + Long.BYTES <= base + tierSize ? entry : 0;
    }

    /** Whether a {@link LinkageError} turned the prefetch off (tests). */
    boolean isOff()
    {
        return off;
    }

    /**
     * Keys whose entry was loaded since creation (tests). A key whose hash bits match another key's first gets that
     * entry loaded instead, and a key in a segment's overflow tier gets none: both rare, and harmless for a hint.
     */
    long entriesLoaded()
    {
        return entriesLoaded;
    }
}
