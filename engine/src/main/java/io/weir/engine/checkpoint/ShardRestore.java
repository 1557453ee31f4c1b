package io.weir.engine.checkpoint;

import io.weir.engine.TimerQueue;
import io.weir.engine.state.RegisteredState;
import io.weir.snapshot.ChainResolver;
import io.weir.snapshot.CheckpointDirectory;
import io.weir.snapshot.CheckpointManifest;
import io.weir.snapshot.SnapshotCorruptException;
import io.weir.snapshot.SnapshotFileDescriptor;
import io.weir.snapshot.SnapshotFileReader;
import io.weir.state.spi.KeyedStateStore;
import io.weir.state.spi.StateKeyDescriptor;
import org.agrona.ExpandableDirectByteBuffer;

import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Loads a shard's key-group range from a checkpoint or savepoint, whatever shard count wrote it: every old
 * shard whose key-group range overlaps the new one contributes its resolved chain (base + deltas) and its
 * timers, restricted to the new range. State ids are remapped by state name, so a job may register its states
 * in another order. Immutable; {@link #restoreShard} runs on each shard's thread as it starts.
 */
public final class ShardRestore
{
    private final CheckpointDirectory directory;
    private final CheckpointManifest manifest;
    private final java.util.function.Consumer<String> log;

    public ShardRestore(
        final CheckpointDirectory directory, final CheckpointManifest manifest, final java.util.function.Consumer<String> log)
    {
        this.directory = directory;
        this.manifest = manifest;
        this.log = log;
    }

    public CheckpointManifest manifest()
    {
        return manifest;
    }

    /**
     * Load key groups {@code [first, last]} into the store and timer queues.
     *
     * @return the watermark to resume with: the lowest watermark of the old shards that held these key groups.
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
        final int[] stateIdMap = stateIdMap(registered);
        final ExpandableDirectByteBuffer key = new ExpandableDirectByteBuffer(256);
        final ExpandableDirectByteBuffer value = new ExpandableDirectByteBuffer(256);
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
                        for (final Map.Entry<byte[], byte[]> entry : resolver.resolveKeyGroup(kg).entrySet())
                        {
                            final byte[] k = entry.getKey();
                            final byte[] v = entry.getValue();
                            key.putBytes(0, k);
                            remapStateId(key, stateIdMap);
                            value.putBytes(0, v);
                            store.put(key, k.length, value, 0, v.length);
                        }
                    }
                }
            }
            if (shard.timers() != null)
            {
                restoreTimers(directory.resolve(manifest, shard.timers().name()), firstKeyGroup, lastKeyGroup,
                    eventTimers, processingTimers);
            }
        }
        log.accept(String.format("key groups [%d, %d] restored %,d entries and %,d timers from %s %d in %.1f ms",
            firstKeyGroup, lastKeyGroup, store.entryCount() - entriesBefore,
            eventTimers.size() + processingTimers.size() - timersBefore, manifest.kind().name().toLowerCase(),
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

    private int[] stateIdMap(final List<RegisteredState> registered)
    {
        final Map<String, Integer> newIds = new HashMap<>();
        for (final RegisteredState state : registered)
        {
            newIds.put(state.name(), state.id());
        }
        int maxOld = 0;
        for (final CheckpointManifest.StateDescriptor state : manifest.states())
        {
            maxOld = Math.max(maxOld, state.stateId());
        }
        final int[] map = new int[maxOld + 1];
        for (final CheckpointManifest.StateDescriptor state : manifest.states())
        {
            final Integer newId = newIds.get(state.name());
            if (newId == null)
            {
                throw new IllegalStateException("checkpoint " + manifest.checkpointId() + " holds state '" +
                    state.name() + "' but the job registered no state of that name in open(); registered: " +
                    newIds.keySet());
            }
            map[state.stateId()] = newId;
        }
        return map;
    }

    private static void remapStateId(final ExpandableDirectByteBuffer key, final int[] stateIdMap)
    {
        final int oldId = key.getShort(StateKeyDescriptor.STATE_ID_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        if (oldId >= stateIdMap.length || stateIdMap[oldId] == 0)
        {
            throw new IllegalStateException("checkpoint entry has state id " + oldId +
                " which its manifest does not describe");
        }
        key.putShort(StateKeyDescriptor.STATE_ID_OFFSET, (short)stateIdMap[oldId], ByteOrder.BIG_ENDIAN);
    }
}
