package io.weir.engine.runtime.checkpoint;

import io.weir.engine.runtime.snapshot.StateFileEntryWriter;
import io.weir.engine.runtime.snapshot.WriterPacer;
import io.weir.engine.state.TtlSnapshotFilter;
import io.weir.snapshot.ChainResolver;
import io.weir.snapshot.CheckpointManifest;
import io.weir.snapshot.ResolvedEntryHandler;
import io.weir.snapshot.SnapshotFileBuffers;
import io.weir.snapshot.SnapshotFileKind;
import io.weir.snapshot.SnapshotFileResult;
import io.weir.snapshot.SnapshotFileWriter;
import io.weir.snapshot.SnapshotHeader;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One shard's chain of state files being merged into a new full base, a key group per {@link #step}: the
 * checkpoint thread takes checkpoints between steps, so that a merge of a large state (minutes of file reading at
 * 50M keys) does not stop checkpoints. The base gets the checkpoint id of the newest file merged: the deltas
 * added to the chain while it was written name that id as their parent, so the new chain is the base followed by
 * them ({@link #replaceIn}).
 * <p>
 * Entries whose TTL expired by the merge's start are left out, as a full snapshot leaves them out. The file is
 * written as a temporary file and published by {@link #finish}; {@link #close} before that deletes it. Checkpoint
 * thread only.
 */
final class ChainCompaction implements AutoCloseable, ResolvedEntryHandler
{
    private final int slot;
    private final List<CheckpointManifest.FileRef> merged;
    private final Path target;
    private final ChainResolver resolver;
    private final SnapshotFileWriter writer;
    /** Writes each merged entry as a full snapshot's file takes it: paced, expired entries left out. */
    private final StateFileEntryWriter entries;
    private final WriterPacer pacer;
    private final ChainResolver.Scratch scratch;
    private final UnsafeBuffer keyView = new UnsafeBuffer(new byte[0]);
    private final UnsafeBuffer valueView = new UnsafeBuffer(new byte[0]);
    private final int lastKeyGroup;
    private int nextKeyGroup;

    private ChainCompaction(
        final int slot,
        final List<CheckpointManifest.FileRef> merged,
        final Path target,
        final ChainResolver resolver,
        final SnapshotFileWriter writer,
        final TtlSnapshotFilter ttlFilter,
        final WriterPacer pacer,
        final ChainResolver.Scratch scratch)
    {
        this.slot = slot;
        this.merged = merged;
        this.target = target;
        this.resolver = resolver;
        this.writer = writer;
        this.entries = new StateFileEntryWriter(writer, ttlFilter, true, pacer);
        this.pacer = pacer;
        this.scratch = scratch;
        this.nextKeyGroup = resolver.baseHeader().firstKeyGroup();
        this.lastKeyGroup = resolver.baseHeader().lastKeyGroup();
    }

    /**
     * Opens the chain's files and the new base's temporary file.
     *
     * @param slot      the operator instance whose chain this is.
     * @param chain     its files, the full base first, as they are now: the merge takes every one of them.
     * @param shared    the directory the files are in.
     * @param target    the new base's path.
     * @param ttlFilter the TTLs of the chain's states at the merge's start.
     * @param buffers   the writer's buffers, which no other file may hold until the merge ends.
     * @param nowMs     the new base's creation time.
     * @throws RuntimeException if a file cannot be read or the new one created; nothing is left open.
     */
    static ChainCompaction open(
        final int slot,
        final List<CheckpointManifest.FileRef> chain,
        final Path shared,
        final Path target,
        final TtlSnapshotFilter ttlFilter,
        final SnapshotFileBuffers buffers,
        final WriterPacer pacer,
        final ChainResolver.Scratch scratch,
        final long nowMs)
    {
        final List<CheckpointManifest.FileRef> merged = List.copyOf(chain);
        final List<Path> files = new ArrayList<>(merged.size());
        for (final CheckpointManifest.FileRef ref : merged)
        {
            files.add(shared.resolve(ref.name()));
        }
        final ChainResolver resolver = ChainResolver.open(files);
        try
        {
            final SnapshotHeader head = resolver.headHeader();
            final SnapshotHeader header = SnapshotHeader.full(head.backendName(), head.shardId(),
                head.firstKeyGroup(), head.lastKeyGroup(), head.maxParallelism(), head.checkpointId(), nowMs);
            final SnapshotFileWriter writer = SnapshotFileWriter.open(target, header, buffers);
            return new ChainCompaction(slot, merged, target, resolver, writer, ttlFilter, pacer, scratch);
        }
        catch (final RuntimeException ex)
        {
            resolver.close();
            throw ex;
        }
    }

    /** The operator instance whose chain is merged. */
    int slot()
    {
        return slot;
    }

    /** The new base's file name: retention must keep it (and its temporary file) while no manifest names it. */
    String targetName()
    {
        return target.getFileName().toString();
    }

    /** The files merged, as the chain held them when the merge began. */
    List<CheckpointManifest.FileRef> merged()
    {
        return merged;
    }

    /**
     * Merges and writes the next key group.
     *
     * @return true once every key group is written: {@link #finish} is next.
     */
    boolean step()
    {
        if (nextKeyGroup <= lastKeyGroup)
        {
            pacer.startSlice();
            resolver.forEachUnorderedInKeyGroup(nextKeyGroup, this, scratch);
            nextKeyGroup++;
        }
        return nextKeyGroup > lastKeyGroup;
    }

    /** Writes one live entry of the key group being merged, unless its TTL has expired. */
    public void onEntry(final int keyGroup, final DirectBuffer key, final int keyOffset, final int keyLength,
        final DirectBuffer value, final int valueOffset, final int valueLength)
    {
        keyView.wrap(key, keyOffset, keyLength);
        valueView.wrap(value, valueOffset, valueLength);
        entries.onEntry(keyView, keyLength, valueView, valueLength);
    }

    /** Publishes the new base (fsynced, renamed from its temporary file); after the last {@link #step}. */
    SnapshotFileResult finish()
    {
        if (nextKeyGroup <= lastKeyGroup)
        {
            throw new IllegalStateException("key groups " + nextKeyGroup + " to " + lastKeyGroup + " of " +
                targetName() + " are not merged yet");
        }
        return writer.finish();
    }

    /**
     * Puts the new base in place of the merged files at the head of {@code chain}, keeping the deltas added since.
     *
     * @return false, changing nothing, if the chain no longer starts with the merged files (a full snapshot or a
     * savepoint replaced it): the base is then of no use.
     */
    boolean replaceIn(final List<CheckpointManifest.FileRef> chain, final SnapshotFileResult base)
    {
        if (chain.size() < merged.size() || !chain.subList(0, merged.size()).equals(merged))
        {
            return false;
        }
        chain.subList(0, merged.size()).clear();
        chain.add(0, new CheckpointManifest.FileRef(targetName(), base.sizeBytes(), SnapshotFileKind.FULL));
        return true;
    }

    /** Closes the chain's files, and abandons the new base (deleting its temporary file) unless it was finished. */
    public void close()
    {
        try
        {
            writer.close();
        }
        finally
        {
            resolver.close();
        }
    }
}
