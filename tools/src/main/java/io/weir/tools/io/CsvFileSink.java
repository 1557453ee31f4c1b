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
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A CSV file output that appears whole or not at all, and exactly once across crashes.
 * <p>
 * Each shard writes a part file in a hidden directory next to the target ({@code .NAME.parts/}), named by run
 * attempt and shard. When the job succeeds the parts are concatenated into a temporary file, fsynced, and
 * renamed onto the target atomically. With checkpoints the concatenation starts early: once a checkpoint is
 * complete, the rows its parts committed since the last one are appended to the output being assembled in the part
 * directory, and fsynced, on the checkpoint thread, so that publication copies and fsyncs only the rows written
 * since (row order is free: the output holds each part's rows in order, the parts' runs interleaved by checkpoint).
 * A restore or fresh start deletes an output being assembled; an append that fails deletes it too, and publication
 * then concatenates every part whole. With checkpoints, parts are transactional: at each snapshot point a writer
 * reports its part's length (pre-commit), the checkpoint fsyncs it and records the length in its manifest
 * (commit); a restore cuts every part back to its committed length and deletes parts no checkpoint committed, and
 * the new run writes new parts. Without checkpoints, a failed job's parts are deleted.
 * <p>
 * The part directory is locked ({@link DirectoryLock}) from the first step that reads or changes it
 * ({@link #startFresh}, {@link #restore}, {@link #createWriter}) until the job is over, so that a second job
 * writing the same output is refused instead of deleting this one's parts. Durability: a part file's directory
 * entry is fsynced when it is created, before any checkpoint can name it; the published output is fsynced,
 * renamed, and its directory fsynced. With checkpoints the parts outlive the publication until the job's end is
 * recorded ({@link #onFinishRecorded}): a crash in between resumes from a checkpoint, which needs them.
 * <p>
 * Writers run on shard threads, {@link #onPartsCommitted} on the checkpoint thread, the rest on the thread building
 * and awaiting the job; the factory's methods are synchronized.
 */
public final class CsvFileSink<T> implements TransactionalSinkFactory<T>
{
    private static final int BUFFER_BYTES = 1 << 16;
    /** The output being assembled, in the part directory (part files' names start with {@code a}). */
    private static final String ASSEMBLY_NAME = "output.assembling";

    private final Path target;
    private final Path partsDirectory;
    private final String sinkId;
    private final RowFormatter<T> formatter;
    private final SinkFileOperations files;
    private DirectoryLock partsLock;
    private int attempt = 1;
    private boolean checkpointed;
    private boolean prepared;
    /** Open from the first committed part rows appended until publication, or until an append fails. */
    private FileChannel assembly;
    /** Bytes of each part (by its path) appended to {@link #assembly}, from its start. */
    private final Map<Path, Long> assembled = new HashMap<>();
    /** Why the assembly was given up, kept for the publication's failure; null when it was not. */
    private IOException assemblyFailure;
    private boolean published;

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
        forgetAssembly();
        clearParts();
        prepared = true;
    }

    /** A new run of this sink: nothing assembled or published yet (the file, if any, is deleted next). */
    private void forgetAssembly()
    {
        closeAssembly();
        assembled.clear();
        assemblyFailure = null;
        published = false;
    }

    /**
     * Appends each of this sink's parts' rows that {@code parts} commits and the output being assembled does not
     * hold yet, then fsyncs it. An append that fails gives the assembly up (its failure kept for a publication that
     * fails too): publication then concatenates every part whole.
     */
    public synchronized void onPartsCommitted(final List<PartPosition> parts)
    {
        if (published || null == partsLock || (null == assembly && null != assemblyFailure))
        {
            return;
        }
        final Path path = assemblyPath();
        try
        {
            if (null == assembly)
            {
                assembly = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING);
            }
            boolean appended = false;
            for (final PartPosition part : parts)
            {
                // This sink's parts: another sink's target may have the same file name, not the same directory.
                if (partsDirectory.equals(part.path().getParent()))
                {
                    appended |= append(part.path(), part.lengthBytes());
                }
            }
            if (appended)
            {
                files.forceFile(assembly, path);
            }
        }
        catch (final IOException ex)
        {
            assemblyFailure = ex;
            closeAssembly();
            assembled.clear();
            deleteAssembly();
        }
    }

    /** Appends {@code part}'s bytes from what the assembly holds of it up to {@code length}; true if any. */
    private boolean append(final Path part, final long length) throws IOException
    {
        final long from = assembled.getOrDefault(part, 0L);
        if (length <= from)
        {
            return false;
        }
        copy(part, from, length, assembly);
        assembled.put(part, length);
        return true;
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

    private Path assemblyPath()
    {
        return partsDirectory.resolve(ASSEMBLY_NAME);
    }

    /** Closes the output being assembled, if open; a close that fails gives it up like a failed append. */
    private void closeAssembly()
    {
        if (null == assembly)
        {
            return;
        }
        try
        {
            assembly.close();
        }
        catch (final IOException ex)
        {
            if (null == assemblyFailure)
            {
                assemblyFailure = ex;
            }
            else
            {
                assemblyFailure.addSuppressed(ex);
            }
        }
        assembly = null;
    }

    public synchronized void restore(final Map<String, Long> committedLengths)
    {
        lockParts();
        checkpointed = true;
        prepared = true;
        forgetAssembly();
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
            maxAttempt = Math.max(maxAttempt, attemptOf(part));
        }
        deleteAssembly();
        forceDirectory(partsDirectory);
        attempt = maxAttempt + 1;
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
        if (null != assembly)
        {
            publishAssembly();
        }
        else
        {
            publishConcatenation();
        }
        if (!checkpointed)
        {
            removeParts();
        }
    }

    /**
     * Appends what the output being assembled lacks of each part, fsyncs it and renames it onto the target; where the
     * part directory and the target's cannot share a rename (another file system), concatenates instead.
     */
    private void publishAssembly()
    {
        final Path path = assemblyPath();
        try
        {
            for (final Path part : parts())
            {
                append(part, Files.size(part));
            }
            files.forceFile(assembly, path);
            assembly.close();
            assembly = null;
            try
            {
                files.moveAtomically(path, target);
            }
            catch (final AtomicMoveNotSupportedException ex)
            {
                deleteAssembly();
                publishConcatenation();
                return;
            }
            published = true;
            files.forceDirectory(target.getParent());
        }
        catch (final IOException ex)
        {
            final UncheckedIOException failure =
                new UncheckedIOException("cannot publish output " + target + ": " + ex.getMessage(), ex);
            if (!published)
            {
                closeAssembly();
                try
                {
                    deleteAssembly();
                }
                catch (final UncheckedIOException cleanup)
                {
                    failure.addSuppressed(cleanup);
                }
            }
            throw failure;
        }
    }

    /** Concatenates every part into a temporary file beside the target, fsyncs it and renames it onto the target. */
    private void publishConcatenation()
    {
        final Path temp = target.resolveSibling("." + target.getFileName() + ".tmp");
        boolean renamed = false;
        try
        {
            try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING))
            {
                for (final Path part : parts())
                {
                    copy(part, 0, Files.size(part), out);
                }
                files.forceFile(out, temp);
            }
            files.moveAtomically(temp, target);
            renamed = true;
            published = true;
            files.forceDirectory(target.getParent());
        }
        catch (final IOException ex)
        {
            final UncheckedIOException failure =
                new UncheckedIOException("cannot publish output " + target + ": " + ex.getMessage(), ex);
            if (null != assemblyFailure)
            {
                failure.addSuppressed(assemblyFailure);
            }
            throw failure;
        }
        finally
        {
            if (!renamed)
            {
                deleteQuietly(temp);
            }
        }
    }

    /** The output is published and the job's end recorded: no restore needs the parts; remove them. */
    public synchronized void onFinishRecorded()
    {
        removeParts();
    }

    public synchronized void onJobFailed()
    {
        closeAssembly();
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
        deleteAssembly();
    }

    /** Deletes an output assembled from parts, left by this run or a crashed one, if there is one. */
    private void deleteAssembly()
    {
        if (Files.exists(assemblyPath()))
        {
            deleteQuietly(assemblyPath());
        }
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
