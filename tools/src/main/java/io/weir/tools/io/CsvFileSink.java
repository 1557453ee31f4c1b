package io.weir.tools.io;

import io.weir.api.connector.SinkWriter;
import io.weir.api.connector.TransactionalSinkWriter;
import io.weir.api.connector.TransactionalSinkWriter.PartPosition;
import io.weir.engine.TransactionalSinkFactory;
import io.weir.snapshot.DirectoryLock;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A CSV file output that appears whole or not at all, and exactly once across crashes.
 * <p>
 * Each shard writes a part file in a hidden directory next to the target ({@code .NAME.parts/}), named by run attempt
 * and shard. When the job succeeds the other parts are appended to the largest, which is fsynced, linked under a
 * temporary name beside the target and renamed onto it atomically (row order is free: the output holds each part's rows
 * in order, one part after another); only the other parts' rows are copied. The largest part keeps its name, and its
 * rows, until the parts are removed: a restore before then (a crash between publication and the record of the job's
 * end) finds its file to have another name and copies its committed rows into a part of its own before cutting that
 * back, so the published output stays whole. Where the file system has no hard links, the largest part is copied to the
 * temporary name instead. With checkpoints, parts are transactional: at each snapshot point a writer reports its part's
 * length (pre-commit), the checkpoint fsyncs it and records the length in its manifest (commit); a restore cuts every
 * part back to its committed length and deletes parts no checkpoint committed, and the new run writes new parts.
 * Without checkpoints, a failed job's parts are deleted.
 * <p>
 * The part directory is locked ({@link DirectoryLock}) from the first step that reads or changes it
 * ({@link #startFresh}, {@link #restore}, {@link #createWriter}) until the job is over, so that a second job
 * writing the same output is refused instead of deleting this one's parts. Durability: a part file's directory
 * entry is fsynced when it is created, before any checkpoint can name it; the published output is fsynced,
 * renamed, and its directory fsynced. With checkpoints the parts outlive the publication until the job's end is
 * recorded ({@link #onFinishRecorded}): a crash in between resumes from a checkpoint, which needs them.
 * <p>
 * Writers run on shard threads, the rest on the thread building and awaiting the job; the factory's methods are
 * synchronized.
 */
public final class CsvFileSink<T> implements TransactionalSinkFactory<T>
{
    private static final int BUFFER_BYTES = 1 << 16;
    /**
     * An output being assembled in the part directory, as Weir did before publishing into the largest part: deleted
     * where a restore or fresh start finds one (part files' names start with {@code a}).
     */
    private static final String ASSEMBLY_NAME = "output.assembling";
    /** A part's committed rows being copied aside by a restore, to replace a part that is the published output. */
    private static final String RESTORING_PREFIX = "r-";

    private final Path target;
    private final Path partsDirectory;
    private final String sinkId;
    private final RowFormatter<T> formatter;
    private final SinkFileOperations files;
    private DirectoryLock partsLock;
    private int attempt = 1;
    private boolean checkpointed;
    private boolean prepared;

    public CsvFileSink(final Path target, final RowFormatter<T> formatter)
    {
        this(target, formatter, SinkFileOperations.DURABLE);
    }

    CsvFileSink(final Path target, final RowFormatter<T> formatter, final SinkFileOperations files)
    {
        this.target = target.toAbsolutePath();
        this.partsDirectory = this.target.resolveSibling("." + this.target.getFileName() + ".parts");
        this.sinkId = this.target.getFileName().toString();
        this.formatter = formatter;
        this.files = files;
    }

    public Path target()
    {
        return target;
    }

    /**
     * @return the hidden directory of the part files, {@code .NAME.parts/} next to the target.
     */
    public Path partsDirectory()
    {
        return partsDirectory;
    }

    public String sinkId()
    {
        return sinkId;
    }

    public synchronized void startFresh()
    {
        lockParts();
        checkpointed = true;
        clearParts();
        prepared = true;
    }


    /** Appends {@code part}'s bytes {@code [from, to)} to {@code out}, at its position. */
    private static void copy(final Path part, final long from, final long to, final FileChannel out)
        throws IOException
    {
        try (FileChannel in = FileChannel.open(part, StandardOpenOption.READ))
        {
            long position = from;
            while (position < to)
            {
                final long copied = in.transferTo(position, to - position, out);
                if (copied <= 0)
                {
                    throw new IOException("part file " + part + " ended at " + position + " bytes, before " + to);
                }
                position += copied;
            }
        }
    }

    public synchronized void restore(final Map<String, Long> committedLengths)
    {
        lockParts();
        checkpointed = true;
        prepared = true;
        // Check before changing anything: a restore that cannot succeed leaves the parts as they are.
        for (final Map.Entry<String, Long> entry : committedLengths.entrySet())
        {
            if (entry.getKey().startsWith(sinkId + "/") && entry.getValue() > 0 &&
                Files.notExists(partsDirectory.resolve(entry.getKey().substring(sinkId.length() + 1))))
            {
                throw new IllegalStateException("part file " + entry.getKey() + " committed by the checkpoint is " +
                    "missing from " + partsDirectory + ": cannot restore exactly-once output");
            }
        }
        int maxAttempt = 0;
        deleteLeftovers();
        for (final Path part : parts())
        {
            final String partName = partName(part);
            final Long committed = committedLengths.get(partName);
            try
            {
                if (committed == null)
                {
                    files.delete(part);
                    continue;
                }
                maxAttempt = Math.max(maxAttempt, attemptOf(part));
                if (mayHaveOtherNames(part))
                {
                    // The published output (a crash came after publication, before the job's end was recorded),
                    // wherever it is now: its committed rows go to a file of their own, which takes the part's name,
                    // and the output stays whole.
                    separateFromTarget(part, committed);
                    continue;
                }
                try (FileChannel channel = FileChannel.open(part, StandardOpenOption.WRITE))
                {
                    if (channel.size() < committed)
                    {
                        throw new IllegalStateException("part file " + part + " holds " + channel.size() +
                            " bytes but the checkpoint committed " + committed + "; the output was lost or altered");
                    }
                    channel.truncate(committed);
                    files.forceFile(channel, part);
                }
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException("cannot roll back part file " + part + ": " + ex.getMessage(), ex);
            }
        }
        forceDirectory(partsDirectory);
        attempt = maxAttempt + 1;
    }

    /**
     * Whether another name may lead to the part's file: its link count, where the file system tells it, is above one
     * (the published target, or where a reader moved or linked it); where it does not tell, always.
     */
    private static boolean mayHaveOtherNames(final Path part) throws IOException
    {
        try
        {
            return ((Number)Files.getAttribute(part, "unix:nlink")).intValue() > 1;
        }
        catch (final UnsupportedOperationException | IllegalArgumentException ex)
        {
            return true;
        }
    }

    /**
     * Replaces {@code part}, which may also be the published output, with a file of its first {@code committed} bytes,
     * made aside and renamed onto its name (durable once the part directory is fsynced).
     */
    private void separateFromTarget(final Path part, final long committed) throws IOException
    {
        final long size = Files.size(part);
        if (size < committed)
        {
            throw new IllegalStateException("part file " + part + " holds " + size + " bytes but the checkpoint " +
                "committed " + committed + "; the output was lost or altered");
        }
        final Path aside = part.resolveSibling(RESTORING_PREFIX + part.getFileName());
        try (FileChannel out = FileChannel.open(aside, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING))
        {
            copy(part, 0, committed, out);
            files.forceFile(out, aside);
        }
        files.moveAtomically(aside, part);
    }

    /**
     * Deletes what a crash can leave beside the parts: the temporary name of an output being published (a second
     * name of a part, or a copy of one), a part being separated from the target, and an output being assembled by an
     * older Weir.
     */
    private void deleteLeftovers()
    {
        try
        {
            if (Files.exists(temporaryTarget()))
            {
                files.delete(temporaryTarget());
            }
            if (Files.isDirectory(partsDirectory))
            {
                try (Stream<Path> entries = Files.list(partsDirectory))
                {
                    for (final Path entry : (Iterable<Path>)entries::iterator)
                    {
                        final String name = entry.getFileName().toString();
                        if (name.startsWith(RESTORING_PREFIX) || name.equals(ASSEMBLY_NAME))
                        {
                            files.delete(entry);
                        }
                    }
                }
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot clean up " + partsDirectory + ": " + ex.getMessage(), ex);
        }
    }

    public synchronized SinkWriter<T> createWriter(final int shardId, final int shards)
    {
        if (!prepared)
        {
            lockParts();
            clearParts();
            prepared = true;
        }
        final String fileName = "a" + attempt + "-s" + shardId;
        final Path part = partsDirectory.resolve(fileName);
        try
        {
            final FileChannel channel = FileChannel.open(part, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            try
            {
                // A checkpoint will name this file: its directory entry must be durable before that.
                files.forceDirectory(partsDirectory);
            }
            catch (final IOException ex)
            {
                channel.close();
                throw ex;
            }
            return new Writer<>(sinkId + "/" + fileName, part, channel, formatter);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot create output part file " + part + ": " + ex.getMessage(), ex);
        }
    }

    public synchronized void onJobSucceeded()
    {
        lockParts();
        publish();
        if (!checkpointed)
        {
            removeParts();
        }
    }

    /**
     * Appends the other parts to the largest (an empty file where there is no part), fsyncs it, links it under a
     * temporary name beside the target (or copies it there, where the file system has no hard links) and renames
     * that onto the target. The largest part keeps its name until the parts are removed.
     */
    private void publish()
    {
        final Path temp = temporaryTarget();
        boolean renamed = false;
        try
        {
            final List<Path> parts = parts();
            if (Files.exists(temp))
            {
                files.delete(temp);
            }
            if (parts.isEmpty())
            {
                try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE))
                {
                    files.forceFile(out, temp);
                }
            }
            else
            {
                final Path largest = largest(parts);
                try (FileChannel out = FileChannel.open(largest, StandardOpenOption.WRITE))
                {
                    out.position(out.size());
                    for (final Path part : parts)
                    {
                        if (!part.equals(largest))
                        {
                            copy(part, 0, Files.size(part), out);
                        }
                    }
                    files.forceFile(out, largest);
                }
                linkOrCopy(largest, temp);
            }
            files.moveAtomically(temp, target);
            renamed = true;
            files.forceDirectory(target.getParent());
        }
        catch (final IOException ex)
        {
            final UncheckedIOException failure =
                new UncheckedIOException("cannot publish output " + target + ": " + ex.getMessage(), ex);
            if (!renamed)
            {
                try
                {
                    Files.deleteIfExists(temp);
                }
                catch (final IOException cleanup)
                {
                    failure.addSuppressed(cleanup);
                }
            }
            throw failure;
        }
    }

    private static Path largest(final List<Path> parts) throws IOException
    {
        Path largest = parts.get(0);
        long largestSize = Files.size(largest);
        for (final Path part : parts)
        {
            final long size = Files.size(part);
            if (size > largestSize)
            {
                largest = part;
                largestSize = size;
            }
        }
        return largest;
    }

    /** A hard link {@code link} to {@code part}; where the file system has none, a durable copy of it. */
    private void linkOrCopy(final Path part, final Path link) throws IOException
    {
        try
        {
            files.link(link, part);
            return;
        }
        catch (final UnsupportedOperationException | FileSystemException ex)
        {
            Files.deleteIfExists(link); // no link made: copied below
        }
        try (FileChannel out = FileChannel.open(link, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE))
        {
            copy(part, 0, Files.size(part), out);
            files.forceFile(out, link);
        }
    }

    /** The name beside the target under which publication makes the output before renaming it onto the target. */
    private Path temporaryTarget()
    {
        return target.resolveSibling("." + target.getFileName() + ".tmp");
    }

    /** The output is published and the job's end recorded: no restore needs the parts; remove them. */
    public synchronized void onFinishRecorded()
    {
        removeParts();
    }

    public synchronized void onJobFailed()
    {
        if (partsLock == null)
        {
            return;
        }
        if (!checkpointed)
        {
            removeParts();
        }
        else
        {
            partsLock.close();
            partsLock = null;
        }
    }

    private void lockParts()
    {
        if (partsLock != null)
        {
            return;
        }
        final boolean created = Files.notExists(partsDirectory);
        partsLock = DirectoryLock.acquire(partsDirectory, "output part directory", "the job writing " + target);
        if (created)
        {
            forceDirectory(partsDirectory.getParent());
        }
    }

    /** Deletes the part files, the lock file and the part directory, releasing the lock. */
    private void removeParts()
    {
        if (partsLock == null)
        {
            return;
        }
        clearParts();
        partsLock.closeAndDeleteLockFile();
        partsLock = null;
        try
        {
            Files.deleteIfExists(partsDirectory);
        }
        catch (final DirectoryNotEmptyException ex)
        {
            // another job took the directory as soon as this one let it go: it is that job's now
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot delete " + partsDirectory + ": " + ex.getMessage(), ex);
        }
    }

    private List<Path> parts()
    {
        if (!Files.isDirectory(partsDirectory))
        {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(partsDirectory))
        {
            final List<Path> parts = new ArrayList<>();
            entries.filter(p -> p.getFileName().toString().startsWith("a")).sorted().forEach(parts::add);
            return parts;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot list " + partsDirectory + ": " + ex.getMessage(), ex);
        }
    }

    private String partName(final Path part)
    {
        return sinkId + "/" + part.getFileName();
    }

    private static int attemptOf(final Path part)
    {
        final String name = part.getFileName().toString();
        return Integer.parseInt(name.substring(1, name.indexOf("-s")));
    }

    private void clearParts()
    {
        for (final Path part : parts())
        {
            deleteQuietly(part);
        }
        deleteLeftovers();
    }

    private void forceDirectory(final Path directory)
    {
        try
        {
            files.forceDirectory(directory);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot fsync directory " + directory + ": " + ex.getMessage(), ex);
        }
    }

    private void deleteQuietly(final Path path)
    {
        try
        {
            files.delete(path);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot delete " + path + ": " + ex.getMessage(), ex);
        }
    }

    private static final class Writer<T> implements TransactionalSinkWriter<T>
    {
        private final String partName;
        private final Path path;
        private final FileChannel channel;
        private final CsvLineWriter lines;
        private final RowFormatter<T> formatter;

        Writer(final String partName, final Path path, final FileChannel channel, final RowFormatter<T> formatter)
        {
            this.partName = partName;
            this.path = path;
            this.channel = channel;
            this.lines = new CsvLineWriter(Channels.newOutputStream(channel), BUFFER_BYTES);
            this.formatter = formatter;
        }

        public void collect(final T value)
        {
            formatter.format(value, lines);
        }

        public PartPosition preCommit()
        {
            lines.flush();
            try
            {
                return new PartPosition(partName, path, channel.position());
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException("cannot read the length of part file " + path, ex);
            }
        }

        public void onEndOfInput()
        {
            lines.flush();
        }

        public void close()
        {
            lines.close();
        }
    }
}
