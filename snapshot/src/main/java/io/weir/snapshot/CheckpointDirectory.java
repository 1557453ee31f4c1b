package io.weir.snapshot;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.weir.snapshot.ManifestDescriptor.MANIFEST_FILE_NAME;

/**
 * The checkpoints and savepoints of a job under one root directory:
 * <pre>
 *   ROOT/
 *     LOCK                           held by the running job ({@link DirectoryLock})
 *     shared/                        data files of checkpoints; delta chains reference earlier ones
 *       shard-0-chk-0000000007.full
 *       shard-0-chk-0000000008.delta
 *       shard-0-chk-8.timers
 *       rules-broadcast-chk-0000000008.broadcast   an operator's broadcast state, written whole each time
 *     chk-0000000008/MANIFEST        a checkpoint exists only once its MANIFEST does
 *     savepoint-0000000009/          self-contained: MANIFEST and its own FULL files
 *       MANIFEST
 *       shard-0-chk-0000000009.full
 * </pre>
 * File names in a checkpoint's manifest are relative to {@code shared/}; in a savepoint's, to the savepoint
 * directory. Manifests are written atomically (temp file, fsync, rename, fsync the directory).
 * <p>
 * Not thread safe: owned by the checkpoint coordinator (or a tool). Only the holder of the directory's
 * {@link DirectoryLock} may write or delete (a tool that only reads needs no lock). Retention must not race a
 * checkpoint's completion; it never deletes files of checkpoints newer than the newest complete one.
 */
public final class CheckpointDirectory
{
    /** Checkpoints retained by default. */
    public static final int RETAINED_CHECKPOINTS_DEFAULT = 3;
    public static final String SHARED_DIR_NAME = "shared";
    public static final String CHECKPOINT_DIR_PREFIX = "chk-";
    public static final String SAVEPOINT_DIR_PREFIX = "savepoint-";

    private static final Pattern CHECKPOINT_DIR = Pattern.compile("chk-(\\d{10})");
    private static final Pattern SAVEPOINT_DIR = Pattern.compile("savepoint-(\\d{10})");
    /** Every file a checkpoint writes into {@code shared/}: state (full, delta), timers; and their temp files. */
    private static final Pattern DATA_FILE = Pattern.compile(".+-chk-(\\d+)\\.[a-z]+(\\.tmp)?");

    /**
     * A checkpoint or savepoint directory found on disk.
     *
     * @param checkpointId from the directory name.
     * @param kind         CHECKPOINT or SAVEPOINT.
     * @param directory    the chk- or savepoint- directory.
     * @param complete     true if its MANIFEST exists (not yet verified).
     */
    public record Listing(long checkpointId, CheckpointKind kind, Path directory, boolean complete)
    {
        /**
         * @return path of the MANIFEST, which may not exist.
         */
        public Path manifestPath()
        {
            return directory.resolve(MANIFEST_FILE_NAME);
        }
    }

    /**
     * Outcome of {@link #retain(int)}.
     *
     * @param retainedCheckpointIds checkpoints kept, oldest first.
     * @param deleted               files and directories deleted.
     */
    public record RetentionResult(List<Long> retainedCheckpointIds, List<Path> deleted)
    {
    }

    private final Path root;
    private final Path sharedDirectory;

    /**
     * Opens (creating if needed) a checkpoint root directory.
     *
     * @param root directory of the job's checkpoints.
     */
    public CheckpointDirectory(final Path root)
    {
        this.root = root;
        this.sharedDirectory = root.resolve(SHARED_DIR_NAME);
        try
        {
            Files.createDirectories(sharedDirectory);
        }
        catch (final IOException ex)
        {
            throw SnapshotFiles.unchecked("cannot create checkpoint directory " + sharedDirectory, ex);
        }
    }

    public Path root()
    {
        return root;
    }

    public Path sharedDirectory()
    {
        return sharedDirectory;
    }

