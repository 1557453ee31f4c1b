package io.weir.tools.io;

import io.weir.engine.SinkFactory;
import io.weir.engine.SinkWriter;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A CSV file output that appears whole or not at all: each shard writes its own hidden part file next to the
 * target; when the job succeeds the parts are concatenated into a temporary file, fsynced, and renamed onto
 * the target atomically; when it fails the parts are deleted and the target is untouched.
 * Writers run on shard threads; {@code onJob*} on the thread awaiting the job.
 */
public final class CsvFileSink<T> implements SinkFactory<T>
{
    private static final int BUFFER_BYTES = 1 << 16;

    private final Path target;
    private final RowFormatter<T> formatter;
    private final List<Path> parts = new ArrayList<>();

    public CsvFileSink(final Path target, final RowFormatter<T> formatter)
    {
        this.target = target.toAbsolutePath();
        this.formatter = formatter;
    }

    public Path target()
    {
        return target;
    }

    public synchronized SinkWriter<T> createWriter(final int shardId, final int shards)
    {
        final Path part = target.resolveSibling("." + target.getFileName() + ".part-" + shardId);
        parts.add(part);
        try
        {
            Files.createDirectories(target.getParent());
            final OutputStream out = Files.newOutputStream(part);
            return new Writer<>(new CsvLineWriter(out, BUFFER_BYTES), formatter);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot create output part file " + part + ": " + ex.getMessage(), ex);
        }
    }

    public synchronized void onJobSucceeded()
    {
        final Path temp = target.resolveSibling("." + target.getFileName() + ".tmp");
        try
        {
            try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING))
            {
                for (final Path part : parts)
                {
                    try (FileChannel in = FileChannel.open(part, StandardOpenOption.READ))
                    {
                        long position = 0;
                        final long size = in.size();
                        while (position < size)
                        {
                            position += in.transferTo(position, size - position, out);
                        }
                    }
                }
                out.force(true);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot publish output " + target + ": " + ex.getMessage(), ex);
        }
        finally
        {
            deleteQuietly(temp);
            deleteParts();
        }
    }

    public synchronized void onJobFailed()
    {
        deleteParts();
    }

    private void deleteParts()
    {
        for (final Path part : parts)
        {
            deleteQuietly(part);
        }
    }

    private static void deleteQuietly(final Path path)
    {
        try
        {
            Files.deleteIfExists(path);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot delete " + path + ": " + ex.getMessage(), ex);
        }
    }

    private static final class Writer<T> implements SinkWriter<T>
    {
        private final CsvLineWriter lines;
        private final RowFormatter<T> formatter;

        Writer(final CsvLineWriter lines, final RowFormatter<T> formatter)
        {
            this.lines = lines;
            this.formatter = formatter;
        }

        public void collect(final T value)
        {
            formatter.format(value, lines);
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
