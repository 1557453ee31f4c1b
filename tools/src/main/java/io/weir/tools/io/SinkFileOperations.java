package io.weir.tools.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The file-system steps of {@link CsvFileSink} whose order makes its output survive a power loss: fsync a file's
 * data, link, rename, fsync a directory's entries, delete. The sink calls them on the thread building and awaiting
 * the job; a test substitutes one that records the order.
 */
interface SinkFileOperations
{
    /** The real steps. */
    SinkFileOperations DURABLE = new SinkFileOperations()
    {
    };

    /** Makes the file's data durable. */
    default void forceFile(final FileChannel channel, final Path path) throws IOException
    {
        channel.force(true);
    }

    /** Makes the entries created, renamed or deleted in {@code directory} durable. */
    default void forceDirectory(final Path directory) throws IOException
    {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ))
        {
            channel.force(true);
        }
    }

    /**
     * Makes {@code link} a second name of the file {@code existing}.
     *
     * @throws UnsupportedOperationException or a {@link java.nio.file.FileSystemException} where the file system has
     * no hard links.
     */
    default void link(final Path link, final Path existing) throws IOException
    {
        Files.createLink(link, existing);
    }

    /** Renames {@code from} onto {@code to} atomically, replacing it. */
    default void moveAtomically(final Path from, final Path to) throws IOException
    {
        Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Deletes the file if it exists. */
    default void delete(final Path path) throws IOException
    {
        Files.deleteIfExists(path);
    }
}
