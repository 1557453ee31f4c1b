package io.weir.snapshot;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** Retention and the start-up sweep over every kind of file a checkpoint writes: state (full, delta) and timers. */
@Timeout(60)
class CheckpointRetentionTest
{
    private static final int SHARDS = 2;
    private static final int MAX_PARALLELISM = 8;

    @TempDir
    Path root;

    private final List<List<CheckpointManifest.FileRef>> chains = new ArrayList<>();

    @Test
    void shouldDeleteTimersFilesOfCheckpointsNoLongerRetained() throws IOException
    {
        final CheckpointDirectory directory = new CheckpointDirectory(root);
        final List<CheckpointManifest> written = new ArrayList<>();
        for (long id = 1; id <= 12; id++)
        {
            written.add(writeCheckpoint(directory, id, id % 4 == 1, CheckpointKind.CHECKPOINT));
            directory.retain(3);
        }
        final Set<String> needed = new TreeSet<>();
        for (final CheckpointManifest manifest : written.subList(written.size() - 3, written.size()))
        {
            needed.addAll(manifest.fileNames());
        }
        // checkpoints 10..12 are deltas on the full of 9: exactly their chains and their own timers remain
        assertEquals(needed, names(directory.sharedDirectory()));
        assertTrue(needed.contains("shard-0-chk-12.timers"), needed.toString());
        for (final CheckpointDirectory.Listing listing : directory.list())
        {
            assertEquals(List.of(), directory.verify(listing));
        }
    }

    @Test
    void shouldSweepOrphansButKeepEveryFileOfCompleteCheckpointsAndSavepoints() throws IOException
    {
        final CheckpointDirectory directory = new CheckpointDirectory(root);
        final Path shared = directory.sharedDirectory();
        final List<CheckpointManifest> complete = new ArrayList<>();
        complete.add(writeCheckpoint(directory, 1, true, CheckpointKind.CHECKPOINT));
        complete.add(writeCheckpoint(directory, 2, false, CheckpointKind.CHECKPOINT));
        complete.add(writeCheckpoint(directory, 3, false, CheckpointKind.SAVEPOINT));
        complete.add(writeCheckpoint(directory, 4, false, CheckpointKind.CHECKPOINT));
        // a corrupt manifest: nothing can be restored from checkpoint 5, so what only it names is an orphan
        writeCheckpoint(directory, 5, false, CheckpointKind.CHECKPOINT);
        Files.write(directory.checkpointDirectory(5).resolve("MANIFEST"), new byte[]{1, 2, 3});
        // a run killed while writing checkpoint 6 and savepoint 7
        writeCheckpoint(directory, 6, false, CheckpointKind.CHECKPOINT);
        Files.delete(directory.checkpointDirectory(6).resolve("MANIFEST"));
        Files.write(directory.checkpointDirectory(6).resolve("MANIFEST.tmp"), new byte[7]);
        writeCheckpoint(directory, 7, true, CheckpointKind.SAVEPOINT);
        Files.delete(directory.savepointDirectory(7).resolve("MANIFEST"));
        final List<Path> orphans = new ArrayList<>(List.of(
            Files.write(shared.resolve("shard-0-chk-8.timers.tmp"), new byte[3]),
            Files.write(shared.resolve("shard-1-chk-0000000008.delta.tmp"), new byte[3]),
            Files.write(shared.resolve("shard-1-chk-0000000002.full"), new byte[3]),
            Files.write(directory.checkpointDirectory(4).resolve("MANIFEST.tmp"), new byte[3]),
            Files.write(directory.savepointDirectory(3).resolve("shard-0-chk-3.timers.tmp"), new byte[3]),
            Files.write(root.resolve("FINISHED.tmp"), new byte[3])));
        for (int shard = 0; shard < SHARDS; shard++)
        {
            orphans.add(shared.resolve(CheckpointDirectory.dataFileName(shard, 5, SnapshotFileKind.DELTA)));
            orphans.add(shared.resolve("shard-" + shard + "-chk-5.timers"));
            orphans.add(shared.resolve(CheckpointDirectory.dataFileName(shard, 6, SnapshotFileKind.DELTA)));
            orphans.add(shared.resolve("shard-" + shard + "-chk-6.timers"));
        }
        orphans.add(directory.checkpointDirectory(6));
        orphans.add(directory.savepointDirectory(7));
        final Path notOurs = Files.write(shared.resolve("notes.txt"), new byte[3]);
        final Path lock = Files.write(root.resolve(DirectoryLock.LOCK_FILE_NAME), new byte[3]);

        final List<Path> deleted = directory.sweep();

        for (final Path orphan : orphans)
        {
            assertFalse(Files.exists(orphan), orphan + " is swept");
            assertTrue(deleted.contains(orphan), orphan + " is reported: " + deleted);
        }
        assertEquals(new HashSet<>(orphans).size(), new HashSet<>(filesAndDirectories(deleted)).size(),
            "nothing else is deleted: " + deleted);
        assertTrue(Files.exists(notOurs), "a file that is not Weir's is left alone");
        assertTrue(Files.exists(lock), "the lock file is left alone");
        assertTrue(Files.exists(directory.checkpointDirectory(5).resolve("MANIFEST")),
            "a corrupt checkpoint stays for inspection");
        for (final CheckpointManifest manifest : complete)
        {
            final CheckpointDirectory.Listing listing = new CheckpointDirectory.Listing(manifest.checkpointId(),
                manifest.kind(), manifest.kind() == CheckpointKind.SAVEPOINT ?
                directory.savepointDirectory(manifest.checkpointId()) :
                directory.checkpointDirectory(manifest.checkpointId()), true);
            assertEquals(List.of(), directory.verify(listing), listing.toString());
            for (final String name : manifest.fileNames())
            {
                assertTrue(Files.exists(directory.resolve(manifest, name)), name);
            }
        }
        assertEquals(List.of(), directory.sweep(), "a second sweep finds nothing");
    }

