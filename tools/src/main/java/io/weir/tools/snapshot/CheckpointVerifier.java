package io.weir.tools.snapshot;

import io.weir.snapshot.CheckpointDirectory;
import io.weir.snapshot.CheckpointManifest;
import io.weir.snapshot.KeyGroupCoverage;
import io.weir.snapshot.SnapshotCorruptException;
import io.weir.snapshot.SnapshotFileKind;
import io.weir.snapshot.SnapshotFileReader;
import io.weir.snapshot.SnapshotHeader;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static io.weir.snapshot.SnapshotFileDescriptor.CHECKPOINT_ID_OFFSET;
import static io.weir.snapshot.SnapshotFileDescriptor.FILE_KIND_OFFSET;
import static io.weir.snapshot.SnapshotFileDescriptor.FIRST_KEY_GROUP_OFFSET;
import static io.weir.snapshot.SnapshotFileDescriptor.MAX_PARALLELISM_OFFSET;
import static io.weir.snapshot.SnapshotFileDescriptor.PARENT_CHECKPOINT_ID_OFFSET;
import static io.weir.snapshot.SnapshotFileDescriptor.SHARD_ID_OFFSET;

/**
 * Checks one checkpoint completely: the manifest's CRC, that its shards tile the key groups, and for every file it
 * references (each shard's state chain and its timers file) that it exists, has the recorded size, passes {@link SnapshotFileReader#verify()} (header, footer,
 * index and every block CRC), that its header agrees with the manifest and that each shard's chain links up. Unlike
 * {@link CheckpointDirectory#verify} it keeps going after the first bad file, and every problem names the file and,
 * where there is one, the byte offset.
 */
final class CheckpointVerifier
{
    /**
     * @param problems   each naming the file, offset and what is wrong; empty if the checkpoint is restorable.
     * @param fileCount  data files referenced.
     * @param totalBytes sum of their recorded sizes.
     */
    record Result(List<String> problems, int fileCount, long totalBytes)
    {
        boolean sound()
        {
            return problems.isEmpty();
        }
    }

    private CheckpointVerifier()
    {
    }

    static Result verify(final CheckpointDirectory directory, final CheckpointDirectory.Listing listing)
    {
        return verify(directory, listing, null);
    }

    /**
     * @param operator the uid of the one operator whose files to verify; null for every operator.
     */
    static Result verify(
        final CheckpointDirectory directory, final CheckpointDirectory.Listing listing, final String operator)
    {
        final List<String> problems = new ArrayList<>();
        if (!listing.complete())
        {
            problems.add(listing.manifestPath() + ": no MANIFEST, the checkpoint is incomplete");
            return new Result(problems, 0, 0);
        }
        final CheckpointManifest whole;
        try
        {
            whole = directory.readManifest(listing);
        }
        catch (final SnapshotCorruptException ex)
        {
            problems.add(oneLine(ex.getMessage()));
            return new Result(problems, 0, 0);
        }
        catch (final RuntimeException ex)
        {
            problems.add(listing.manifestPath() + ": cannot read: " + oneLine(String.valueOf(ex.getMessage())));
            return new Result(problems, 0, 0);
        }
        final List<String> operators = whole.operators();
        if (null != operator && !operators.contains(operator))
        {
            problems.add(listing.manifestPath() + ": --operator " + operator + ": the checkpoint holds no state of " +
                "it; its operators are " + operators);
            return new Result(problems, 0, 0);
        }
        KeyGroupCoverage.check(listing.manifestPath().toString(), whole,
            null != operator ? List.of(operator) : operators, problems);
        final CheckpointManifest manifest = null == operator ? whole : whole.forOperator(operator);
        int fileCount = 0;
        long totalBytes = 0;
        for (final CheckpointManifest.ShardState shard : manifest.shards())
        {
            if (shard.files().isEmpty())
            {
                problems.add(listing.manifestPath() + ": shard " + shard.shardId() + " references no files");
            }
            SnapshotHeader previous = null;
            Path previousPath = null;
            boolean chainReadable = true;
            for (int i = 0; i < shard.files().size(); i++)
            {
                final CheckpointManifest.FileRef file = shard.files().get(i);
                fileCount++;
                totalBytes += file.sizeBytes();
                final SnapshotHeader header = verifyFile(directory, listing, manifest, shard, file,
                    "file " + i + " (" + file.kind() + ") of shard " + shard.shardId() + "'s chain", problems);
                if (header == null)
                {
                    chainReadable = false;
                    continue;
                }
                if (chainReadable)
                {
                    checkLink(directory.resolve(manifest, file.name()), i, previousPath, previous, header, problems);
                }
                previous = header;
                previousPath = directory.resolve(manifest, file.name());
            }
            final CheckpointManifest.FileRef timers = shard.timers();
            if (timers != null)
            {
                fileCount++;
                totalBytes += timers.sizeBytes();
                final SnapshotHeader header = verifyFile(directory, listing, manifest, shard, timers,
                    "the timers file of shard " + shard.shardId(), problems);
                if (header != null && header.fileKind() != SnapshotFileKind.FULL)
                {
                    problems.add(directory.resolve(manifest, timers.name()) + ": offset " + FILE_KIND_OFFSET +
                        ": a timers file must be FULL, found " + header.fileKind());
                }
            }
        }
        final CheckpointManifest.ShardState broadcastShard =
            new CheckpointManifest.ShardState(0, 0, 0, List.of(), Long.MIN_VALUE, 0);
        for (final CheckpointManifest.BroadcastFile broadcast : whole.broadcasts())
        {
            if (null != operator && !operator.equals(broadcast.operator()))
            {
                continue;
            }
            fileCount++;
            totalBytes += broadcast.file().sizeBytes();
            verifyFile(directory, listing, whole, broadcastShard, broadcast.file(),
                "the broadcast state file of operator " + broadcast.operator(), problems);
        }
        return new Result(problems, fileCount, totalBytes);
    }

