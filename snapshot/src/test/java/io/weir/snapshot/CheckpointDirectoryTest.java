package io.weir.snapshot;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

@Timeout(60)
class CheckpointDirectoryTest
{
    private static final int SHARDS = 2;
    private static final int MAX_PARALLELISM = 8;

    @TempDir
    Path root;

    /** Per shard, the chain of the last checkpoint written. */
    private final List<List<CheckpointManifest.FileRef>> chains = new ArrayList<>();

    static CheckpointManifest sampleManifest(final long checkpointId, final CheckpointKind kind)
    {
        return CheckpointManifest.builder()
            .checkpointId(checkpointId)
            .kind(kind)
            .creationTimeMs(1_700_000_000_123L)
            .maxParallelism(128)
            .backendName("chronicle")
            .addShard(new CheckpointManifest.ShardState(0, 0, 63, List.of(
                new CheckpointManifest.FileRef("shard-0-chk-0000000005.full", 4096, SnapshotFileKind.FULL),
                new CheckpointManifest.FileRef("shard-0-chk-0000000006.delta", 512, SnapshotFileKind.DELTA)),
                1_000L, 17))
            .addShard(new CheckpointManifest.ShardState(1, 64, 127, List.of(
                new CheckpointManifest.FileRef("shard-1-chk-0000000006.full", 8192, SnapshotFileKind.FULL)),
                Long.MIN_VALUE, 0))
            .addSource("orders.csv", 123_456L, 789L)
            .addSource("payments", 0L, 0L)
            .addState(new CheckpointManifest.StateDescriptor(1, "count", "VALUE", "string", "long", "", 0))
            .addState(new CheckpointManifest.StateDescriptor(2, "seen", "MAP", "string", "bool", "long", 60_000))
            .property("job.name", "sessionize")
            .property("ünïcode", "✓")
            .build();
    }

    @Test
    void shouldRoundTripManifestAndShowItReadably()
    {
        final CheckpointManifest manifest = sampleManifest(6, CheckpointKind.CHECKPOINT);
        final byte[] bytes = ManifestCodec.encode(manifest);
        final CheckpointManifest decoded = ManifestCodec.decode(bytes, "test");
        assertEquals(manifest, decoded);

        final String shown = decoded.toString();
        System.out.println(shown);
        assertTrue(shown.contains("checkpoint 6"), shown);
        assertTrue(shown.contains("FULL shard-0-chk-0000000005.full 4096 bytes"), shown);
        assertTrue(shown.contains("orders.csv position 123456 line 789"), shown);
        assertTrue(shown.contains("#2 seen MAP key=string value=bool userKey=long ttl=60000ms"), shown);
        assertTrue(shown.contains("job.name = sessionize"), shown);
    }

    @Test
    void shouldDetectManifestCorruptionByCrcAndTruncation()
    {
        final byte[] bytes = ManifestCodec.encode(sampleManifest(6, CheckpointKind.CHECKPOINT));
        for (int offset = 0; offset < bytes.length; offset += 7)
        {
            final byte[] corrupt = bytes.clone();
            corrupt[offset] ^= 0x10;
            final int at = offset;
            final SnapshotCorruptException ex = assertThrows(SnapshotCorruptException.class,
                () -> ManifestCodec.decode(corrupt, "MANIFEST-x"), () -> "flip at " + at);
            assertTrue(ex.getMessage().startsWith("MANIFEST-x: offset "), ex.getMessage());
        }
        final byte[] body = bytes.clone();
        body[30] ^= 1;
        assertTrue(assertThrows(SnapshotCorruptException.class, () -> ManifestCodec.decode(body, "M"))
            .getMessage().contains("manifest CRC mismatch"));
        final byte[] truncated = java.util.Arrays.copyOf(bytes, bytes.length - 3);
        assertTrue(assertThrows(SnapshotCorruptException.class, () -> ManifestCodec.decode(truncated, "M"))
            .getMessage().contains("truncated"));
    }

