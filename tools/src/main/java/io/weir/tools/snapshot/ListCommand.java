package io.weir.tools.snapshot;

import io.weir.snapshot.CheckpointDirectory;
import io.weir.snapshot.CheckpointManifest;
import io.weir.snapshot.SnapshotCorruptException;
import io.weir.snapshot.SnapshotFileKind;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/** {@code weir snapshot list DIR}: every checkpoint and savepoint under a checkpoint root, newest last. */
@Command(
    name = "list",
    customSynopsis = "weir snapshot list DIR",
    header = "every checkpoint and savepoint under the checkpoint root DIR",
    description = {
        "Lists every checkpoint and savepoint under the checkpoint root DIR, oldest first: directory, kind, id,",
        "creation time (UTC), complete or not, the mix of FULL and DELTA files, total size, and per shard its",
        "chain of files (base + deltas). Manifests are CRC-checked; data files are not (see 'verify')."})
final class ListCommand extends SnapshotCommand.Subcommand
{
    @Parameters(index = "0", paramLabel = "DIR", description = "a checkpoint root (--checkpoint-dir of a job)")
    private String root;

    ListCommand(final PrintStream out, final PrintStream err)
    {
        super(out, err);
    }

    @Override
    int run()
    {
        final CheckpointDirectory directory = CheckpointLocator.openRoot(command(),
            java.nio.file.Path.of(root).toAbsolutePath().normalize());
        final List<CheckpointDirectory.Listing> listings = directory.list();
        if (listings.isEmpty())
        {
            out.println("no checkpoints or savepoints in " + directory.root());
            return 0;
        }
        int complete = 0;
        for (final CheckpointDirectory.Listing listing : listings)
        {
            complete += print(out, directory, listing) ? 1 : 0;
        }
        out.println(listings.size() + " checkpoint(s) and savepoint(s) in " + directory.root() + ", " + complete +
            " complete");
        return 0;
    }

    /**
     * @return true if the listing is complete with a readable manifest.
     */
    private static boolean print(
        final PrintStream out, final CheckpointDirectory directory, final CheckpointDirectory.Listing listing)
    {
        final String head = String.format(Locale.ROOT, "%-22s %-10s id %-6d", listing.directory().getFileName(),
            listing.kind().label(), listing.checkpointId());
        if (!listing.complete())
        {
            out.println(head + " -                        incomplete (no MANIFEST)");
            return false;
        }
        final CheckpointManifest manifest;
        try
        {
            manifest = directory.readManifest(listing);
        }
        catch (final SnapshotCorruptException ex)
        {
            out.println(head + " -                        unreadable: " + ex.getMessage());
            return false;
        }
        int full = 0;
        int delta = 0;
        long totalBytes = 0;
        for (final CheckpointManifest.ShardState shard : manifest.shards())
        {
            for (final CheckpointManifest.FileRef file : shard.files())
            {
                full += file.kind() == SnapshotFileKind.FULL ? 1 : 0;
                delta += file.kind() == SnapshotFileKind.DELTA ? 1 : 0;
                totalBytes += file.sizeBytes();
            }
        }
        out.println(String.format(Locale.ROOT, "%s %-24s complete   %d full + %d delta, %d bytes, %d shard(s)", head,
            Instant.ofEpochMilli(manifest.creationTimeMs()), full, delta, totalBytes, manifest.shards().size()));
        for (final CheckpointManifest.ShardState shard : manifest.shards())
        {
            final StringBuilder chain = new StringBuilder();
            for (final CheckpointManifest.FileRef file : shard.files())
            {
                chain.append(chain.length() == 0 ? "" : " + ").append(file.name());
            }
            out.println("    shard " + shard.shardId() + " [" + shard.firstKeyGroup() + ", " + shard.lastKeyGroup() +
                "]: " + chain);
        }
        return true;
    }
}
