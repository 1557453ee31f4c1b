package io.weir.snapshot;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An exclusive lock on a directory, held by a job for as long as it reads, writes or deletes files there. It is
 * an operating-system lock ({@link FileChannel#tryLock()}) on the directory's {@code LOCK} file, so it ends with
 * the process that holds it: a killed job does not block the run that resumes it. The file's content (owner, pid,
 * start time) only serves the message that refuses a second job.
 * <p>
 * The operating system grants such locks per process, so the holders of this JVM are also recorded here and a
 * second job of the same JVM is refused without opening the file (closing any channel on a locked file may drop
 * the JVM's lock on it).
 * <p>
 * Thread safe.
 */
public final class DirectoryLock implements AutoCloseable
{
    /** Name of the lock file in the locked directory. */
    public static final String LOCK_FILE_NAME = "LOCK";

    /** Retries when the lock file is deleted or replaced while it is being locked. */
    private static final int MAX_ATTEMPTS = 100;
    private static final int HOLDER_MAX_BYTES = 512;
    private static final ConcurrentHashMap<Path, String> HELD_IN_THIS_JVM = new ConcurrentHashMap<>();

    private final Path directory;
    private final Path lockFile;
    private final String holder;
    private final FileChannel channel;
    private final FileLock lock;
    private boolean closed;

    private DirectoryLock(
        final Path directory, final Path lockFile, final String holder, final FileChannel channel, final FileLock lock)
    {
        this.directory = directory;
        this.lockFile = lockFile;
        this.holder = holder;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Locks {@code directory}, creating it if needed; fails at once if another job holds it.
     *
     * @param directory to lock.
     * @param role      what the directory is, for messages: "checkpoint directory".
     * @param owner     who takes the lock, for messages: "job 'session'".
     * @return the lock; close it when done with the directory.
     * @throws DirectoryLockedException if a job of this or another process holds it.
     */
    public static DirectoryLock acquire(final Path directory, final String role, final String owner)
    {
        final Path absolute = directory.toAbsolutePath().normalize();
        final Path real;
        try
        {
            Files.createDirectories(absolute);
            real = absolute.toRealPath();
        }
        catch (final IOException ex)
        {
            throw SnapshotFiles.unchecked("cannot create " + role + " " + absolute, ex);
        }
        final String holder = owner + " (pid " + ProcessHandle.current().pid() + ", since " +
            Instant.now().truncatedTo(ChronoUnit.SECONDS) + ")";
        final String previous = HELD_IN_THIS_JVM.putIfAbsent(real, holder);
        if (previous != null)
        {
            throw locked(role, absolute, previous + " in this process");
        }
        boolean acquired = false;
        try
        {
            final DirectoryLock lock = lockFile(real, absolute, role, holder);
            acquired = true;
            return lock;
        }
        finally
        {
            if (!acquired)
            {
                HELD_IN_THIS_JVM.remove(real, holder);
            }
        }
    }

    private static DirectoryLock lockFile(final Path real, final Path shown, final String role, final String holder)
    {
        final Path lockFile = real.resolve(LOCK_FILE_NAME);
        try
        {
            for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++)
            {
                final Object keyBefore = fileKey(lockFile);
                if (keyBefore == null && Files.notExists(lockFile))
                {
                    createLockFile(real, lockFile);
                    continue;
                }
                final FileChannel channel;
                try
                {
                    channel = FileChannel.open(lockFile, StandardOpenOption.READ, StandardOpenOption.WRITE);
                }
                catch (final NoSuchFileException ex)
                {
                    continue;
                }
                boolean keep = false;
                try
                {
                    final FileLock lock;
                    try
                    {
                        lock = channel.tryLock();
                    }
                    catch (final OverlappingFileLockException ex)
                    {
                        throw locked(role, shown, "another job in this process");
                    }
                    if (lock == null)
                    {
                        throw locked(role, shown, readHolder(channel));
                    }
                    if (keyBefore != null && !keyBefore.equals(fileKey(lockFile)))
                    {
                        // The holder deleted the file while we opened it: what we locked is no longer the lock.
                        lock.release();
                        continue;
                    }
                    final byte[] bytes = (holder + "\n").getBytes(StandardCharsets.UTF_8);
                    channel.truncate(0);
                    final ByteBuffer buffer = ByteBuffer.wrap(bytes);
                    while (buffer.hasRemaining())
                    {
                        channel.write(buffer, buffer.position());
                    }
                    keep = true;
                    return new DirectoryLock(real, lockFile, holder, channel, lock);
                }
                finally
                {
                    if (!keep)
                    {
                        channel.close();
                    }
                }
            }
        }
        catch (final IOException ex)
        {
            throw SnapshotFiles.unchecked("cannot lock " + role + " " + shown + " with " + lockFile, ex);
        }
        throw new IllegalStateException("cannot lock " + role + " " + shown + ": its " + LOCK_FILE_NAME +
            " file was replaced " + MAX_ATTEMPTS + " times while being locked");
    }

    private static void createLockFile(final Path directory, final Path lockFile) throws IOException
    {
        try
        {
            Files.createFile(lockFile);
        }
        catch (final FileAlreadyExistsException ignore)
        {
            // another process created it first: lock that one
        }
        catch (final NoSuchFileException ex)
        {
            Files.createDirectories(directory);
        }
    }

    /** The file's identity (device and inode), or null if it is missing or the platform has none. */
    private static Object fileKey(final Path path) throws IOException
    {
        try
        {
            return Files.readAttributes(path, BasicFileAttributes.class).fileKey();
        }
        catch (final NoSuchFileException ex)
        {
            return null;
        }
    }

    private static String readHolder(final FileChannel channel) throws IOException
    {
        final ByteBuffer buffer = ByteBuffer.allocate(HOLDER_MAX_BYTES);
        while (buffer.hasRemaining() && channel.read(buffer, buffer.position()) > 0)
        {
            // read what the holder recorded, up to the limit
        }
        final String content = new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8).strip();
        final int newline = content.indexOf('\n');
        final String line = newline < 0 ? content : content.substring(0, newline);
        return line.isEmpty() ? "another process" : line;
    }

    private static DirectoryLockedException locked(final String role, final Path directory, final String holder)
    {
        return new DirectoryLockedException(directory, role + " " + directory + " is in use by " + holder +
            "; two running jobs must not share it: stop that job or use another directory");
    }

    /**
     * @return the locked directory (its real path).
     */
    public Path directory()
    {
        return directory;
    }

    /**
     * @return who holds the lock, as recorded in the lock file.
     */
    public String holder()
    {
        return holder;
    }

    /**
     * Deletes the lock file while still holding it, then releases the lock: for a directory about to be removed.
     * A job that opened the file in the meantime notices that it was replaced and locks the new one.
     */
    public synchronized void closeAndDeleteLockFile()
    {
        if (closed)
        {
            return;
        }
        try
        {
            Files.deleteIfExists(lockFile);
        }
        catch (final IOException ex)
        {
            close();
            throw SnapshotFiles.unchecked("cannot delete lock file " + lockFile, ex);
        }
        close();
    }

    /**
     * Releases the lock; the lock file stays. Idempotent.
     */
    public synchronized void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        try (FileChannel toClose = channel)
        {
            lock.release();
        }
        catch (final IOException ex)
        {
            throw SnapshotFiles.unchecked("cannot release lock file " + lockFile, ex);
        }
        finally
        {
            HELD_IN_THIS_JVM.remove(directory, holder);
        }
    }

    public String toString()
    {
        return "DirectoryLock{" + directory + ", " + holder + (closed ? ", released}" : "}");
    }
}
