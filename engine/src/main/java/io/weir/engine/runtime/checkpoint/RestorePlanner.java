package io.weir.engine.runtime.checkpoint;

import io.weir.engine.runtime.snapshot.RestoreCompatibility;
import io.weir.engine.checkpoint.CheckpointSettings;
import io.weir.engine.runtime.ShardRestore;
import io.weir.snapshot.CheckpointDirectory;
import io.weir.snapshot.CheckpointManifest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Decides what a starting job restores: an explicit checkpoint or savepoint, else the newest complete checkpoint
 * that verifies (falling back past corrupt ones, saying so), else nothing. A job that finished its input leaves a
 * {@code FINISHED} marker: the next run of the same command starts afresh instead of resuming a finished run.
 * Called on the thread that builds the job.
 */
public final class RestorePlanner
{
    public static final String FINISHED_MARKER = "FINISHED";

    private RestorePlanner()
    {
    }

    /**
     * {@link #plan(CheckpointDirectory, CheckpointSettings, Consumer)}, then refuse a checkpoint that another job
     * took, whose keys another codec wrote, or whose state layout this build does not read
     * ({@link RestoreCompatibility#checkJob}); the states are checked by
     * {@link ShardRestore} once the job has registered them.
     *
     * @throws IllegalArgumentException naming the checkpoint and what differs; nothing has been changed then.
     */
    public static Optional<CheckpointManifest> plan(
        final CheckpointDirectory directory,
        final CheckpointSettings settings,
        final String jobName,
        final String keyCodecId,
        final Consumer<String> log)
    {
        final Optional<CheckpointManifest> manifest = plan(directory, settings, log);
        manifest.ifPresent(m -> RestoreCompatibility.checkJob(m,
            RestoreCompatibility.checkpointPath(directoryOf(m, directory, settings), m), jobName, keyCodecId));
        return manifest;
    }

    /**
     * {@link #plan(CheckpointDirectory, CheckpointSettings, String, String, Consumer)} for a job of several keyed
     * operators: {@code keyCodecIds} by operator uid.
     */
    public static Optional<CheckpointManifest> plan(
        final CheckpointDirectory directory,
        final CheckpointSettings settings,
        final String jobName,
        final java.util.Map<String, String> keyCodecIds,
        final Consumer<String> log)
    {
        final Optional<CheckpointManifest> manifest = plan(directory, settings, log);
        manifest.ifPresent(m -> RestoreCompatibility.checkJob(m,
            RestoreCompatibility.checkpointPath(directoryOf(m, directory, settings), m), jobName, keyCodecIds,
            settings.allowNonRestoredState()));
        return manifest;
    }

    public static Optional<CheckpointManifest> plan(
        final CheckpointDirectory directory, final CheckpointSettings settings, final Consumer<String> log)
    {
        if (settings.restoreFrom() != null)
        {
            final CheckpointManifest manifest = loadExplicit(settings.restoreFrom());
            log.accept("restoring " + manifest.kind().label() + " " + manifest.checkpointId() +
                " from " + settings.restoreFrom() + " (" + manifest.shards().size() + " shards)");
            return Optional.of(manifest);
        }
        final Path marker = directory.root().resolve(FINISHED_MARKER);
        if (Files.exists(marker))
        {
            log.accept("the previous run in " + directory.root() + " finished its input; starting afresh");
            deleteCheckpoints(directory);
            delete(marker);
            return Optional.empty();
        }
        final Optional<CheckpointManifest> manifest = directory.latestRestorable(log);
        manifest.ifPresent(m -> log.accept("resuming from checkpoint " + m.checkpointId() + " in " +
            directory.root()));
        return manifest;
    }

    /** The directory whose layout resolves the manifest's files. */
    public static CheckpointDirectory directoryOf(
        final CheckpointManifest manifest, final CheckpointDirectory directory, final CheckpointSettings settings)
    {
        if (settings.restoreFrom() == null)
        {
            return directory;
        }
        Path checkpoint = settings.restoreFrom().toAbsolutePath().normalize();
        if (checkpoint.getFileName().toString().equals("MANIFEST"))
        {
            checkpoint = checkpoint.getParent();
        }
        return new CheckpointDirectory(checkpoint.getParent());
    }

    /** One more than the highest checkpoint or savepoint id under the directory. */
    public static long nextCheckpointId(final CheckpointDirectory directory)
    {
        long max = 0;
        for (final CheckpointDirectory.Listing listing : directory.list())
        {
            max = Math.max(max, listing.checkpointId());
        }
        return max + 1;
    }

    public static void markFinished(final CheckpointDirectory directory, final String jobName)
    {
        directory.writeMarker(FINISHED_MARKER, jobName + "\n");
    }

    private static CheckpointManifest loadExplicit(final Path path)
    {
        Path dir = path.toAbsolutePath().normalize();
        if (dir.getFileName().toString().equals("MANIFEST"))
        {
            dir = dir.getParent();
        }
        final String name = dir.getFileName().toString();
        final int dash = name.lastIndexOf('-');
        if (dash < 0 || !(name.startsWith("chk-") || name.startsWith("savepoint-")))
        {
            throw new IllegalArgumentException("--restore expects a chk-NNNNNNNNNN or savepoint-NNNNNNNNNN " +
                "directory, got " + path);
        }
        final long id;
        try
        {
            id = Long.parseLong(name.substring(dash + 1));
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("--restore: cannot read a checkpoint id from " + path);
        }
        if (!Files.isDirectory(dir))
        {
            throw new IllegalArgumentException("--restore: no such checkpoint directory " + dir);
        }
        final CheckpointDirectory parent = new CheckpointDirectory(dir.getParent());
        for (final CheckpointDirectory.Listing listing : parent.list())
        {
            if (listing.checkpointId() == id && listing.directory().toAbsolutePath().normalize().equals(dir))
            {
                return parent.loadVerified(listing);
            }
        }
        throw new IllegalArgumentException("--restore: " + dir + " holds no complete checkpoint (no MANIFEST)");
    }

    private static void deleteCheckpoints(final CheckpointDirectory directory)
    {
        for (final CheckpointDirectory.Listing listing : directory.list())
        {
            if (listing.directory().getFileName().toString().startsWith("chk-"))
            {
                deleteTree(listing.directory());
            }
        }
        try (Stream<Path> files = Files.list(directory.sharedDirectory()))
        {
            files.forEach(RestorePlanner::delete);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot clean " + directory.sharedDirectory(), ex);
        }
    }

    private static void deleteTree(final Path root)
    {
        try (Stream<Path> paths = Files.walk(root))
        {
            paths.sorted(Comparator.reverseOrder()).forEach(RestorePlanner::delete);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot delete " + root, ex);
        }
    }

    private static void delete(final Path path)
    {
        try
        {
            Files.deleteIfExists(path);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot delete " + path, ex);
        }
    }
}