    /**
     * @param checkpointId of the checkpoint.
     * @return ROOT/chk-NNNNNNNNNN.
     */
    public Path checkpointDirectory(final long checkpointId)
    {
        return root.resolve(checkpointDirectoryName(checkpointId));
    }

    /**
     * @param checkpointId of the checkpoint.
     * @return chk-NNNNNNNNNN, the name of its directory under a checkpoint root.
     */
    public static String checkpointDirectoryName(final long checkpointId)
    {
        return CHECKPOINT_DIR_PREFIX + pad(checkpointId);
    }

    /**
     * @param checkpointId of the savepoint.
     * @return ROOT/savepoint-NNNNNNNNNN.
     */
    public Path savepointDirectory(final long checkpointId)
    {
        return root.resolve(SAVEPOINT_DIR_PREFIX + pad(checkpointId));
    }

    /**
     * @param kind         of the manifest.
     * @param checkpointId of the manifest.
     * @return the directory its file names are relative to.
     */
    public Path dataDirectory(final CheckpointKind kind, final long checkpointId)
    {
        return kind == CheckpointKind.SAVEPOINT ? savepointDirectory(checkpointId) : sharedDirectory;
    }

    /**
     * @param manifest naming the file.
     * @param fileName as recorded in the manifest.
     * @return the path of the data file.
     */
    public Path resolve(final CheckpointManifest manifest, final String fileName)
    {
        return dataDirectory(manifest.kind(), manifest.checkpointId()).resolve(fileName);
    }

    /**
     * Path for a shard's data file of a checkpoint: {@code shared/shard-S-chk-NNNNNNNNNN.full|.delta}.
     * Nothing is created; hand the path to {@link SnapshotFileWriter#open}.
     */
    public Path allocateDataFile(final int shardId, final long checkpointId, final SnapshotFileKind kind)
    {
        return allocateDataFile("", shardId, checkpointId, kind);
    }

    /**
     * Path for an operator's data file of a checkpoint on one shard:
     * {@code shared/OPERATOR-shard-S-chk-NNNNNNNNNN.full|.delta} ({@code shard-S-...} for the empty operator).
     */
    public Path allocateDataFile(
        final String operator, final int shardId, final long checkpointId, final SnapshotFileKind kind)
    {
        return sharedDirectory.resolve(dataFileName(operator, shardId, checkpointId, kind));
    }

    /**
     * Path for a shard's FULL file of a savepoint, creating the savepoint directory.
     */
    public Path allocateSavepointFile(final int shardId, final long checkpointId)
    {
        return allocateSavepointFile("", shardId, checkpointId);
    }

    /** Path for an operator's FULL file of a savepoint on one shard, creating the savepoint directory. */
    public Path allocateSavepointFile(final String operator, final int shardId, final long checkpointId)
    {
        final Path directory = savepointDirectory(checkpointId);
        try
        {
            Files.createDirectories(directory);
        }
        catch (final IOException ex)
        {
            throw SnapshotFiles.unchecked("cannot create savepoint directory " + directory, ex);
        }
        return directory.resolve(dataFileName(operator, shardId, checkpointId, SnapshotFileKind.FULL));
    }

    /**
     * @return {@code shard-S-chk-NNNNNNNNNN.full} or {@code .delta}.
     */
    public static String dataFileName(final int shardId, final long checkpointId, final SnapshotFileKind kind)
    {
        return dataFileName("", shardId, checkpointId, kind);
    }

    /** @return {@code OPERATOR-shard-S-chk-NNNNNNNNNN.full} or {@code .delta}; no prefix for the empty operator. */
    public static String dataFileName(
        final String operator, final int shardId, final long checkpointId, final SnapshotFileKind kind)
    {
        return fileNamePrefix(operator) + "shard-" + shardId + "-chk-" + pad(checkpointId) + (kind == SnapshotFileKind.FULL ? ".full" : ".delta");
    }

