package io.weir.snapshot;

import org.agrona.concurrent.UnsafeBuffer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * Resolves a chain of one shard's snapshot files, a FULL base followed by DELTA files in order, into the
 * state they describe: later entries win, tombstones remove a key.
 * <p>
 * The chain is checked when opened: the first file is FULL, the others DELTA, each delta's parent checkpoint id
 * is the previous file's checkpoint id, and all files share key-group range and maxParallelism.
 * <p>
 * Resolution is one key group at a time into a sorted map of copied keys and values (unsigned lexicographic
 * order), so memory is bounded by the largest key group. This is for restore, compaction and tools, not for a
 * hot path. Not thread safe.
 */
public final class ChainResolver implements AutoCloseable
{
    private final List<SnapshotFileReader> readers;
    private final SnapshotHeader base;
    private final SnapshotHeader head;

    private ChainResolver(final List<SnapshotFileReader> readers)
    {
        this.readers = readers;
        this.base = readers.get(0).header();
        this.head = readers.get(readers.size() - 1).header();
    }

    /**
     * Opens every file of the chain and checks the links.
     *
     * @param files the FULL base first, then the DELTA files in checkpoint order.
     * @return the resolver, owning the readers.
     * @throws SnapshotCorruptException if a file is unreadable or the chain does not link up.
     */
    public static ChainResolver open(final List<Path> files)
    {
        if (files.isEmpty())
        {
            throw new IllegalArgumentException("a chain needs at least a FULL base file");
        }
        final List<SnapshotFileReader> readers = new ArrayList<>(files.size());
        try
        {
            for (final Path file : files)
            {
                readers.add(SnapshotFileReader.open(file));
            }
            final List<SnapshotHeader> headers = new ArrayList<>(readers.size());
            readers.forEach(r -> headers.add(r.header()));
            checkChain(files, headers);
            return new ChainResolver(readers);
        }
        catch (final RuntimeException ex)
        {
            readers.forEach(SnapshotFileReader::close);
            throw ex;
        }
    }

    /**
     * Checks that headers form a valid chain.
     *
     * @param files   named in the message.
     * @param headers of the files, same order.
     * @throws SnapshotCorruptException naming the offending file and the mismatch.
     */
    public static void checkChain(final List<Path> files, final List<SnapshotHeader> headers)
    {
        final SnapshotHeader base = headers.get(0);
        if (base.fileKind() != SnapshotFileKind.FULL)
        {
            throw new SnapshotCorruptException(files.get(0) + ": chain must start with a FULL file, found " +
                base.fileKind());
        }
        for (int i = 1; i < headers.size(); i++)
        {
            final SnapshotHeader previous = headers.get(i - 1);
            final SnapshotHeader delta = headers.get(i);
            final Path file = files.get(i);
            if (delta.fileKind() != SnapshotFileKind.DELTA)
            {
                throw new SnapshotCorruptException(file + ": file " + i + " of the chain must be a DELTA, found " +
                    delta.fileKind());
            }
            if (delta.parentCheckpointId() != previous.checkpointId())
            {
                throw new SnapshotCorruptException(file + ": parent checkpoint id " + delta.parentCheckpointId() +
                    " does not match checkpoint id " + previous.checkpointId() + " of the previous file " +
                    files.get(i - 1));
            }
            if (delta.firstKeyGroup() != base.firstKeyGroup() || delta.lastKeyGroup() != base.lastKeyGroup() ||
                delta.maxParallelism() != base.maxParallelism())
            {
                throw new SnapshotCorruptException(file + ": key-group range [" + delta.firstKeyGroup() + ", " +
                    delta.lastKeyGroup() + "] of " + delta.maxParallelism() + " does not match the base's [" +
                    base.firstKeyGroup() + ", " + base.lastKeyGroup() + "] of " + base.maxParallelism() + " in " +
                    files.get(0));
            }
        }
    }

    /**
     * @return header of the FULL base.
     */
    public SnapshotHeader baseHeader()
    {
        return base;
    }

    /**
     * @return header of the newest file: its checkpoint id is the state's checkpoint.
     */
    public SnapshotHeader headHeader()
    {
        return head;
    }

    /**
     * @return number of files in the chain.
     */
    public int length()
    {
        return readers.size();
    }

    /**
     * Resolves one key group.
     *
     * @param keyGroup in the chain's range.
     * @return live keys to values, sorted unsigned lexicographically; a new map the caller owns.
     */
    public NavigableMap<byte[], byte[]> resolveKeyGroup(final int keyGroup)
    {
        final TreeMap<byte[], byte[]> resolved = new TreeMap<>(Arrays::compareUnsigned);
        for (final SnapshotFileReader reader : readers)
        {
            reader.forEachInKeyGroup(keyGroup, (kg, type, key, keyOffset, keyLength, value, valueOffset, valueLength) ->
            {
                final byte[] keyBytes = new byte[keyLength];
                key.getBytes(keyOffset, keyBytes);
                if (type == SnapshotFileDescriptor.ENTRY_TOMBSTONE)
                {
                    resolved.remove(keyBytes);
                }
                else
                {
                    final byte[] valueBytes = new byte[valueLength];
                    value.getBytes(valueOffset, valueBytes);
                    resolved.put(keyBytes, valueBytes);
                }
            });
        }
        return resolved;
    }