    /**
     * @return the file's header if it could be read, else null (the problem is recorded).
     */
    private static SnapshotHeader verifyFile(
        final CheckpointDirectory directory,
        final CheckpointDirectory.Listing listing,
        final CheckpointManifest manifest,
        final CheckpointManifest.ShardState shard,
        final CheckpointManifest.FileRef file,
        final String role,
        final List<String> problems)
    {
        final Path path = directory.resolve(manifest, file.name());
        final long sizeBytes;
        try
        {
            sizeBytes = Files.size(path);
        }
        catch (final IOException ex)
        {
            problems.add(path + ": missing: " + role + " in " + listing.manifestPath());
            return null;
        }
        if (sizeBytes < file.sizeBytes())
        {
            problems.add(path + ": offset " + sizeBytes + ": truncated: file ends after " + sizeBytes +
                " bytes, " + listing.manifestPath() + " records " + file.sizeBytes());
            return null;
        }
        if (sizeBytes > file.sizeBytes())
        {
            problems.add(path + ": offset " + file.sizeBytes() + ": " + (sizeBytes - file.sizeBytes()) +
                " bytes beyond the " + file.sizeBytes() + " that " + listing.manifestPath() + " records");
            return null;
        }
        try (SnapshotFileReader reader = SnapshotFileReader.open(path))
        {
            for (final String problem : reader.verify())
            {
                problems.add(oneLine(problem));
            }
            final SnapshotHeader header = reader.header();
            checkHeader(path, manifest, shard, file, header, problems);
            return header;
        }
        catch (final SnapshotCorruptException ex)
        {
            problems.add(oneLine(ex.getMessage()));
        }
        catch (final RuntimeException ex)
        {
            problems.add(path + ": cannot read: " + oneLine(String.valueOf(ex.getMessage())));
        }
        return null;
    }

    static String oneLine(final String message)
    {
        return message.replace("\n", "; ");
    }

    private static void checkHeader(
        final Path path,
        final CheckpointManifest manifest,
        final CheckpointManifest.ShardState shard,
        final CheckpointManifest.FileRef file,
        final SnapshotHeader header,
        final List<String> problems)
    {
        if (header.fileKind() != file.kind())
        {
            problems.add(path + ": offset " + FILE_KIND_OFFSET + ": header says " + header.fileKind() +
                ", the manifest says " + file.kind());
        }
        if (header.shardId() != shard.shardId())
        {
            problems.add(path + ": offset " + SHARD_ID_OFFSET + ": header says shard " + header.shardId() +
                ", the manifest lists it under shard " + shard.shardId());
        }
        if (header.firstKeyGroup() != shard.firstKeyGroup() || header.lastKeyGroup() != shard.lastKeyGroup())
        {
            problems.add(path + ": offset " + FIRST_KEY_GROUP_OFFSET + ": header says key groups [" +
                header.firstKeyGroup() + ", " + header.lastKeyGroup() + "], the manifest says [" +
                shard.firstKeyGroup() + ", " + shard.lastKeyGroup() + "]");
        }
        if (header.maxParallelism() != manifest.maxParallelism())
        {
            problems.add(path + ": offset " + MAX_PARALLELISM_OFFSET + ": header says maxParallelism " +
                header.maxParallelism() + ", the manifest says " + manifest.maxParallelism());
        }
        if (header.checkpointId() > manifest.checkpointId())
        {
            problems.add(path + ": offset " + CHECKPOINT_ID_OFFSET + ": file belongs to checkpoint " +
                header.checkpointId() + ", newer than the manifest's " + manifest.checkpointId());
        }
    }

    private static void checkLink(
        final Path path,
        final int index,
        final Path previousPath,
        final SnapshotHeader previous,
        final SnapshotHeader header,
        final List<String> problems)
    {
        if (index == 0)
        {
            if (header.fileKind() != SnapshotFileKind.FULL)
            {
                problems.add(path + ": offset " + FILE_KIND_OFFSET + ": a chain must start with a FULL file, found " +
                    header.fileKind());
            }
            return;
        }
        if (header.fileKind() != SnapshotFileKind.DELTA)
        {
            problems.add(path + ": offset " + FILE_KIND_OFFSET + ": file " + index +
                " of the chain must be a DELTA, found " + header.fileKind());
        }
        else if (previous != null && header.parentCheckpointId() != previous.checkpointId())
        {
            problems.add(path + ": offset " + PARENT_CHECKPOINT_ID_OFFSET + ": broken chain: parent checkpoint " +
                header.parentCheckpointId() + ", but the previous file of the chain, " + previousPath +
                ", is of checkpoint " + previous.checkpointId());
        }
    }
}