    /** {@code OPERATOR-}, or nothing for the empty operator (the only one of a job without uids). */
    public static String fileNamePrefix(final String operator)
    {
        return operator.isEmpty() ? "" : operator + "-";
    }

    /**
     * Writes the manifest atomically, which completes the checkpoint: temp file, fsync, rename to MANIFEST,
     * fsync the directory. Every file it references must already be durable.
     *
     * @param manifest to write.
     * @return path of the MANIFEST.
     */
    public Path writeManifest(final CheckpointManifest manifest)
    {
        return writeManifest(manifest, () -> {});
    }

    /**
     * As {@link #writeManifest(CheckpointManifest)}, running {@code beforeRename} after the temp file is durable
     * and before it is published; lets tests inject a crash at the worst moment.
     */
    Path writeManifest(final CheckpointManifest manifest, final Runnable beforeRename)
    {
        final Path directory = manifest.kind() == CheckpointKind.SAVEPOINT ?
            savepointDirectory(manifest.checkpointId()) : checkpointDirectory(manifest.checkpointId());
        final Path target = directory.resolve(MANIFEST_FILE_NAME);
        final Path tmp = SnapshotFiles.tmpPath(target);
        final byte[] bytes = ManifestCodec.encode(manifest);
        try
        {
            Files.createDirectories(directory);
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING))
            {
                final ByteBuffer buffer = ByteBuffer.wrap(bytes);
                while (buffer.hasRemaining())
                {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            beforeRename.run();
            SnapshotFiles.publish(tmp, target);
            SnapshotFiles.forceDirectory(root);
            return target;
        }
        catch (final IOException ex)
        {
            throw SnapshotFiles.unchecked("cannot write manifest " + target, ex);
        }
    }

