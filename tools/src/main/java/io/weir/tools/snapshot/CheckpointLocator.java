package io.weir.tools.snapshot;

import io.weir.snapshot.CheckpointDirectory;
import io.weir.snapshot.CheckpointKind;
import io.weir.snapshot.CheckpointManifest;
import io.weir.snapshot.SnapshotCorruptException;
import io.weir.tools.common.UsageException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.weir.snapshot.ManifestDescriptor.MANIFEST_FILE_NAME;

/**
 * Turns a CHECKPOINT argument into the checkpoint it names: a {@code chk-NNNNNNNNNN} or
 * {@code savepoint-NNNNNNNNNN} directory, its MANIFEST, or a checkpoint root with {@code --id N}.
 */
final class CheckpointLocator
{
    private static final Pattern CHECKPOINT_DIR = Pattern.compile("chk-(\\d{10})");
    private static final Pattern SAVEPOINT_DIR = Pattern.compile("savepoint-(\\d{10})");

    /**
     * A checkpoint found on disk.
     *
     * @param directory the root it belongs to.
     * @param listing   the checkpoint or savepoint directory.
     */
    record Located(CheckpointDirectory directory, CheckpointDirectory.Listing listing)
    {
        /** Name of the checkpoint's directory, e.g. {@code chk-0000000008}. */
        String label()
        {
            return listing.directory().getFileName().toString();
        }

        /**
         * @return the manifest, CRC-checked.
         * @throws SnapshotToolException if the checkpoint is incomplete or its manifest unreadable.
         */
        CheckpointManifest readManifest()
        {
            if (!listing.complete())
            {
                throw new SnapshotToolException(listing.manifestPath() + ": no MANIFEST, " + label() +
                    " is incomplete (the checkpoint never finished)");
            }
            try
            {
                return directory.readManifest(listing);
            }
            catch (final SnapshotCorruptException ex)
            {
                throw new SnapshotToolException(ex.getMessage());
            }
        }
    }

    private CheckpointLocator()
    {
    }

    /**
     * @param command naming the caller in messages.
     * @param arg     the CHECKPOINT argument.
     * @param id      the {@code --id} value, or -1 if not given.
     * @return the checkpoint.
     * @throws SnapshotToolException if nothing is there; UsageException if the argument names no checkpoint.
     */
    static Located locate(final String command, final String arg, final long id)
    {
        Path path = Path.of(arg).toAbsolutePath().normalize();
        if (!Files.exists(path))
        {
            throw new SnapshotToolException(command + ": " + path + ": no such file or directory");
        }
        if (Files.isRegularFile(path) && path.getFileName().toString().equals(MANIFEST_FILE_NAME))
        {
            path = path.getParent();
        }
        if (!Files.isDirectory(path))
        {
            throw new UsageException(command + ": " + arg + " is neither a checkpoint directory nor a MANIFEST");
        }
        final String name = path.getFileName() == null ? "" : path.getFileName().toString();
        final Matcher checkpoint = CHECKPOINT_DIR.matcher(name);
        final Matcher savepoint = SAVEPOINT_DIR.matcher(name);
        if (checkpoint.matches() || savepoint.matches())
        {
            if (id >= 0)
            {
                throw new UsageException(command + ": --id applies to a checkpoint root DIR, not to " + name);
            }
            final boolean isCheckpoint = checkpoint.matches();
            final long checkpointId = Long.parseLong((isCheckpoint ? checkpoint : savepoint).group(1));
            final CheckpointDirectory directory = new CheckpointDirectory(path.getParent());
            return new Located(directory, new CheckpointDirectory.Listing(checkpointId,
                isCheckpoint ? CheckpointKind.CHECKPOINT : CheckpointKind.SAVEPOINT, path,
                Files.isRegularFile(path.resolve(MANIFEST_FILE_NAME))));
        }
        if (id < 0)
        {
            throw new UsageException(command + ": " + arg + " is not a chk-NNNNNNNNNN or savepoint-NNNNNNNNNN " +
                "directory; to pick one from a checkpoint root, add --id N");
        }
        final CheckpointDirectory directory = openRoot(command, path);
        CheckpointDirectory.Listing found = null;
        for (final CheckpointDirectory.Listing listing : directory.list())
        {
            if (listing.checkpointId() == id && (found == null || listing.kind() == CheckpointKind.CHECKPOINT))
            {
                found = listing;
            }
        }
        if (found == null)
        {
            throw new SnapshotToolException(command + ": " + path + ": no checkpoint or savepoint with id " + id);
        }
        return new Located(directory, found);
    }

    /**
     * Opens a checkpoint root: a directory holding {@code shared/} or checkpoint and savepoint directories.
     * ({@link CheckpointDirectory} creates {@code shared/} if it is missing, so arbitrary directories are refused
     * here rather than written to.)
     */
    static CheckpointDirectory openRoot(final String command, final Path root)
    {
        if (!Files.isDirectory(root))
        {
            throw new SnapshotToolException(command + ": " + root + ": no such directory");
        }
        final String name = root.getFileName() == null ? "" : root.getFileName().toString();
        if (CHECKPOINT_DIR.matcher(name).matches() || SAVEPOINT_DIR.matcher(name).matches())
        {
            throw new UsageException(command + ": " + root + " is a checkpoint, not a checkpoint root; pass its " +
                "parent directory");
        }
        if (!Files.isDirectory(root.resolve(CheckpointDirectory.SHARED_DIR_NAME)) && !hasCheckpoints(root))
        {
            throw new SnapshotToolException(command + ": " + root + ": not a checkpoint root (no shared/, chk-* " +
                "or savepoint-* directory)");
        }
        return new CheckpointDirectory(root);
    }

    private static boolean hasCheckpoints(final Path root)
    {
        try (java.util.stream.Stream<Path> children = Files.list(root))
        {
            return children.anyMatch(child ->
            {
                final String name = child.getFileName().toString();
                return Files.isDirectory(child) &&
                    (CHECKPOINT_DIR.matcher(name).matches() || SAVEPOINT_DIR.matcher(name).matches());
            });
        }
        catch (final java.io.IOException ex)
        {
            throw new SnapshotToolException(root + ": cannot list: " + ex.getMessage());
        }
    }
}