    /**
     * Writes checkpoint {@code id} for every shard: a FULL file if {@code full}, else a DELTA on the previous
     * checkpoint, then its manifest.
     */
    private CheckpointManifest writeCheckpoint(final CheckpointDirectory directory, final long id, final boolean full)
    {
        final CheckpointManifest.Builder builder = CheckpointManifest.builder()
            .checkpointId(id).creationTimeMs(id * 1000).maxParallelism(MAX_PARALLELISM).backendName("heap")
            .addSource("in", id * 100, id * 10);
        for (int shard = 0; shard < SHARDS; shard++)
        {
            final int first = shard * MAX_PARALLELISM / SHARDS;
            final int last = (shard + 1) * MAX_PARALLELISM / SHARDS - 1;
            if (chains.size() <= shard)
            {
                chains.add(new ArrayList<>());
            }
            final List<CheckpointManifest.FileRef> chain = chains.get(shard);
            final SnapshotFileKind kind = full ? SnapshotFileKind.FULL : SnapshotFileKind.DELTA;
            final SnapshotHeader header = full ?
                SnapshotHeader.full("heap", shard, first, last, MAX_PARALLELISM, id, id * 1000) :
                SnapshotHeader.delta("heap", shard, first, last, MAX_PARALLELISM, id, id - 1, id * 1000);
            final SnapshotFileResult result;
            try (SnapshotFileWriter writer = SnapshotFileWriter.open(
                directory.allocateDataFile(shard, id, kind), header))
            {
                for (int kg = first; kg <= last; kg++)
                {
                    final byte[] key = ("key-" + kg).getBytes(StandardCharsets.UTF_8);
                    final byte[] value = ("value@" + id).getBytes(StandardCharsets.UTF_8);
                    writer.put(kg, new UnsafeBuffer(key), 0, key.length, new UnsafeBuffer(value), 0, value.length);
                }
                result = writer.finish();
            }
            if (full)
            {
                chain.clear();
            }
            chain.add(new CheckpointManifest.FileRef(result.path().getFileName().toString(), result.sizeBytes(), kind));
            builder.addShard(new CheckpointManifest.ShardState(shard, first, last, chain, id, 0));
        }
        final CheckpointManifest manifest = builder.build();
        directory.writeManifest(manifest);
        return manifest;
    }

    @Test
    void shouldFindAnOperatorWhoseShardsLeaveKeyGroupsOut()
    {
        final CheckpointDirectory directory = new CheckpointDirectory(root);
        final CheckpointManifest first = writeCheckpoint(directory, 1, true);
        // The same files, each shard's state named for an operator of its own: each operator holds half the groups.
        final CheckpointManifest.Builder builder = CheckpointManifest.builder()
            .checkpointId(2).creationTimeMs(2000).maxParallelism(MAX_PARALLELISM).backendName("heap")
            .addSource("in", 200, 20);
        for (final CheckpointManifest.ShardState shard : first.shards())
        {
            builder.addShard(new CheckpointManifest.ShardState(shard.shardId(), shard.firstKeyGroup(),
                shard.lastKeyGroup(), shard.files(), shard.watermark(), shard.timerCount(), shard.timers(),
                "op" + shard.shardId()));
        }
        directory.writeManifest(builder.build());

        final CheckpointDirectory.Listing second = directory.list().stream()
            .filter(listing -> listing.checkpointId() == 2).findFirst().orElseThrow();
        final String manifest = second.manifestPath().toString();
        final int half = MAX_PARALLELISM / SHARDS;
        assertEquals(List.of(
            manifest + ": operator 'op0': key groups [" + half + ", " + (MAX_PARALLELISM - 1) + "] belong to no shard",
            manifest + ": operator 'op1': key groups [0, " + (half - 1) + "] belong to no shard"),
            directory.verify(second));
        assertEquals(List.of(), directory.verify(directory.list().stream()
            .filter(listing -> listing.checkpointId() == 1).findFirst().orElseThrow()));
    }