    /**
     * Writes a small file in the root directory durably and atomically: temp file, fsync, rename, fsync the root.
     *
     * @param fileName of the file, e.g. {@code FINISHED}.
     * @param content  its text, UTF-8.
     * @return path of the file.
     */
    public Path writeMarker(final String fileName, final String content)
    {
        final Path target = root.resolve(fileName);
        final Path tmp = SnapshotFiles.tmpPath(target);
        try
        {
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING))
            {
                final ByteBuffer buffer = ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8));
                while (buffer.hasRemaining())
                {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            SnapshotFiles.publish(tmp, target);
            return target;
        }
        catch (final IOException ex)
        {
            SnapshotFiles.deleteQuietly(tmp);
            throw SnapshotFiles.unchecked("cannot write " + target, ex);
        }
    }

    /**
     * @return every checkpoint and savepoint directory, complete or not, ordered by checkpoint id then kind.
     */
    public List<Listing> list()
    {
        final List<Listing> listings = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(root))
        {
            for (final Path path : stream)
            {
                if (!Files.isDirectory(path))
                {
                    continue;
                }
                final String name = path.getFileName().toString();
                Matcher matcher = CHECKPOINT_DIR.matcher(name);
                CheckpointKind kind = CheckpointKind.CHECKPOINT;
                if (!matcher.matches())
                {
                    matcher = SAVEPOINT_DIR.matcher(name);
                    kind = CheckpointKind.SAVEPOINT;
                    if (!matcher.matches())
                    {
                        continue;
                    }
                }
                listings.add(new Listing(Long.parseLong(matcher.group(1)), kind, path,
                    Files.isRegularFile(path.resolve(MANIFEST_FILE_NAME))));
            }
        }
        catch (final IOException ex)
        {
            throw SnapshotFiles.unchecked("cannot list checkpoint directory " + root, ex);
        }
        listings.sort(Comparator.comparingLong(Listing::checkpointId).thenComparing(Listing::kind));
        return listings;
    }

    /**
     * @return the newest checkpoint (not savepoint) that has a MANIFEST; its files are not verified.
     */
    public Optional<Listing> latestComplete()
    {
        final List<Listing> listings = list();
        for (int i = listings.size() - 1; i >= 0; i--)
        {
            final Listing listing = listings.get(i);
            if (listing.complete() && listing.kind() == CheckpointKind.CHECKPOINT)
            {
                return Optional.of(listing);
            }
        }
        return Optional.empty();
    }

    /**
     * Reads and CRC-checks a manifest without looking at its data files.
     *
     * @throws SnapshotCorruptException if it is missing or corrupt.
     */
    public CheckpointManifest readManifest(final Listing listing)
    {
        final Path path = listing.manifestPath();
        final CheckpointManifest manifest = ManifestCodec.read(path);
        if (manifest.checkpointId() != listing.checkpointId() || manifest.kind() != listing.kind())
        {
            throw new SnapshotCorruptException(path + ": manifest is for " + manifest.kind() + " " +
                manifest.checkpointId() + " but lies in " + listing.directory());
        }
        return manifest;
    }

    /**
     * Verifies a checkpoint completely: the manifest's CRC, and for every file it depends on (each shard's state
     * chain and its timers file) that it exists, has the size the manifest records, passes
     * {@link SnapshotFileReader#verify()} (header, footer, index and every block CRC), that its header agrees with
     * the manifest, and that each shard's chain links up. Never throws for a damaged checkpoint: whatever goes
     * wrong reading a file is reported as a problem naming that file.
     *
     * @return problems found, each one line naming the file and what is wrong; empty if the checkpoint is
     * restorable.
     */
    public List<String> verify(final Listing listing)
    {
        final CheckpointManifest manifest;
        try
        {
            manifest = readManifest(listing);
        }
        catch (final SnapshotCorruptException ex)
        {
            return List.of(oneLine(ex.getMessage()));
        }
        catch (final RuntimeException ex)
        {
            return List.of(listing.manifestPath() + ": cannot read: " + oneLine(String.valueOf(ex.getMessage())));
        }
        final List<String> problems = new ArrayList<>();
        KeyGroupCoverage.check(listing.manifestPath().toString(), manifest, manifest.operators(), problems);
        for (final CheckpointManifest.ShardState shard : manifest.shards())
        {
            final int problemsBefore = problems.size();
            final List<Path> chain = new ArrayList<>();
            final List<SnapshotHeader> headers = new ArrayList<>();
            for (final CheckpointManifest.FileRef file : shard.files())
            {
                final Path path = resolve(manifest, file.name());
                final SnapshotHeader header = verifyFile(listing, manifest, shard, file, "state", problems);
                if (header != null)
                {
                    chain.add(path);
                    headers.add(header);
                }
            }
            if (shard.timers() != null)
            {
                final SnapshotHeader header = verifyFile(listing, manifest, shard, shard.timers(), "timers", problems);
                if (header != null && header.fileKind() != SnapshotFileKind.FULL)
                {
                    problems.add(resolve(manifest, shard.timers().name()) + ": a timers file must be FULL, found " +
                        header.fileKind());
                }
            }
            if (problems.size() == problemsBefore && !headers.isEmpty())
            {
                try
                {
                    ChainResolver.checkChain(chain, headers);
                }
                catch (final SnapshotCorruptException ex)
                {
                    problems.add(oneLine(ex.getMessage()));
                }
            }
        }
        // A broadcast state file: one FULL file of shard 0, key group 0.
        final CheckpointManifest.ShardState broadcastShard =
            new CheckpointManifest.ShardState(0, 0, 0, List.of(), Long.MIN_VALUE, 0);
        for (final CheckpointManifest.BroadcastFile broadcast : manifest.broadcasts())
        {
            verifyFile(listing, manifest, broadcastShard, broadcast.file(), "broadcast state", problems);
        }
        return problems;
    }

    /**
     * Checks one file a shard depends on.
     *
     * @return its header if it could be read, else null; every problem is added to {@code problems}.
     */
    private SnapshotHeader verifyFile(
        final Listing listing,
        final CheckpointManifest manifest,
        final CheckpointManifest.ShardState shard,
        final CheckpointManifest.FileRef file,
        final String role,
        final List<String> problems)
    {
        final Path path = resolve(manifest, file.name());
        final long sizeBytes;
        try
        {
            sizeBytes = Files.size(path);
        }
        catch (final IOException ex)
        {
            problems.add(path + ": missing, the " + role + " file of shard " + shard.shardId() + " in " +
                listing.manifestPath());
            return null;
        }
        if (sizeBytes != file.sizeBytes())
        {
            problems.add(path + ": size " + sizeBytes + " bytes, " + listing.manifestPath() + " records " +
                file.sizeBytes());
            return null;
        }
        try (SnapshotFileReader reader = SnapshotFileReader.open(path))
        {
            for (final String problem : reader.verify())
            {
                problems.add(oneLine(problem));
            }
            final SnapshotHeader header = reader.header();
            if (header.fileKind() != file.kind() || header.shardId() != shard.shardId() ||
                header.firstKeyGroup() != shard.firstKeyGroup() || header.lastKeyGroup() != shard.lastKeyGroup() ||
                header.maxParallelism() != manifest.maxParallelism() ||
                header.checkpointId() > manifest.checkpointId())
            {
                problems.add(path + ": header says " + header.fileKind() + " of shard " + header.shardId() +
                    " [" + header.firstKeyGroup() + ", " + header.lastKeyGroup() + "] of " + header.maxParallelism() +
                    " key groups, checkpoint " + header.checkpointId() + "; the manifest says " + file.kind() +
                    " of shard " + shard.shardId() + " [" + shard.firstKeyGroup() + ", " + shard.lastKeyGroup() +
                    "] of " + manifest.maxParallelism() + ", checkpoint " + manifest.checkpointId());
            }
            return header;
        }
        catch (final SnapshotCorruptException ex)
        {
            problems.add(oneLine(ex.getMessage()));
        }
        catch (final RuntimeException ex)
        {
            problems.add(path + ": cannot read: " + oneLine(String.valueOf(ex.getMessage())));
        }
        return null;
    }

    /** Problems are reported one per line; a message that spans lines is joined. */
    private static String oneLine(final String message)
    {
        return message.replace("\n", "; ");
    }

    /**
     * Loads a checkpoint (or, if there is no checkpoint with that id, a savepoint) after verifying it fully.
     *
     * @param checkpointId to load.
     * @return the manifest.
     * @throws SnapshotCorruptException listing every problem, or if no such checkpoint exists.
     */
    public CheckpointManifest loadVerified(final long checkpointId)
    {
        Listing found = null;
        for (final Listing listing : list())
        {
            if (listing.checkpointId() == checkpointId && (found == null || listing.kind() == CheckpointKind.CHECKPOINT))
            {
                found = listing;
            }
        }
        if (found == null)
        {
            throw new SnapshotCorruptException(root + ": no checkpoint or savepoint with id " + checkpointId);
        }
        return loadVerified(found);
    }

    /**
     * @see #loadVerified(long)
     */
    public CheckpointManifest loadVerified(final Listing listing)
    {
        if (!listing.complete())
        {
            throw new SnapshotCorruptException(listing.manifestPath() + ": no MANIFEST, the checkpoint is incomplete");
        }
        final List<String> problems = verify(listing);
        if (!problems.isEmpty())
        {
            throw new SnapshotCorruptException(problems.get(0) + (problems.size() == 1 ? "" :
                " (and " + (problems.size() - 1) + " more problem(s): run 'weir snapshot verify " +
                listing.directory() + "')"));
        }
        return readManifest(listing);
    }

    /**
     * Finds the newest checkpoint (not savepoint) that verifies, walking from newest to oldest and reporting every
     * one skipped (incomplete, corrupt, missing or truncated files) with the reason.
     *
     * @param warnings receives one message per skipped checkpoint.
     * @return the manifest to restore from, or empty if none is restorable.
     */
    public Optional<CheckpointManifest> latestRestorable(final Consumer<String> warnings)
    {
        final List<Listing> listings = list();
        for (int i = listings.size() - 1; i >= 0; i--)
        {
            final Listing listing = listings.get(i);
            if (listing.kind() != CheckpointKind.CHECKPOINT)
            {
                continue;
            }
            if (!listing.complete())
            {
                warnings.accept("skipping " + listing.directory() + ": no MANIFEST, checkpoint is incomplete");
                continue;
            }
            final List<String> problems = verify(listing);
            if (problems.isEmpty())
            {
                return Optional.of(readManifest(listing));
            }
            warnings.accept("skipping " + listing.directory() + ", falling back to an older checkpoint: " +
                String.join("; ", problems));
        }
        return Optional.empty();
    }

    /**
     * Keeps the newest {@code retainedCount} complete, readable checkpoints and deletes what nothing retained
     * needs: older checkpoint directories (complete or not), files of every kind in {@code shared/} (state,
     * timers) no retained manifest references, and orphaned {@code .tmp} files. Files and directories of
     * checkpoints newer than the newest complete one may be in progress and are kept; savepoints are never
     * deleted. Called by the holder of the directory's {@link DirectoryLock} only.
     *
     * @param retainedCount number of checkpoints to keep, at least 1.
     * @return what was kept and deleted.
     */
    public RetentionResult retain(final int retainedCount)
    {
        return retain(retainedCount, Set.of());
    }

    /**
     * {@link #retain(int)}, keeping also the files named in {@code inProgress} (and their {@code .tmp} files):
     * files in {@code shared/} being written that a later checkpoint will name, such as a chain's new base merged
     * between checkpoints under the id of an older one.
     *
     * @param retainedCount number of checkpoints to keep, at least 1.
     * @param inProgress    names of files in {@code shared/} to keep though no manifest names them yet.
     * @return what was kept and deleted.
     */
    public RetentionResult retain(final int retainedCount, final Set<String> inProgress)
    {
        if (retainedCount < 1)
        {
            throw new IllegalArgumentException("retainedCount must be >= 1: " + retainedCount);
        }
        final List<Listing> listings = list();
        final List<CheckpointManifest> retained = new ArrayList<>();
        for (int i = listings.size() - 1; i >= 0 && retained.size() < retainedCount; i--)
        {
            final Listing listing = listings.get(i);
            if (listing.kind() == CheckpointKind.CHECKPOINT && listing.complete())
            {
                try
                {
                    retained.add(0, readManifest(listing));
                }
                catch (final SnapshotCorruptException ex)
                {
                    // an unreadable manifest cannot be restored from; it does not count towards the k retained
                }
            }
        }
        final List<Path> deleted = new ArrayList<>();
        if (retained.isEmpty())
        {
            return new RetentionResult(List.of(), deleted);
        }
        final long oldestRetainedId = retained.get(0).checkpointId();
        final long newestRetainedId = retained.get(retained.size() - 1).checkpointId();

        final Set<String> referenced = new HashSet<>();
        final List<Long> retainedIds = new ArrayList<>();
        for (final CheckpointManifest manifest : retained)
        {
            referenced.addAll(manifest.fileNames());
            retainedIds.add(manifest.checkpointId());
        }

        for (final Listing listing : listings)
        {
            if (listing.kind() == CheckpointKind.CHECKPOINT && listing.checkpointId() < oldestRetainedId)
            {
                deleteTree(listing.directory(), deleted);
            }
            else if (listing.kind() == CheckpointKind.CHECKPOINT && !listing.complete() &&
                listing.checkpointId() < newestRetainedId)
            {
                deleteTree(listing.directory(), deleted);
            }
        }

        try (DirectoryStream<Path> stream = Files.newDirectoryStream(sharedDirectory))
        {
            for (final Path path : stream)
            {
                final String name = path.getFileName().toString();
                final Matcher matcher = DATA_FILE.matcher(name);
                if (!matcher.matches() || referenced.contains(name) || inProgress.contains(name) ||
                    inProgress.contains(stripTmpSuffix(name)))
                {
                    continue;
                }
                if (Long.parseLong(matcher.group(1)) <= newestRetainedId)
                {
                    Files.deleteIfExists(path);
                    deleted.add(path);
                }
            }
            SnapshotFiles.forceDirectory(sharedDirectory);
            SnapshotFiles.forceDirectory(root);
        }
        catch (final IOException ex)
        {
            throw SnapshotFiles.unchecked("retention failed in " + sharedDirectory, ex);
        }
        return new RetentionResult(retainedIds, deleted);
    }

    private static String stripTmpSuffix(final String name)
    {
        return name.endsWith(SnapshotFileDescriptor.TMP_SUFFIX) ?
            name.substring(0, name.length() - SnapshotFileDescriptor.TMP_SUFFIX.length()) : name;
    }

    /**
     * Removes what no checkpoint or savepoint can be restored from, left by a run that crashed or was killed:
     * checkpoint and savepoint directories without a MANIFEST, {@code .tmp} files, and files in {@code shared/}
     * that no readable checkpoint manifest names (whatever their id). Complete checkpoints and savepoints and
     * every file they name are kept; files that are not Weir's are left alone.
     * <p>
     * Only for the holder of the directory's {@link DirectoryLock}, before its job starts: no checkpoint may be in
     * progress.
     *
     * @return files and directories deleted.
     */
    public List<Path> sweep()
    {
        final List<Path> deleted = new ArrayList<>();
        final Set<String> referenced = new HashSet<>();
        for (final Listing listing : list())
        {
            if (!listing.complete())
            {
                deleteTree(listing.directory(), deleted);
                continue;
            }
            if (listing.kind() == CheckpointKind.CHECKPOINT)
            {
                try
                {
                    referenced.addAll(readManifest(listing).fileNames());
                }
                catch (final SnapshotCorruptException ex)
                {
                    // cannot be restored from: its files are kept only if a readable manifest names them too
                }
            }
            deleteTemporaryFiles(listing.directory(), deleted);
        }
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(sharedDirectory))
        {
            for (final Path path : stream)
            {
                final String name = path.getFileName().toString();
                if (DATA_FILE.matcher(name).matches() && !referenced.contains(name) && Files.isRegularFile(path))
                {
                    Files.deleteIfExists(path);
                    deleted.add(path);
                }
            }
            deleteTemporaryFiles(root, deleted);
            SnapshotFiles.forceDirectory(sharedDirectory);
            SnapshotFiles.forceDirectory(root);
        }
        catch (final IOException ex)
        {
            throw SnapshotFiles.unchecked("cannot remove orphaned files from " + root, ex);
        }
        return deleted;
    }

    private static void deleteTemporaryFiles(final Path directory, final List<Path> deleted)
    {
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory, "*" + SnapshotFileDescriptor.TMP_SUFFIX))
        {
            boolean any = false;
            for (final Path path : stream)
            {
                if (Files.isRegularFile(path))
                {
                    Files.deleteIfExists(path);
                    deleted.add(path);
                    any = true;
                }
            }
            if (any)
            {
                SnapshotFiles.forceDirectory(directory);
            }
        }
        catch (final IOException ex)
        {
            throw SnapshotFiles.unchecked("cannot delete temporary files in " + directory, ex);
        }
    }

    private static void deleteTree(final Path directory, final List<Path> deleted)
    {
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory))
        {
            for (final Path path : stream)
            {
                if (Files.isDirectory(path))
                {
                    deleteTree(path, deleted);
                }
                else
                {
                    Files.deleteIfExists(path);
                }
            }
            Files.deleteIfExists(directory);
            deleted.add(directory);
        }
        catch (final IOException ex)
        {
            throw SnapshotFiles.unchecked("cannot delete " + directory, ex);
        }
    }

    private static String pad(final long checkpointId)
    {
        return String.format(Locale.ROOT, "%010d", checkpointId);
    }
}
