package io.weir.engine.runtime;

import io.weir.engine.runtime.snapshot.RestoreCompatibility;
import io.weir.engine.runtime.snapshot.TimerRecordDescriptor;
import io.weir.engine.state.RegisteredState;
import io.weir.snapshot.ChainResolver;
import io.weir.snapshot.CheckpointDirectory;
import io.weir.snapshot.CheckpointManifest;
import io.weir.snapshot.ResolvedEntryHandler;
import io.weir.snapshot.SnapshotCorruptException;
import io.weir.snapshot.SnapshotFileDescriptor;
import io.weir.snapshot.SnapshotFileReader;
import io.weir.state.spi.KeyedStateStore;
import io.weir.state.spi.StateKeyDescriptor;
import org.agrona.ExpandableDirectByteBuffer;

import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Loads a shard's key-group range from a checkpoint or savepoint, whatever shard count wrote it: every old
 * shard whose key-group range overlaps the new one contributes its resolved chain (base + deltas) and its
 * timers, restricted to the new range. State ids are remapped by state name, so a job may register its states
 * in another order. Before any entry is loaded, the states the job registered in {@code open()} are checked against
 * the checkpoint's ({@link RestoreCompatibility}): an incompatible restore fails the shard, naming the state and what
 * changed. {@link #restoreShard} runs on each shard's thread as it starts; the rest is immutable.
 */
public final class ShardRestore
{
    private final CheckpointDirectory directory;
    private final CheckpointManifest manifest;
    private final String jobName;
    private final boolean allowNonRestoredState;
    private final java.util.function.Consumer<String> log;
    /** The compatibility notes are the same for every shard: only the first to restore logs them. */
    private final java.util.concurrent.atomic.AtomicBoolean notesLogged =
        new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * @param directory             whose layout resolves the manifest's files.
     * @param manifest              to restore.
     * @param jobName               of the restoring job, for messages.
     * @param allowNonRestoredState drop the checkpoint's states the job does not register instead of refusing.
     * @param log                   for progress lines and compatibility notes.
     */
    public ShardRestore(
        final CheckpointDirectory directory,
        final CheckpointManifest manifest,
        final String jobName,
        final boolean allowNonRestoredState,
        final java.util.function.Consumer<String> log)
    {
        this.directory = directory;
        this.manifest = manifest;
        this.jobName = jobName;
        this.allowNonRestoredState = allowNonRestoredState;
        this.log = log;
    }

    public CheckpointManifest manifest()
    {
        return manifest;
    }

    /**
     * Hand {@code handler} every entry of the operator's broadcast state file ({@link
     * io.weir.snapshot.BroadcastStateDescriptor}); nothing if the checkpoint has none. Every instance of the
     * operator, at any shard count, loads the same file.
     */
    public void restoreBroadcastState(final io.weir.snapshot.SnapshotEntryHandler handler)
    {
        final CheckpointManifest.FileRef file = manifest.broadcastOf("");
        if (null == file)
        {
            return;
        }
        final Path path = directory.resolve(manifest, file.name());
        try (SnapshotFileReader reader = SnapshotFileReader.open(path))
        {
            reader.checkVerified();
            reader.forEach(handler);
        }
    }

    /**
     * Load key groups {@code [first, last]} into the store and timer queues.
     *
     * @return the watermark to resume with: the lowest watermark of the old shards that held these key groups.
     * @throws IllegalStateException when the registered states cannot read the checkpoint's, before any is loaded.
     */
    public long restoreShard(
        final int firstKeyGroup,
        final int lastKeyGroup,
        final KeyedStateStore store,
        final List<RegisteredState> registered,
        final TimerQueue eventTimers,
        final TimerQueue processingTimers)
    {
        final long startNs = System.nanoTime();
        final long entriesBefore = store.entryCount();
        final long timersBefore = eventTimers.size() + processingTimers.size();
        final boolean logNotes = notesLogged.compareAndSet(false, true);
        final int[] stateIdMap = RestoreCompatibility.stateIdMap(manifest,
            RestoreCompatibility.checkpointPath(directory, manifest), jobName, registered, allowNonRestoredState,
            note ->
            {
                if (logNotes)
                {
                    log.accept(note);
                }
            });
        final ExpandableDirectByteBuffer key = new ExpandableDirectByteBuffer(256);
        final ExpandableDirectByteBuffer value = new ExpandableDirectByteBuffer(256);
        final ChainResolver.Scratch scratch = new ChainResolver.Scratch();
        final ResolvedEntryHandler load = (keyGroup, k, keyOffset, keyLength, v, valueOffset, valueLength) ->
        {
            key.putBytes(0, k, keyOffset, keyLength);
            if (remapStateId(key, stateIdMap))
            {
                value.putBytes(0, v, valueOffset, valueLength);
                store.put(key, keyLength, value, 0, valueLength);
            }
        };
        long watermark = Long.MAX_VALUE;
        boolean any = false;
        for (final CheckpointManifest.ShardState shard : manifest.shards())
        {
            if (shard.lastKeyGroup() < firstKeyGroup || shard.firstKeyGroup() > lastKeyGroup)
            {
                continue;
            }
            any = true;
            watermark = Math.min(watermark, shard.watermark());
            final List<Path> chain = new ArrayList<>();
            for (final CheckpointManifest.FileRef file : shard.files())
            {
                chain.add(directory.resolve(manifest, file.name()));
            }
            if (!chain.isEmpty())
            {
                try (ChainResolver resolver = ChainResolver.open(chain))
                {
                    final int from = Math.max(firstKeyGroup, shard.firstKeyGroup());
                    final int to = Math.min(lastKeyGroup, shard.lastKeyGroup());
                    for (int kg = from; kg <= to; kg++)
                    {
                        // In key order: a sorted store (LMDB) then appends to the pages it just wrote.
                        resolver.forEachSortedInKeyGroup(kg, load, scratch);
                    }
                }
            }
            if (shard.timers() != null)
            {
                restoreTimers(directory.resolve(manifest, shard.timers().name()), firstKeyGroup, lastKeyGroup,
                    eventTimers, processingTimers);
            }
        }
        log.accept(String.format(Locale.ROOT,
            "key groups [%d, %d] restored %,d entries and %,d timers from %s %d in %.1f ms",
            firstKeyGroup, lastKeyGroup, store.entryCount() - entriesBefore,
            eventTimers.size() + processingTimers.size() - timersBefore, manifest.kind().label(),
            manifest.checkpointId(), (System.nanoTime() - startNs) / 1e6));
        return any ? watermark : Long.MIN_VALUE;
    }

    private void restoreTimers(
        final Path file,
        final int firstKeyGroup,
        final int lastKeyGroup,
        final TimerQueue eventTimers,
        final TimerQueue processingTimers)
    {
        final ExpandableDirectByteBuffer timerKey = new ExpandableDirectByteBuffer(256);
        try (SnapshotFileReader reader = SnapshotFileReader.open(file))
        {
            for (int kg = firstKeyGroup; kg <= lastKeyGroup; kg++)
            {
                if (!reader.header().containsKeyGroup(kg))
                {
                    continue;
                }
                reader.forEachInKeyGroup(kg,
                    (keyGroup, type, k, keyOffset, keyLength, v, valueOffset, valueLength) ->
                    {
                        if (type != SnapshotFileDescriptor.ENTRY_PUT)
                        {
                            return;
                        }
                        final int userKeyLength = keyLength < StateKeyDescriptor.KEY_OFFSET ? -1 :
                            k.getShort(keyOffset + StateKeyDescriptor.KEY_LENGTH_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
                        if (keyLength !=
                            StateKeyDescriptor.KEY_OFFSET + userKeyLength + TimerRecordDescriptor.FILE_SUFFIX_LENGTH)
                        {
                            throw new SnapshotCorruptException(file + ": a timer of key group " + keyGroup +
                                " has a key of " + keyLength + " bytes, which does not hold a timer");
                        }
                        final int suffix = keyOffset + StateKeyDescriptor.KEY_OFFSET + userKeyLength;
                        final byte domain = k.getByte(suffix);
                        final long ts = k.getLong(suffix + 1, ByteOrder.BIG_ENDIAN);
                        final long ns = k.getLong(suffix + 9, ByteOrder.BIG_ENDIAN);
                        timerKey.putBytes(0, k, keyOffset + StateKeyDescriptor.KEY_OFFSET, userKeyLength);
                        final TimerQueue queue =
                            domain == TimerRecordDescriptor.EVENT_TIME ? eventTimers : processingTimers;
                        queue.add(ts, ns, keyGroup, timerKey, userKeyLength);
                    });
            }
        }
    }

    /** @return false when the entry's state is dropped (see {@link RestoreCompatibility#DROPPED}). */
    private boolean remapStateId(final ExpandableDirectByteBuffer key, final int[] stateIdMap)
    {
        final int oldId = key.getShort(StateKeyDescriptor.STATE_ID_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        if (oldId >= stateIdMap.length || stateIdMap[oldId] == 0)
        {
            throw new IllegalStateException(manifest.kind().label() + " " + manifest.checkpointId() +
                ": an entry has state id " + oldId + " which its manifest does not describe");
        }
        if (stateIdMap[oldId] == RestoreCompatibility.DROPPED)
        {
            return false;
        }
        key.putShort(StateKeyDescriptor.STATE_ID_OFFSET, (short)stateIdMap[oldId], ByteOrder.BIG_ENDIAN);
        return true;
    }
}