    @Test
    void shouldLoadVerifiedCheckpointAndRestoreItsChain()
    {
        final CheckpointDirectory directory = new CheckpointDirectory(root);
        writeCheckpoint(directory, 1, true);
        writeCheckpoint(directory, 2, false);
        final CheckpointManifest third = writeCheckpoint(directory, 3, false);

        assertTrue(Files.isRegularFile(root.resolve("chk-0000000003/MANIFEST")));
        assertEquals(3, directory.latestComplete().orElseThrow().checkpointId());
        final CheckpointManifest loaded = directory.loadVerified(3);
        assertEquals(third, loaded);
        assertEquals(3, loaded.shards().get(0).files().size());

        final List<Path> chain = new ArrayList<>();
        loaded.shards().get(1).files().forEach(f -> chain.add(directory.resolve(loaded, f.name())));
        try (ChainResolver resolver = ChainResolver.open(chain))
        {
            assertEquals("value@3", new String(resolver.resolveKeyGroup(5).get("key-5".getBytes(
                StandardCharsets.UTF_8)), StandardCharsets.UTF_8));
        }
    }

    @Test
    void shouldFallBackToPreviousCheckpointWhenADeltaIsDeleted() throws IOException
    {
        final CheckpointDirectory directory = new CheckpointDirectory(root);
        writeCheckpoint(directory, 1, true);
        writeCheckpoint(directory, 2, false);
        writeCheckpoint(directory, 3, false);
        final Path delta = directory.allocateDataFile(1, 3, SnapshotFileKind.DELTA);
        Files.delete(delta);

        final SnapshotCorruptException ex = assertThrows(SnapshotCorruptException.class,
            () -> directory.loadVerified(3));
        assertTrue(ex.getMessage().contains(delta + ": missing"), ex.getMessage());

        final List<String> warnings = new ArrayList<>();
        final Optional<CheckpointManifest> restorable = directory.latestRestorable(warnings::add);
        assertEquals(2, restorable.orElseThrow().checkpointId());
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("chk-0000000003") && warnings.get(0).contains(delta.toString()),
            warnings.get(0));
    }

    @Test
    void shouldFallBackPastTruncatedAndCorruptFiles() throws IOException
    {
        final CheckpointDirectory directory = new CheckpointDirectory(root);
        writeCheckpoint(directory, 1, true);
        writeCheckpoint(directory, 2, false);
        writeCheckpoint(directory, 3, false);
        final Path truncated = directory.allocateDataFile(0, 3, SnapshotFileKind.DELTA);
        try (FileChannel channel = FileChannel.open(truncated, StandardOpenOption.WRITE))
        {
            channel.truncate(Files.size(truncated) - 1);
        }
        final Path corrupt = directory.allocateDataFile(1, 2, SnapshotFileKind.DELTA);
        final long blockOffset = SnapshotFileTest.firstBlockOf(corrupt, 6)[0];
        final long size = Files.size(corrupt);
        SnapshotFileTest.flipByte(corrupt, blockOffset + SnapshotFileDescriptor.BLOCK_HEADER_LENGTH + 2);
        assertEquals(size, Files.size(corrupt));

        final List<String> warnings = new ArrayList<>();
        assertEquals(1, directory.latestRestorable(warnings::add).orElseThrow().checkpointId());
        assertEquals(2, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains(truncated + ": size"), warnings.get(0));
        assertTrue(warnings.get(1).contains(corrupt.toString()) && warnings.get(1).contains("key group 6") &&
            warnings.get(1).contains("offset " + blockOffset), warnings.get(1));
    }

    @Test
    void shouldListCheckpointWithoutManifestAsIncompleteWhenWriteFailsBeforeRename()
    {
        final CheckpointDirectory directory = new CheckpointDirectory(root);
        writeCheckpoint(directory, 1, true);
        final CheckpointManifest second = sampleManifest(2, CheckpointKind.CHECKPOINT);
        assertThrows(UncheckedIOException.class, () -> directory.writeManifest(second, () ->
        {
            throw new UncheckedIOException(new IOException("simulated crash before rename"));
        }));

        assertFalse(Files.exists(root.resolve("chk-0000000002/MANIFEST")));
        final List<CheckpointDirectory.Listing> listings = directory.list();
        assertEquals(2, listings.size());
        assertTrue(listings.get(0).complete());
        assertFalse(listings.get(1).complete());
        assertEquals(2, listings.get(1).checkpointId());
        assertEquals(1, directory.latestComplete().orElseThrow().checkpointId());

        final List<String> warnings = new ArrayList<>();
        assertEquals(1, directory.latestRestorable(warnings::add).orElseThrow().checkpointId());
        assertTrue(warnings.get(0).contains("incomplete"), warnings.toString());
    }

    @Test
    void shouldKeepFilesNeededByRetainedChainsAndDeleteTheRest() throws IOException
    {
        final CheckpointDirectory directory = new CheckpointDirectory(root);
        writeCheckpoint(directory, 1, true);
        writeCheckpoint(directory, 2, false);
        writeCheckpoint(directory, 3, true);
        writeCheckpoint(directory, 4, false);
        writeCheckpoint(directory, 5, false);
        directory.writeManifest(sampleManifest(4, CheckpointKind.SAVEPOINT));
        final Path orphanTmp = directory.sharedDirectory().resolve("shard-0-chk-0000000004.full.tmp");
        Files.write(orphanTmp, new byte[10]);
        final Path inProgress = directory.allocateDataFile(0, 6, SnapshotFileKind.DELTA);
        Files.write(inProgress, new byte[10]);
        Files.createDirectories(directory.checkpointDirectory(6));
        Files.createDirectories(directory.checkpointDirectory(0));

        final CheckpointDirectory.RetentionResult result = directory.retain(2);

        assertEquals(List.of(4L, 5L), result.retainedCheckpointIds());
        // checkpoint 4 is a delta on the FULL of 3: both must survive although chk-3 is not retained
        for (int shard = 0; shard < SHARDS; shard++)
        {
            assertTrue(Files.exists(directory.allocateDataFile(shard, 3, SnapshotFileKind.FULL)));
            assertTrue(Files.exists(directory.allocateDataFile(shard, 4, SnapshotFileKind.DELTA)));
            assertTrue(Files.exists(directory.allocateDataFile(shard, 5, SnapshotFileKind.DELTA)));
            assertFalse(Files.exists(directory.allocateDataFile(shard, 1, SnapshotFileKind.FULL)));
            assertFalse(Files.exists(directory.allocateDataFile(shard, 2, SnapshotFileKind.DELTA)));
        }
        assertFalse(Files.exists(orphanTmp), "orphaned temp file is deleted");
        assertTrue(Files.exists(inProgress), "file of an in-progress checkpoint is kept");
        assertTrue(Files.exists(directory.checkpointDirectory(6)), "in-progress checkpoint dir is kept");
        assertFalse(Files.exists(directory.checkpointDirectory(0)), "abandoned incomplete checkpoint is deleted");
        assertFalse(Files.exists(directory.checkpointDirectory(1)));
        assertFalse(Files.exists(directory.checkpointDirectory(3)));
        assertTrue(Files.exists(directory.savepointDirectory(4).resolve("MANIFEST")), "savepoints are never deleted");

        assertEquals(5, directory.loadVerified(5).checkpointId());
        assertEquals(4, directory.loadVerified(4).checkpointId());
        assertEquals(List.of(), directory.verify(directory.latestComplete().orElseThrow()));
    }

    @Test
    void shouldKeepAMergedBaseBeingWrittenUnderTheIdOfAnOlderCheckpoint() throws IOException
    {
        final CheckpointDirectory directory = new CheckpointDirectory(root);
        writeCheckpoint(directory, 1, true);
        writeCheckpoint(directory, 2, false);
        writeCheckpoint(directory, 3, false);
        // A chain's new base merged between checkpoints gets the id of the chain's head (2), older than the newest
        // checkpoint, and no manifest names it until it is done.
        final Path merging = directory.allocateDataFile(0, 2, SnapshotFileKind.FULL);
        final Path mergingTmp = merging.resolveSibling(merging.getFileName() + SnapshotFileDescriptor.TMP_SUFFIX);
        Files.write(mergingTmp, new byte[10]);
        final Path otherOrphan = directory.allocateDataFile(1, 2, SnapshotFileKind.FULL);
        Files.write(otherOrphan, new byte[10]);

        directory.retain(1, java.util.Set.of(merging.getFileName().toString()));
        assertTrue(Files.exists(mergingTmp), "the temporary file of the base being written is kept");
        assertFalse(Files.exists(otherOrphan), "a file of that id no one writes is deleted");

        Files.move(mergingTmp, merging);
        directory.retain(1, java.util.Set.of(merging.getFileName().toString()));
        assertTrue(Files.exists(merging), "the published base is kept until a manifest names it");
        directory.retain(1);
        assertFalse(Files.exists(merging), "once no merge holds it, retention deletes what no manifest names");
    }

    @Test
    void shouldNameDirectoriesAndFilesInAsciiDigitsWhateverTheDefaultLocale()
    {
        final Locale before = Locale.getDefault();
        try
        {
            // Arabic formats digits as U+0660..U+0669; Turkish lower-cases 'I' to a dotless 'ı'.
            for (final String tag : new String[]{ "ar-EG", "fa-IR", "tr-TR" })
            {
                Locale.setDefault(Locale.forLanguageTag(tag));
                final CheckpointDirectory directory = new CheckpointDirectory(root);
                assertEquals(root.resolve("chk-0000000012"), directory.checkpointDirectory(12), tag);
                assertEquals("chk-0000000012", CheckpointDirectory.checkpointDirectoryName(12), tag);
                assertEquals(root.resolve("savepoint-0000000009"), directory.allocateSavepointFile(0, 9).getParent(),
                    tag);
                assertEquals("op-shard-1-chk-0000000012.delta",
                    CheckpointDirectory.dataFileName("op", 1, 12, SnapshotFileKind.DELTA), tag);
                assertEquals("op-broadcast-chk-0000000012.broadcast", BroadcastStateDescriptor.fileName("op", 12), tag);
                assertEquals("savepoint", CheckpointKind.SAVEPOINT.label(), tag);
                assertEquals("checkpoint", CheckpointKind.CHECKPOINT.label(), tag);
            }
        }
        finally
        {
            Locale.setDefault(before);
        }
    }

    @Test
    void shouldWriteSelfContainedSavepoint()
    {
        final CheckpointDirectory directory = new CheckpointDirectory(root);
        final Path file = directory.allocateSavepointFile(0, 9);
        final SnapshotFileResult result;
        try (SnapshotFileWriter writer = SnapshotFileWriter.open(file,
            SnapshotHeader.full("lmdb", 0, 0, 7, 8, 9, 0)))
        {
            result = writer.finish();
        }
        final CheckpointManifest manifest = CheckpointManifest.builder()
            .checkpointId(9).kind(CheckpointKind.SAVEPOINT).maxParallelism(8).backendName("lmdb")
            .addShard(new CheckpointManifest.ShardState(0, 0, 7, List.of(new CheckpointManifest.FileRef(
                file.getFileName().toString(), result.sizeBytes(), SnapshotFileKind.FULL)), 0, 0))
            .build();
        directory.writeManifest(manifest);

        assertEquals(root.resolve("savepoint-0000000009"), file.getParent());
        assertEquals(manifest, directory.loadVerified(9));
        assertTrue(directory.latestComplete().isEmpty(), "a savepoint is not a checkpoint");
        assertTrue(directory.latestRestorable(w -> {}).isEmpty());
    }
    @Test
    void shouldRefuseCraftedManifestFieldsInOneLine() throws IOException
    {
        final CheckpointManifest.Builder builder = CheckpointManifest.builder().checkpointId(4).maxParallelism(8)
            .backendName("heap")
            .addShard(new CheckpointManifest.ShardState(0, 0, 7, List.of(
                new CheckpointManifest.FileRef("shard-0-chk-0000000004.full", 100, SnapshotFileKind.FULL)), 0, 0));
        final byte[] sound = ManifestCodec.encode(builder.build());
        // maxParallelism follows checkpointId (8), kind (4) and creationTimeMs (8) in the body at 16
        final byte[] hugeParallelism = withCrc(sound, 16 + 20, Integer.MAX_VALUE);
        final SnapshotCorruptException parallelism = assertThrows(SnapshotCorruptException.class,
            () -> ManifestCodec.decode(hugeParallelism, "m"));
        assertEquals("m: offset 36: maxParallelism 2147483647 outside 1..65536", parallelism.getMessage());

        final CheckpointManifest.Builder outside = CheckpointManifest.builder().checkpointId(4).maxParallelism(8)
            .backendName("heap").addShard(new CheckpointManifest.ShardState(0, 0, 9, List.of(), 0, 0));
        final SnapshotCorruptException range = assertThrows(SnapshotCorruptException.class,
            () -> ManifestCodec.decode(ManifestCodec.encode(outside.build()), "m"));
        assertTrue(range.getMessage().contains("shard 0 has key groups [0, 9] outside 0..7"), range.getMessage());

        final CheckpointManifest.Builder hugeStateId = CheckpointManifest.builder().checkpointId(4).maxParallelism(8)
            .backendName("heap").addState(new CheckpointManifest.StateDescriptor(Integer.MAX_VALUE, "counts", "VALUE",
                "long", "long", "", 0));
        final SnapshotCorruptException stateId = assertThrows(SnapshotCorruptException.class,
            () -> ManifestCodec.decode(ManifestCodec.encode(hugeStateId.build()), "m"));
        assertTrue(stateId.getMessage().contains("state id 2147483647 outside 0..65535"), stateId.getMessage());

        final Path tooLong = root.resolve("chk-0000000004/MANIFEST");
        Files.createDirectories(tooLong.getParent());
        try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(tooLong,
            java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE))
        {
            channel.write(java.nio.ByteBuffer.wrap(new byte[]{1}), ManifestDescriptor.MAX_MANIFEST_BYTES);
        }
        final CheckpointDirectory directory = new CheckpointDirectory(root);
        final List<String> problems = directory.verify(directory.list().get(0));
        assertEquals(List.of(tooLong + ": manifest of " + (ManifestDescriptor.MAX_MANIFEST_BYTES + 1L) +
            " bytes is longer than the " + ManifestDescriptor.MAX_MANIFEST_BYTES + " a manifest may have"), problems);
    }

    @Test
    void shouldFallBackPastACorruptTimersFileAndFailALoadInOneLine() throws IOException
    {
        final CheckpointDirectory directory = new CheckpointDirectory(root);
        writeCheckpoint(directory, 1, true);
        final CheckpointManifest second = writeCheckpoint(directory, 2, false);
        // the timers file of shard 0, claiming another shard's key groups
        final Path timers = directory.sharedDirectory().resolve("shard-0-chk-2.timers");
        final SnapshotFileResult written;
        try (SnapshotFileWriter writer = SnapshotFileWriter.open(timers,
            SnapshotHeader.full("heap", 1, 4, 7, MAX_PARALLELISM, 2, 0)))
        {
            written = writer.finish();
        }
        final CheckpointManifest.Builder builder = CheckpointManifest.builder().checkpointId(2)
            .maxParallelism(second.maxParallelism()).backendName(second.backendName());
        for (final CheckpointManifest.ShardState shard : second.shards())
        {
            builder.addShard(new CheckpointManifest.ShardState(shard.shardId(), shard.firstKeyGroup(),
                shard.lastKeyGroup(), shard.files(), shard.watermark(), 1, shard.shardId() != 0 ? null :
                new CheckpointManifest.FileRef(timers.getFileName().toString(), written.sizeBytes(),
                    SnapshotFileKind.FULL)));
        }
        directory.writeManifest(builder.build());

        final SnapshotCorruptException ex = assertThrows(SnapshotCorruptException.class,
            () -> directory.loadVerified(2));
        assertFalse(ex.getMessage().contains("\n"), ex.getMessage());
        assertTrue(ex.getMessage().startsWith(timers + ": header says FULL of shard 1 [4, 7]"), ex.getMessage());
        final List<String> warnings = new ArrayList<>();
        assertEquals(1, directory.latestRestorable(warnings::add).orElseThrow().checkpointId());
        assertTrue(warnings.get(0).contains(timers.toString()), warnings.toString());
    }

    private static byte[] withCrc(final byte[] manifest, final int offset, final int value)
    {
        final byte[] bytes = manifest.clone();
        final org.agrona.concurrent.UnsafeBuffer buffer = new org.agrona.concurrent.UnsafeBuffer(bytes);
        buffer.putInt(offset, value, ManifestDescriptor.BYTE_ORDER);
        final java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(bytes, 0, bytes.length - ManifestDescriptor.CRC_LENGTH);
        buffer.putInt(bytes.length - ManifestDescriptor.CRC_LENGTH, (int)crc.getValue(), ManifestDescriptor.BYTE_ORDER);
        return bytes;
    }
}
