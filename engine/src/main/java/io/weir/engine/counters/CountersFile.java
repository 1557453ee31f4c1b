package io.weir.engine.counters;

import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersReader;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Optional;

/**
 * A job's counters file mapped read-only, as another process reads it ({@code weir stat}). Values are read with
 * volatile loads through {@link #reader()}. Not thread-safe; {@link #close()} unmaps it.
 */
public final class CountersFile implements AutoCloseable
{
    /**
     * A process with the file's pid that started this much later than the file is another process that got the
     * pid after the job's process ended.
     */
    static final long PID_REUSE_TOLERANCE_MS = 1000;

    private final Path path;
    private final MappedByteBuffer mapped;
    private final UnsafeBuffer header;
    private final CountersReader reader;

    private CountersFile(final Path path, final MappedByteBuffer mapped, final UnsafeBuffer header,
        final CountersReader reader)
    {
        this.path = path;
        this.mapped = mapped;
        this.header = header;
        this.reader = reader;
    }

    /**
     * Map a counters file.
     *
     * @throws IOException if it cannot be read (a {@link java.nio.file.NoSuchFileException} when its job just
     *                     closed).
     * @throws IllegalArgumentException naming the file if it is not a Weir counters file, or its lengths are wrong.
     */
    public static CountersFile open(final Path path) throws IOException
    {
        final MappedByteBuffer mapped;
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ))
        {
            final long size = channel.size();
            if (size < CountersFileDescriptor.HEADER_LENGTH)
            {
                throw new IllegalArgumentException(path + ": not a Weir counters file (" + size + " bytes, shorter " +
                    "than the " + CountersFileDescriptor.HEADER_LENGTH + "-byte header)");
            }
            if (size > Integer.MAX_VALUE)
            {
                throw new IllegalArgumentException(path + ": not a Weir counters file (" + size + " bytes)");
            }
            mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, size);
        }
        try
        {
            final UnsafeBuffer header = CountersFileDescriptor.header(mapped);
            final long magic = header.getLong(CountersFileDescriptor.MAGIC_OFFSET);
            if (magic != CountersFileDescriptor.MAGIC)
            {
                throw new IllegalArgumentException(path + ": not a Weir counters file (magic 0x" +
                    Long.toHexString(magic) + ")");
            }
            final int version = header.getIntAcquire(CountersFileDescriptor.VERSION_OFFSET);
            CountersReader reader = null;
            if (version != 0)
            {
                if (version != CountersFileDescriptor.VERSION)
                {
                    throw new IllegalArgumentException(path + ": counters file version " + version + ", this Weir " +
                        "reads version " + CountersFileDescriptor.VERSION);
                }
                final long metadataLength = header.getInt(CountersFileDescriptor.METADATA_LENGTH_OFFSET);
                final long valuesLength = header.getInt(CountersFileDescriptor.VALUES_LENGTH_OFFSET);
                if (metadataLength < 0 || valuesLength < 0 ||
                    CountersFileDescriptor.HEADER_LENGTH + metadataLength + valuesLength > mapped.capacity())
                {
                    throw new IllegalArgumentException(path + ": counters file of " + mapped.capacity() + " bytes " +
                        "is shorter than its header says (metadata " + metadataLength + ", values " + valuesLength +
                        ")");
                }
                reader = new CountersReader(CountersFileDescriptor.metadata(mapped, header),
                    CountersFileDescriptor.values(mapped, header), StandardCharsets.UTF_8);
            }
            return new CountersFile(path, mapped, header, reader);
        }
        catch (final RuntimeException ex)
        {
            IoUtil.unmap(mapped);
            throw ex;
        }
    }

    public Path path()
    {
        return path;
    }

    /** False while the job is still creating the file: then only {@link #pid()} and the name can be read. */
    public boolean isReady()
    {
        return null != reader;
    }

    public String jobName()
    {
        return CountersFileDescriptor.jobName(header);
    }

    public long pid()
    {
        return header.getLong(CountersFileDescriptor.PID_OFFSET);
    }

    public long startTimeMs()
    {
        return header.getLong(CountersFileDescriptor.START_TIME_MS_OFFSET);
    }

    /** Reads the counters; only when {@link #isReady()}. */
    public CountersReader reader()
    {
        if (null == reader)
        {
            throw new IllegalStateException(path + ": the job is still creating its counters file");
        }
        return reader;
    }

    /**
     * Whether the process that wrote the file still runs: its pid is alive and that process did not start after
     * the file (a reused pid).
     */
    public boolean isOwnerAlive()
    {
        return isAlive(pid(), startTimeMs());
    }

    static boolean isAlive(final long pid, final long startTimeMs)
    {
        final Optional<ProcessHandle> process = pid > 0 ? ProcessHandle.of(pid) : Optional.empty();
        if (process.isEmpty() || !process.get().isAlive())
        {
            return false;
        }
        final Optional<Instant> started = process.get().info().startInstant();
        return started.isEmpty() || started.get().toEpochMilli() <= startTimeMs + PID_REUSE_TOLERANCE_MS;
    }

    public void close()
    {
        IoUtil.unmap(mapped);
    }
}
