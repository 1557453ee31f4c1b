package io.weir.engine.counters;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The directory where running jobs publish their counters files: by default {@value #DEFAULT_DIR_NAME} under
 * {@code java.io.tmpdir}, or the system property {@value #DIR_PROP_NAME}. A file whose process is gone is stale.
 */
public final class CountersDirectory
{
    public static final String DIR_PROP_NAME = "weir.counters.dir";
    public static final String DEFAULT_DIR_NAME = "weir-counters";

    /** What a scan found: files of running jobs (open, to be closed by the caller), stale files, unreadable files. */
    public record Scan(List<CountersFile> running, List<Stale> stale, List<String> unreadable)
    {
    }

    /** A counters file whose process no longer runs. */
    public record Stale(Path path, long pid)
    {
    }

    private CountersDirectory()
    {
    }

    /** {@value #DIR_PROP_NAME} if set, else {@value #DEFAULT_DIR_NAME} under {@code java.io.tmpdir}. */
    public static Path defaultDirectory()
    {
        final String configured = System.getProperty(DIR_PROP_NAME);
        return null != configured && !configured.isEmpty() ?
            Path.of(configured) : Path.of(System.getProperty("java.io.tmpdir"), DEFAULT_DIR_NAME);
    }

    /**
     * Open every counters file in {@code dir}, by name. Files still being created by a live process, and files
     * removed meanwhile (their job closed), are left out.
     *
     * @throws NoSuchFileException if {@code dir} does not exist.
     */
    public static Scan scan(final Path dir) throws IOException
    {
        final List<Path> paths = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, "*" + CountersFileDescriptor.FILE_SUFFIX))
        {
            for (final Path path : entries)
            {
                paths.add(path);
            }
        }
        paths.sort(null);
        final Scan scan = new Scan(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        for (final Path path : paths)
        {
            final CountersFile file;
            try
            {
                file = CountersFile.open(path);
            }
            catch (final NoSuchFileException ex)
            {
                continue;
            }
            catch (final IOException | IllegalArgumentException ex)
            {
                scan.unreadable().add(ex instanceof IOException ? path + ": " + ex : ex.getMessage());
                continue;
            }
            if (!file.isOwnerAlive())
            {
                scan.stale().add(new Stale(path, file.pid()));
                file.close();
            }
            else if (file.isReady())
            {
                scan.running().add(file);
            }
            else
            {
                file.close();
            }
        }
        return scan;
    }

    /**
     * Delete the stale files of a scan.
     *
     * @return the stale files that were deleted (one may be gone already: another process removed it).
     * @throws IOException naming the file that could not be deleted.
     */
    public static List<Stale> removeStale(final Scan scan) throws IOException
    {
        final List<Stale> removed = new ArrayList<>();
        for (final Stale stale : scan.stale())
        {
            try
            {
                if (Files.deleteIfExists(stale.path()))
                {
                    removed.add(stale);
                }
            }
            catch (final IOException ex)
            {
                throw new IOException("cannot remove stale counters file " + stale.path() + " (pid " + stale.pid() +
                    " is not running): " + ex.getMessage(), ex);
            }
        }
        return removed;
    }

    /** Close the running files of a scan. */
    public static void close(final Scan scan)
    {
        for (final CountersFile file : scan.running())
        {
            file.close();
        }
    }
}
