package io.weir.tools.snapshot;

import io.weir.snapshot.CheckpointDirectory;
import io.weir.snapshot.CheckpointKind;
import io.weir.snapshot.CheckpointManifest;
import io.weir.snapshot.SnapshotFileKind;
import io.weir.snapshot.SnapshotFileResult;
import io.weir.snapshot.SnapshotFileWriter;
import io.weir.snapshot.SnapshotHeader;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes real checkpoints with the snapshot module's writers, laid out as the engine's state views lay out their
 * entries (StateKeyDescriptor composite keys, StateLayoutDescriptor suffixes, long keys and values). Two shards
 * over {@link #MAX_PARALLELISM} key groups; a key's key group is {@code key mod MAX_PARALLELISM} (the fixture's
 * choice, not the engine's hash).
 */
final class CheckpointFixture
{
    static final int MAX_PARALLELISM = 8;
    static final int SHARDS = 2;
    static final long CREATION_TIME_MS = 1_700_000_000_000L;

    static final int COUNTS = 1;
    static final int EVENTS = 2;
    static final int SEEN = 3;
    static final int LAST_SEEN = 4;
    static final int WINDOWS = 5;

    static final List<CheckpointManifest.StateDescriptor> STATES = List.of(
        new CheckpointManifest.StateDescriptor(COUNTS, "counts", "VALUE", "long", "long", "", 0),
        new CheckpointManifest.StateDescriptor(EVENTS, "events", "LIST", "long", "long", "", 0),
        new CheckpointManifest.StateDescriptor(SEEN, "seen", "MAP", "long", "long", "string-utf8", 0),
        new CheckpointManifest.StateDescriptor(LAST_SEEN, "last-seen", "VALUE", "long", "long", "", 60_000),
        new CheckpointManifest.StateDescriptor(WINDOWS, "windows", "AGGREGATING", "long", "long", "", 0));

    final CheckpointDirectory directory;
    private final List<List<CheckpointManifest.FileRef>> chains = new ArrayList<>();

    CheckpointFixture(final Path root)
    {
        this.directory = new CheckpointDirectory(root);
        for (int shard = 0; shard < SHARDS; shard++)
        {
            chains.add(new ArrayList<>());
        }
    }

    static int keyGroup(final long key)
    {
        return (int)Math.floorMod(key, (long)MAX_PARALLELISM);
    }

    static int shardOf(final int keyGroup)
    {
        return keyGroup / (MAX_PARALLELISM / SHARDS);
    }

    /** A FULL checkpoint, a DELTA on the previous checkpoint, or a self-contained savepoint. */
    Checkpoint begin(final long checkpointId, final SnapshotFileKind fileKind, final CheckpointKind kind)
    {
        return new Checkpoint(checkpointId, fileKind, kind);
    }

    final class Checkpoint
    {
        private final long checkpointId;
        private final CheckpointKind kind;
        private final SnapshotFileKind fileKind;
        private final SnapshotFileWriter[] writers = new SnapshotFileWriter[SHARDS];

        private Checkpoint(final long checkpointId, final SnapshotFileKind fileKind, final CheckpointKind kind)
        {
            this.checkpointId = checkpointId;
            this.fileKind = fileKind;
            this.kind = kind;
            final int perShard = MAX_PARALLELISM / SHARDS;
            for (int shard = 0; shard < SHARDS; shard++)
            {
                final int first = shard * perShard;
                final int last = first + perShard - 1;
                final SnapshotHeader header;
                final Path path;
                if (kind == CheckpointKind.SAVEPOINT)
                {
                    header = SnapshotHeader.full("heap", shard, first, last, MAX_PARALLELISM, checkpointId,
                        CREATION_TIME_MS);
                    path = directory.allocateSavepointFile(shard, checkpointId);
                }
                else
                {
                    final List<CheckpointManifest.FileRef> chain = chains.get(shard);
                    header = fileKind == SnapshotFileKind.FULL ?
                        SnapshotHeader.full("heap", shard, first, last, MAX_PARALLELISM, checkpointId,
                            CREATION_TIME_MS) :
                        SnapshotHeader.delta("heap", shard, first, last, MAX_PARALLELISM, checkpointId,
                            parentId(chain.get(chain.size() - 1).name()), CREATION_TIME_MS);
                    path = directory.allocateDataFile(shard, checkpointId, fileKind);
                }
                writers[shard] = SnapshotFileWriter.open(path, header);
            }
        }

        Checkpoint value(final int stateId, final long key, final long value)
        {
            return put(compositeKey(stateId, key, new byte[0]), longs(value));
        }

        Checkpoint ttlValue(final int stateId, final long key, final long lastAccessMs, final long value)
        {
            return put(compositeKey(stateId, key, new byte[0]), longs(lastAccessMs, value));
        }

        Checkpoint namespacedValue(final int stateId, final long key, final long namespace, final long value)
        {
            return put(compositeKey(stateId, key, longs(namespace)), longs(value));
        }

        Checkpoint deleteValue(final int stateId, final long key)
        {
            return tombstone(compositeKey(stateId, key, new byte[0]));
        }

        /**
         * A list of at least one value: a sealed chunk [0x01][0] -> [length][value] holding the first, and the head
         * [0x04] -> [firstSeq 0][nextSeq 1] with the others ([length][value] each) as its tail.
         */
        Checkpoint list(final int stateId, final long key, final long... values)
        {
            put(compositeKey(stateId, key, concat(new byte[] {0x01}, longs(0))), element(values[0]));
            byte[] head = longs(0, 1);
            for (int i = 1; i < values.length; i++)
            {
                head = concat(head, element(values[i]));
            }
            put(compositeKey(stateId, key, new byte[] {0x04}), head);
            return this;
        }

        private static byte[] element(final long value)
        {
            return ByteBuffer.allocate(12).order(ByteOrder.BIG_ENDIAN).putInt(Long.BYTES).putLong(value).array();
        }

        /** A map entry [0x02][userKey] -> [slot][value], its slot [0x03][slot] -> [userKey], and the head. */
        Checkpoint mapEntry(final int stateId, final long key, final String userKey, final long slot, final long value)
        {
            final byte[] userKeyBytes = userKey.getBytes(StandardCharsets.UTF_8);
            put(compositeKey(stateId, key, new byte[] {0x00}), longs(slot + 1));
            put(compositeKey(stateId, key, concat(new byte[] {0x02}, userKeyBytes)), longs(slot, value));
            return put(compositeKey(stateId, key, concat(new byte[] {0x03}, longs(slot))), userKeyBytes);
        }

        /** A timer under the reserved state id 0: [kg u16][0 u16][timestamp i64][key i64], empty value. */
        Checkpoint timer(final long key, final long timestampMs)
        {
            final ByteBuffer buffer = ByteBuffer.allocate(20).order(ByteOrder.BIG_ENDIAN);
            buffer.putShort((short)keyGroup(key)).putShort((short)0).putLong(timestampMs).putLong(key);
            return put(buffer.array(), new byte[0]);
        }

        Checkpoint put(final byte[] compositeKey, final byte[] value)
        {
            final int keyGroup = keyGroupOf(compositeKey);
            writers[shardOf(keyGroup)].put(keyGroup, new UnsafeBuffer(compositeKey), 0, compositeKey.length,
                new UnsafeBuffer(value), 0, value.length);
            return this;
        }

        Checkpoint tombstone(final byte[] compositeKey)
        {
            final int keyGroup = keyGroupOf(compositeKey);
            writers[shardOf(keyGroup)].tombstone(keyGroup, new UnsafeBuffer(compositeKey), 0, compositeKey.length);
            return this;
        }

        /** Finishes the files and writes the MANIFEST; returns the checkpoint's directory. */
        Path commit()
        {
            final CheckpointManifest.Builder manifest = CheckpointManifest.builder()
                .checkpointId(checkpointId)
                .kind(kind)
                .creationTimeMs(CREATION_TIME_MS + checkpointId * 1000)
                .maxParallelism(MAX_PARALLELISM)
                .backendName("heap")
                .addSource("orders.csv", 1000 * checkpointId, 10 * checkpointId)
                .property("job.name", "fixture");
            STATES.forEach(manifest::addState);
            final int perShard = MAX_PARALLELISM / SHARDS;
            for (int shard = 0; shard < SHARDS; shard++)
            {
                final SnapshotFileResult result = writers[shard].finish();
                final CheckpointManifest.FileRef file = new CheckpointManifest.FileRef(
                    result.path().getFileName().toString(), result.sizeBytes(),
                    kind == CheckpointKind.SAVEPOINT ? SnapshotFileKind.FULL : fileKind);
                final List<CheckpointManifest.FileRef> chain;
                if (kind == CheckpointKind.SAVEPOINT)
                {
                    chain = List.of(file);
                }
                else
                {
                    chain = chains.get(shard);
                    if (fileKind == SnapshotFileKind.FULL)
                    {
                        chain.clear();
                    }
                    chain.add(file);
                }
                manifest.addShard(new CheckpointManifest.ShardState(shard, shard * perShard,
                    shard * perShard + perShard - 1, chain, 5000 * checkpointId + shard, 3 + shard));
            }
            return directory.writeManifest(manifest.build()).getParent();
        }
    }

    static byte[] compositeKey(final int stateId, final long key, final byte[] suffix)
    {
        final ByteBuffer buffer = ByteBuffer.allocate(6 + 8 + suffix.length).order(ByteOrder.BIG_ENDIAN);
        buffer.putShort((short)keyGroup(key)).putShort((short)stateId).putShort((short)8).putLong(key).put(suffix);
        return buffer.array();
    }

    static byte[] longs(final long... values)
    {
        final ByteBuffer buffer = ByteBuffer.allocate(8 * values.length).order(ByteOrder.BIG_ENDIAN);
        for (final long value : values)
        {
            buffer.putLong(value);
        }
        return buffer.array();
    }

    private static byte[] concat(final byte[] a, final byte[] b)
    {
        final byte[] joined = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, joined, a.length, b.length);
        return joined;
    }

    private static int keyGroupOf(final byte[] compositeKey)
    {
        return ((compositeKey[0] & 0xFF) << 8) | (compositeKey[1] & 0xFF);
    }

    private static long parentId(final String fileName)
    {
        // shard-S-chk-NNNNNNNNNN.full|.delta
        final int start = fileName.indexOf("-chk-") + 5;
        return Long.parseLong(fileName.substring(start, fileName.indexOf('.', start)));
    }
}
