package io.weir.snapshot;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * File-system steps shared by the writers: durable, atomic publication.
 */
final class SnapshotFiles
{
    private SnapshotFiles()
    {
    }

    /**
     * Renames {@code tmp} to {@code target} atomically, then fsyncs the directory so the rename survives a crash.
     */
    static void publish(final Path tmp, final Path target) throws IOException
    {
        try
        {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        }
        catch (final AtomicMoveNotSupportedException ex)
        {
            throw new IOException("file system cannot rename atomically " + tmp + " -> " + target, ex);
        }
        forceDirectory(target.toAbsolutePath().getParent());
    }

    /**
     * fsyncs a directory so that entries created, renamed or deleted in it are durable.
     */
    static void forceDirectory(final Path directory) throws IOException
    {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ))
        {
            channel.force(true);
        }
    }

    static Path tmpPath(final Path target)
    {
        return target.resolveSibling(target.getFileName().toString() + SnapshotFileDescriptor.TMP_SUFFIX);
    }

    static void deleteQuietly(final Path path)
    {
        try
        {
            Files.deleteIfExists(path);
        }
        catch (final IOException ignore)
        {
            // best effort clean-up of a file that is not published; the original failure is what matters
        }
    }

    static UncheckedIOException unchecked(final String message, final IOException ex)
    {
        return new UncheckedIOException(message + ": " + ex.getMessage(), ex);
    }
}