    /** Only the top-level paths deleted: a swept directory counts once, not with its files. */
    private List<Path> filesAndDirectories(final List<Path> deleted)
    {
        final List<Path> top = new ArrayList<>();
        for (final Path path : deleted)
        {
            if (!path.getParent().equals(root.resolve("chk-0000000006")) &&
                !path.getParent().equals(root.resolve("savepoint-0000000007")))
            {
                top.add(path);
            }
        }
        return top;
    }

    private CheckpointManifest writeCheckpoint(
        final CheckpointDirectory directory, final long id, final boolean full, final CheckpointKind kind)
    {
        final boolean savepoint = kind == CheckpointKind.SAVEPOINT;
        final CheckpointManifest.Builder builder = CheckpointManifest.builder()
            .checkpointId(id).kind(kind).creationTimeMs(id * 1000).maxParallelism(MAX_PARALLELISM)
            .backendName("heap").addSource("in", id * 100, id * 10);
        for (int shard = 0; shard < SHARDS; shard++)
        {
            final int first = shard * MAX_PARALLELISM / SHARDS;
            final int last = (shard + 1) * MAX_PARALLELISM / SHARDS - 1;
            if (chains.size() <= shard)
            {
                chains.add(new ArrayList<>());
            }
            final SnapshotFileKind fileKind = full || savepoint ? SnapshotFileKind.FULL : SnapshotFileKind.DELTA;
            final SnapshotHeader header = fileKind == SnapshotFileKind.FULL ?
                SnapshotHeader.full("heap", shard, first, last, MAX_PARALLELISM, id, id * 1000) :
                SnapshotHeader.delta("heap", shard, first, last, MAX_PARALLELISM, id, previousId(shard), id * 1000);
            final Path statePath = savepoint ? directory.allocateSavepointFile(shard, id) :
                directory.allocateDataFile(shard, id, fileKind);
            final CheckpointManifest.FileRef state = write(statePath, header, "value@" + id);
            final Path timersPath = directory.dataDirectory(kind, id)
                .resolve("shard-" + shard + "-chk-" + id + ".timers");
            final CheckpointManifest.FileRef timers = write(timersPath,
                SnapshotHeader.full("heap", shard, first, last, MAX_PARALLELISM, id, id * 1000), "timer@" + id);
            final List<CheckpointManifest.FileRef> chain = savepoint ? new ArrayList<>() : chains.get(shard);
            if (fileKind == SnapshotFileKind.FULL)
            {
                chain.clear();
            }
            chain.add(state);
            builder.addShard(new CheckpointManifest.ShardState(shard, first, last, chain, id, 1, timers));
        }
        final CheckpointManifest manifest = builder.build();
        directory.writeManifest(manifest);
        return manifest;
    }

    private long previousId(final int shard)
    {
        final List<CheckpointManifest.FileRef> chain = chains.get(shard);
        final String name = chain.get(chain.size() - 1).name();
        return Long.parseLong(name.substring(name.indexOf("-chk-") + 5, name.indexOf('.')));
    }

    private static CheckpointManifest.FileRef write(final Path path, final SnapshotHeader header, final String value)
    {
        final SnapshotFileResult result;
        try (SnapshotFileWriter writer = SnapshotFileWriter.open(path, header))
        {
            for (int kg = header.firstKeyGroup(); kg <= header.lastKeyGroup(); kg++)
            {
                final byte[] key = ("key-" + kg).getBytes(StandardCharsets.UTF_8);
                final byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
                writer.put(kg, new UnsafeBuffer(key), 0, key.length, new UnsafeBuffer(bytes), 0, bytes.length);
            }
            result = writer.finish();
        }
        return new CheckpointManifest.FileRef(path.getFileName().toString(), result.sizeBytes(), header.fileKind());
    }

    private static Set<String> names(final Path directory) throws IOException
    {
        try (Stream<Path> files = Files.list(directory))
        {
            final Set<String> names = new TreeSet<>();
            files.forEach(p -> names.add(p.getFileName().toString()));
            return names;
        }
    }
}
