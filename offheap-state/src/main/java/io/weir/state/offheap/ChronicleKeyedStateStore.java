package io.weir.state.offheap;

import io.weir.state.spi.EntryVisitor;
import io.weir.state.spi.KeyedStateStore;
import io.weir.state.spi.StoreSnapshot;
import net.openhft.chronicle.bytes.BytesStore;
import net.openhft.chronicle.bytes.PointerBytesStore;
import net.openhft.chronicle.hash.Data;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ChronicleMapBuilder;
import net.openhft.chronicle.map.ExternalMapQueryContext;
import net.openhft.chronicle.map.MapEntry;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A shard's keyed state in one Chronicle Map of variable-size byte keys and values.
 * <p>
 * Threading: every method is called from the owning shard thread only ({@link #close()} also from the closing
 * thread once the shard stopped). The {@link StoreSnapshot} returned by {@link #snapshot} is read and released
 * by the snapshot thread; what the two threads share is described in {@link ChronicleStoreSnapshot}.
 * <p>
 * Hot path: keys and values reach Chronicle through reused {@link PointerBytesStore}s pointing at the caller's
 * off-heap buffers (or at a reused native scratch for heap buffers), through the thread-local query context,
 * and values are copied straight from the map's memory into the caller's buffer: no allocation per call. The
 * exceptions are copy-on-write pre-images saved while a snapshot is in flight (one copy per key, at most once
 * per snapshot) and map growth.
 * <p>
 * Change tracking: {@link #changedKeys} records every key written or removed since the previous snapshot
 * point. It doubles as the "first change since the snapshot point" test that triggers copy-on-write.
 */
public final class ChronicleKeyedStateStore implements KeyedStateStore
{
    private final int shardId;
    private final ChronicleStateBackend.Context ctx;
    private final Path file;

    private ChronicleMap<byte[], byte[]> map;
    private long configuredEntries;
    private int generation;

    private final NativeScratch keyScratch = new NativeScratch(256);
    private final NativeScratch valueScratch = new NativeScratch(256);
    private final PointerBytesStore keyPointer = new PointerBytesStore();
    private final PointerBytesStore valuePointer = new PointerBytesStore();
    private final UnsafeBuffer readView = new UnsafeBuffer(0, 0);

    private KeyBytesSet changedKeys = new KeyBytesSet();
    private KeyBytesSet spareKeys = new KeyBytesSet();
    private ChronicleStoreSnapshot inflight;
    private long lastCheckpointId = Long.MIN_VALUE;
    private boolean closed;

    ChronicleKeyedStateStore(final int shardId, final long entries, final ChronicleStateBackend.Context ctx)
    {
        this.shardId = shardId;
        this.ctx = ctx;
        this.configuredEntries = entries;
        this.file = ctx.directory() == null ? null : ctx.directory().resolve("shard-" + shardId + ".cmap");
        this.map = createMap(entries, file);
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

    /** Number of times the map was re-created bigger. */
    public int generation()
    {
        return generation;
    }

    public int get(final DirectBuffer key, final int keyLength, final MutableDirectBuffer valueOut)
    {
        final BytesStore<?, ?> keyStore = keyStore(key, keyLength);
        try (ExternalMapQueryContext<byte[], byte[], ?> c = map.queryContext(keyStore, 0, keyLength))
        {
            final MapEntry<byte[], byte[]> entry = c.entry();
            if (null == entry)
            {
                return MISSING;
            }
            final Data<byte[]> value = entry.value();
            final int length = (int)value.size();
            if (length > 0)
            {
                readView.wrap(value.bytes().addressForRead(value.offset()), length);
                valueOut.putBytes(0, readView, 0, length);
            }
            return length;
        }
    }

    public void put(
        final DirectBuffer key, final int keyLength, final DirectBuffer value, final int valueOffset, final int valueLength)
    {
        final BytesStore<?, ?> keyStore = keyStore(key, keyLength);
        final BytesStore<?, ?> valueStore = valueStore(value, valueOffset, valueLength);
        while (true)
        {
            try (ExternalMapQueryContext<byte[], byte[], ?> c = map.queryContext(keyStore, 0, keyLength))
            {
                // Exclusive for the whole read-modify-write, so a snapshot reader of this segment sees the
                // pre-image and the new value atomically (see ChronicleStoreSnapshot).
                c.writeLock().lock();
                final MapEntry<byte[], byte[]> entry = c.entry();
                onChange(c.segmentIndex(), key, keyLength, entry);
                final Data<byte[]> data = c.wrapValueBytesAsData(valueStore, 0, valueLength);
                if (null == entry)
                {
                    c.absentEntry().doInsert(data);
                }
                else
                {
                    entry.doReplaceValue(data);
                }
                return;
            }
            catch (final IllegalStateException | IllegalArgumentException ex)
            {
                onMapFull(ex);
            }
        }
    }

    public boolean remove(final DirectBuffer key, final int keyLength)
    {
        final BytesStore<?, ?> keyStore = keyStore(key, keyLength);
        try (ExternalMapQueryContext<byte[], byte[], ?> c = map.queryContext(keyStore, 0, keyLength))
        {
            c.writeLock().lock();
            final MapEntry<byte[], byte[]> entry = c.entry();
            if (null == entry)
            {
                return false;
            }
            onChange(c.segmentIndex(), key, keyLength, entry);
            entry.doRemove();
            return true;
        }
    }

    public void forEach(final EntryVisitor visitor)
    {
        final UnsafeBuffer keyView = new UnsafeBuffer(0, 0);
        final UnsafeBuffer valueView = new UnsafeBuffer(0, 0);
        map.forEachEntry((entry) ->
        {
            final Data<byte[]> k = entry.key();
            final Data<byte[]> v = entry.value();
            final int keyLength = (int)k.size();
            final int valueLength = (int)v.size();
            keyView.wrap(k.bytes().addressForRead(k.offset()), keyLength);
            valueView.wrap(v.bytes().addressForRead(v.offset()), valueLength);
            visitor.onEntry(keyView, keyLength, valueView, valueLength);
        });
    }

    public long entryCount()
    {
        return map.longSize();
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

    public StoreSnapshot snapshot(final long checkpointId, final boolean full)
    {
        checkOpen();
        reclaimReleasedSnapshot();
        if (null != inflight)
        {
            throw new IllegalStateException("shard " + shardId + ": snapshot of checkpoint " +
                inflight.checkpointId() + " is still in flight; release() it before snapshot " + checkpointId);
        }

        final KeyBytesSet deltaKeys = changedKeys;
        changedKeys = spareKeys;
        spareKeys = null;
        changedKeys.clear();
        lastCheckpointId = checkpointId;
        inflight = new ChronicleStoreSnapshot(checkpointId, full, map, deltaKeys);
        return inflight;
    }

    /** Checkpoint id of the latest snapshot point, or {@link Long#MIN_VALUE}. */
    public long lastCheckpointId()
    {
        return lastCheckpointId;
    }

    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        if (null != inflight)
        {
            inflight.onStoreClosed();
            inflight = null;
        }
        map.close();
        keyScratch.free();
        valueScratch.free();
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

    private void onChange(
        final int segmentIndex, final DirectBuffer key, final int keyLength, final MapEntry<byte[], byte[]> entry)
    {
        if (changedKeys.add(key, keyLength))
        {
            final ChronicleStoreSnapshot snapshot = inflight;
            if (null != snapshot)
            {
                if (snapshot.isReleased())
                {
                    reclaimReleasedSnapshot();
                }
                else if (snapshot.needsPreImage(segmentIndex, key, keyLength))
                {
                    snapshot.savePreImage(key, keyLength, null == entry ? null : entry.value());
                }
            }
        }
    }

    private void reclaimReleasedSnapshot()
    {
        final ChronicleStoreSnapshot snapshot = inflight;
        if (null != snapshot && snapshot.isReleased())
        {
            spareKeys = snapshot.deltaKeys();
            spareKeys.clear();
            inflight = null;
        }
    }

    private void onMapFull(final RuntimeException ex)
    {
        if (!isMapFull(ex))
        {
            throw ex;
        }
        final long entries = map.longSize();
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
        final ChronicleMap<byte[], byte[]> newMap = createMap(newEntries, growFile);
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
        configuredEntries = newEntries;
        generation++;
    }

    private ChronicleMap<byte[], byte[]> createMap(final long entries, final Path path)
    {
        final ChronicleMapBuilder<byte[], byte[]> builder = ChronicleMapBuilder.of(byte[].class, byte[].class)
            .name("weir-shard-" + shardId)
            .entries(entries)
            .averageKeySize(ctx.averageKeySizeBytes())
            .averageValueSize(ctx.averageValueSizeBytes())
            .maxBloatFactor(ctx.maxBloatFactor())
            // The job closes its stores itself, after the shard and checkpoint threads stopped. Chronicle's own
            // exit hook would close the map under a running shard during a graceful stop (SIGTERM takes a
            // savepoint from a shutdown hook first).
            .skipCloseOnExitHook(true);
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

    private BytesStore<?, ?> keyStore(final DirectBuffer key, final int length)
    {
        if (null == key.byteArray() && length > 0)
        {
            keyPointer.set(key.addressOffset(), length);
            return keyPointer;
        }
        return keyScratch.copy(key, 0, length);
    }

    private BytesStore<?, ?> valueStore(final DirectBuffer value, final int offset, final int length)
    {
        if (null == value.byteArray() && length > 0)
        {
            valuePointer.set(value.addressOffset() + offset, length);
            return valuePointer;
        }
        valueScratch.copy(value, offset, length);
        return valueScratch.store();
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
            if (length > view.capacity())
            {
                store.releaseLast();
                allocate(Math.max(length, view.capacity() * 2));
            }
            if (length > 0)
            {
                view.putBytes(0, src, offset, length);
            }
            return store;
        }

        BytesStore<?, Void> store()
        {
            return store;
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
}