    /**
     * Delivers every live entry, ordered by key group then key.
     *
     * @param handler for the entries.
     * @return number of live entries.
     */
    public long forEach(final ResolvedEntryHandler handler)
    {
        final UnsafeBuffer keyBuffer = new UnsafeBuffer(new byte[0]);
        final UnsafeBuffer valueBuffer = new UnsafeBuffer(new byte[0]);
        long count = 0;
        for (int keyGroup = base.firstKeyGroup(); keyGroup <= base.lastKeyGroup(); keyGroup++)
        {
            for (final Map.Entry<byte[], byte[]> entry : resolveKeyGroup(keyGroup).entrySet())
            {
                keyBuffer.wrap(entry.getKey());
                valueBuffer.wrap(entry.getValue());
                handler.onEntry(keyGroup, keyBuffer, 0, entry.getKey().length, valueBuffer, 0,
                    entry.getValue().length);
                count++;
            }
        }
        return count;
    }

    /**
     * Delivers every live entry, by key group but in no order within one: the same entries as {@link #forEach},
     * without its allocations per entry; for writing a new base, where the order within a key group does not
     * matter. The buffers are only valid during the call.
     *
     * @param handler for the entries.
     * @return number of live entries.
     */
    public long forEachUnordered(final ResolvedEntryHandler handler)
    {
        return forEachUnordered(handler, new Scratch());
    }

    /**
     * {@link #forEachUnordered(ResolvedEntryHandler)} with the per-key-group map of a {@link Scratch} the caller
     * keeps: a thread that resolves chain after chain (the checkpoint thread compacting) then allocates nothing once
     * the map has grown to its largest key group, where a new map per chain was megabytes of garbage each time.
     */
    public long forEachUnordered(final ResolvedEntryHandler handler, final Scratch scratch)
    {
        long count = 0;
        for (int keyGroup = base.firstKeyGroup(); keyGroup <= base.lastKeyGroup(); keyGroup++)
        {
            count += forEachUnorderedInKeyGroup(keyGroup, handler, scratch);
        }
        return count;
    }

    /**
     * {@link #forEachUnordered(ResolvedEntryHandler, Scratch)} for one key group: a caller that must not hold its
     * thread for the whole chain (the checkpoint thread, which takes checkpoints between key groups) resolves it
     * a key group at a time.
     *
     * @param keyGroup in the chain's range.
     * @return number of live entries in the key group.
     */
    public long forEachUnorderedInKeyGroup(final int keyGroup, final ResolvedEntryHandler handler,
        final Scratch scratch)
    {
        resolveInto(keyGroup, scratch);
        return scratch.latest.forEachLive(keyGroup, handler);
    }

    /**
     * One key group's live entries in key order (unsigned bytes, as {@link #resolveKeyGroup} sorts them), resolved
     * through a {@link Scratch} instead of a sorted map of copies: for a restore, which loads millions of entries
     * into a store that keeps them sorted, where a tree of copied keys took most of its time.
     *
     * @param keyGroup in the chain's range.
     * @return number of live entries in the key group.
     */
    public long forEachSortedInKeyGroup(final int keyGroup, final ResolvedEntryHandler handler, final Scratch scratch)
    {
        resolveInto(keyGroup, scratch);
        return scratch.latest.forEachLiveSorted(keyGroup, handler);
    }

    private void resolveInto(final int keyGroup, final Scratch scratch)
    {
        if (keyGroup < base.firstKeyGroup() || keyGroup > base.lastKeyGroup())
        {
            throw new IllegalArgumentException("key group " + keyGroup + " is outside the chain's range [" +
                base.firstKeyGroup() + ", " + base.lastKeyGroup() + "]");
        }
        scratch.latest.clear();
        for (final SnapshotFileReader reader : readers)
        {
            reader.forEachInKeyGroup(keyGroup, scratch.record);
        }
    }

    /**
     * Closes every file of the chain.
     */
    public void close()
    {
        readers.forEach(SnapshotFileReader::close);
    }

    /**
     * The reusable working memory of {@link #forEachUnordered(ResolvedEntryHandler, Scratch)}. One thread at a time.
     */
    public static final class Scratch
    {
        final LatestEntries latest = new LatestEntries();
        /** Records each entry read, oldest file first, into {@link #latest}. */
        final SnapshotEntryHandler record = (keyGroup, type, key, keyOffset, keyLength, value, valueOffset,
            valueLength) ->
        {
            if (type == SnapshotFileDescriptor.ENTRY_TOMBSTONE)
            {
                latest.put(key, keyOffset, keyLength);
            }
            else
            {
                latest.put(key, keyOffset, keyLength, value, valueOffset, valueLength);
            }
        };
    }
}
