package io.weir.tools.snapshot;

import io.weir.snapshot.CheckpointDirectory;
import io.weir.snapshot.CheckpointKind;
import io.weir.snapshot.CheckpointManifest;
import io.weir.tools.cli.WeirCli;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;

import static io.weir.snapshot.SnapshotFileDescriptor.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Damaged checkpoints, from real ones the engine wrote (both backends; FULL base, DELTAs, timers, a savepoint):
 * each iteration copies them, damages one file a checkpoint depends on (truncates it, flips bytes, appends bytes,
 * deletes it, or sets a length, offset or count field to an extreme or past-the-end value, with or without
 * recomputing every CRC as a crafted file would) and runs {@code weir snapshot verify|show|dump|diff} and a restore
 * from that checkpoint. Each must either succeed or fail with one line naming the file; never hang, run out of
 * memory or print a stack trace. A damage no CRC covers is impossible: a plain (not crafted) damage must make
 * verify, dump, diff and the restore fail. The newest checkpoint that {@code weir snapshot verify} calls sound is
 * the one a resume falls back to.
 * <p>
 * Reproduce with {@code -Dweir.fuzz.seed=S} (printed in every failure); {@code -Dweir.fuzz.iterations=N} per
 * backend. The checkpoints are written anew each run, so a seed reproduces the damage done, not the bytes.
 */
class CheckpointFuzzTest
{
    private static final long SEED = Long.getLong("weir.fuzz.seed", System.nanoTime());
    private static final int ITERATIONS = Integer.getInteger("weir.fuzz.iterations", 60);
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);
    private static final List<String> BACKENDS = List.of("chronicle", "lmdb");

    @TempDir
    static Path work;
    private static Path input;
    private static final Map<String, Path> PRISTINE = new HashMap<>();
    private int soundCrafted;

    @BeforeAll
    static void writeCheckpoints() throws Exception
    {
        input = work.resolve("in.csv");
        JobCheckpoints.writeInput(input);
        for (final String backend : BACKENDS)
        {
            PRISTINE.put(backend, JobCheckpoints.write(input, work.resolve("pristine-" + backend), work, backend));
        }
    }

    /** What was done to which file. */
    private record Damage(Path file, String what, boolean crafted)
    {
        boolean manifest()
        {
            return file.getFileName().toString().equals("MANIFEST");
        }
    }

    private record Outcome(int exit, String out, String err)
    {
        List<String> errLines()
        {
            return err.isEmpty() ? List.of() : Arrays.asList(err.split("\n"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"chronicle", "lmdb"})
    void shouldFailInOneLineNamingTheDamagedFile(final String backend) throws Exception
    {
        final long startNs = System.nanoTime();
        for (int iteration = 0; iteration < ITERATIONS; iteration++)
        {
            final long iterationSeed = SEED + 0x9E3779B97F4A7C15L * (iteration + 1) + backend.hashCode();
            final SplittableRandom random = new SplittableRandom(iterationSeed);
            final Path root = work.resolve(backend + "-" + iteration);
            JobCheckpoints.copy(PRISTINE.get(backend), root);
            final CheckpointDirectory directory = new CheckpointDirectory(root);
            final List<CheckpointDirectory.Listing> listings = directory.list();
            final CheckpointDirectory.Listing target = listings.get(random.nextInt(listings.size()));
            final CheckpointManifest manifest = directory.readManifest(target);
            final List<Path> files = dependencies(directory, target, manifest);
            final Path file = files.get(random.nextInt(files.size()));
            final Damage damage = damage(file, random);
            final String context = "seed " + SEED + " (-Dweir.fuzz.seed=" + SEED + "), " + backend + " iteration " +
                iteration + ": " + damage.what() + " of " + root.relativize(file) + " in " + target.directory()
                .getFileName();
            check(backend, root, directory, listings, target, damage, context);
            deleteTree(root);
        }
        System.out.printf(Locale.ROOT, "%s: %d damaged checkpoints (%d crafted ones sound) in %.1f s (seed %d)%n",
            backend, ITERATIONS, soundCrafted, (System.nanoTime() - startNs) / 1e9, SEED);
    }

    /** The issue's own case: a flipped byte in the newest checkpoint's timers file. */
    @ParameterizedTest
    @ValueSource(strings = {"chronicle", "lmdb"})
    void shouldReportAFlippedByteInTheNewestTimersFileAndResumeFromTheCheckpointBefore(final String backend)
        throws Exception
    {
        final Path root = work.resolve(backend + "-timers");
        JobCheckpoints.copy(PRISTINE.get(backend), root);
        final CheckpointDirectory directory = new CheckpointDirectory(root);
        final CheckpointDirectory.Listing newest = directory.latestComplete().orElseThrow();
        final CheckpointManifest manifest = directory.readManifest(newest);
        final Path timers = directory.resolve(manifest, manifest.shards().get(0).timers().name());
        final byte[] bytes = Files.readAllBytes(timers);
        bytes[HEADER_LENGTH + BLOCK_HEADER_LENGTH + 3] ^= 0x10;
        Files.write(timers, bytes);

        final Outcome verify = snapshot("verify", newest.directory().toString());
        assertEquals(1, verify.exit(), verify.out() + verify.err());
        assertTrue(verify.err().contains(timers + ": offset " + HEADER_LENGTH + ": CRC mismatch"), verify.err());

        final Outcome dump = snapshot("dump", newest.directory().toString());
        assertEquals(1, dump.exit(), dump.err());
        assertEquals(1, dump.errLines().size(), dump.err());
        assertTrue(dump.err().contains(timers.toString()), dump.err());

        final Path out = work.resolve(backend + "-timers-out.csv");
        final Outcome resumed = job(backend, root, out, null);
        assertEquals(0, resumed.exit(), resumed.err());
        assertTrue(resumed.err().contains("skipping " + newest.directory() + ", falling back") &&
            resumed.err().contains(timers.getFileName().toString()), resumed.err());
        assertTrue(resumed.out().contains("resumed from checkpoint " + (newest.checkpointId() - 1)), resumed.out());
        assertTrue(Files.isRegularFile(out));
    }

    /** A crafted length of 2^63-1 in a block's index record, every CRC recomputed. */
    @Test
    void shouldRefuseAnIndexRecordPointingPastTheEndWithItsCrcsRecomputed() throws Exception
    {
        final Path root = work.resolve("crafted-index");
        JobCheckpoints.copy(PRISTINE.get("lmdb"), root);
        final CheckpointDirectory directory = new CheckpointDirectory(root);
        final CheckpointDirectory.Listing newest = directory.latestComplete().orElseThrow();
        final CheckpointManifest manifest = directory.readManifest(newest);
        final Path base = directory.resolve(manifest, manifest.shards().get(1).files().get(0).name());
        final byte[] bytes = Files.readAllBytes(base);
        final Layout layout = Layout.of(bytes);
        putLong(bytes, layout.indexOffset + INDEX_HEADER_LENGTH + INDEX_RECORD_BLOCK_OFFSET_OFFSET, Long.MAX_VALUE);
        layout.fixCrcs(bytes);
        Files.write(base, bytes);

        for (final String command : List.of("verify", "dump"))
        {
            final Outcome outcome = snapshot(command, newest.directory().toString());
            assertEquals(1, outcome.exit(), outcome.err());
            assertTrue(outcome.err().contains(base + ": offset " + (layout.indexOffset + INDEX_HEADER_LENGTH) +
                ": index record 0"), outcome.err());
        }
        final Path out = work.resolve("crafted-index-out.csv");
        final Outcome restore = job("lmdb", root, out, newest.directory());
        assertEquals(1, restore.exit(), restore.err());
        assertEquals(1, restore.errLines().size(), restore.err());
        assertTrue(restore.err().contains("cannot restore: " + base + ": offset "), restore.err());
        assertFalse(Files.exists(out));
    }

    /** A timers file sound in every CRC whose entry is too short to hold a timer: the restore names it. */
    @Test
    void shouldFailARestoreInOneLineNamingATimersFileWhoseEntryHoldsNoTimer() throws Exception
    {
        final Path root = work.resolve("crafted-timer");
        JobCheckpoints.copy(PRISTINE.get("chronicle"), root);
        final CheckpointDirectory directory = new CheckpointDirectory(root);
        final CheckpointDirectory.Listing newest = directory.latestComplete().orElseThrow();
        final CheckpointManifest manifest = directory.readManifest(newest);
        final CheckpointManifest.ShardState shard = manifest.shards().get(0);
        final Path timers = directory.resolve(manifest, shard.timers().name());
        final io.weir.snapshot.SnapshotFileResult written;
        try (io.weir.snapshot.SnapshotFileWriter writer = io.weir.snapshot.SnapshotFileWriter.open(timers,
            io.weir.snapshot.SnapshotHeader.full(manifest.backendName(), 0, shard.firstKeyGroup(),
                shard.lastKeyGroup(), manifest.maxParallelism(), manifest.checkpointId(), 0)))
        {
            final org.agrona.concurrent.UnsafeBuffer key = new org.agrona.concurrent.UnsafeBuffer(new byte[3]);
            writer.put(shard.firstKeyGroup(), key, 0, 3, key, 0, 0);
            written = writer.finish();
        }
        final CheckpointManifest.Builder builder = CheckpointManifest.builder().checkpointId(manifest.checkpointId())
            .kind(manifest.kind()).creationTimeMs(manifest.creationTimeMs()).maxParallelism(manifest.maxParallelism())
            .backendName(manifest.backendName());
        for (final CheckpointManifest.ShardState each : manifest.shards())
        {
            builder.addShard(each != shard ? each : new CheckpointManifest.ShardState(each.shardId(),
                each.firstKeyGroup(), each.lastKeyGroup(), each.files(), each.watermark(), 1,
                new CheckpointManifest.FileRef(timers.getFileName().toString(), written.sizeBytes(),
                    io.weir.snapshot.SnapshotFileKind.FULL), each.operator()));
        }
        manifest.sources().forEach(source -> builder.addSource(source.sourceName(), source.position(), source.line()));
        manifest.states().forEach(builder::addState);
        manifest.properties().forEach(builder::property);
        directory.writeManifest(builder.build());

        final Path out = work.resolve("crafted-timer-out.csv");
        final Outcome restore = job("chronicle", root, out, newest.directory());
        assertEquals(1, restore.exit(), restore.err());
        final List<String> lines = restore.errLines();
        assertTrue(lines.get(lines.size() - 1).contains(timers + ": a timer of key group " + shard.firstKeyGroup() +
            " has a key of 3 bytes, which does not hold a timer"), restore.err());
        assertFalse(restore.err().contains("\tat "), restore.err());
        assertFalse(Files.exists(out));
    }

    private void check(
        final String backend,
        final Path root,
        final CheckpointDirectory directory,
        final List<CheckpointDirectory.Listing> listings,
        final CheckpointDirectory.Listing target,
        final Damage damage,
        final String context) throws Exception
    {
        final String checkpoint = target.directory().toString();
        final Outcome verify = timed(context, () -> snapshot("verify", checkpoint));
        checkVerify(verify, damage, root, context);
        final boolean sound = verify.exit() == 0;
        if (!damage.crafted())
        {
            assertFalse(sound, context + ": verify missed plain damage: " + verify.out());
        }

        final Outcome show = timed(context, () -> snapshot("show", checkpoint));
        checkOneLine("show", show, damage, root, context);
        if (!damage.crafted() && damage.manifest())
        {
            assertEquals(1, show.exit(), context + ": show read a damaged manifest");
        }

        final Outcome dump = timed(context, () -> snapshot("dump", checkpoint));
        checkOneLine("dump", dump, damage, root, context);
        final CheckpointDirectory.Listing other = listings.get(listings.indexOf(target) == 0 ? 1 : 0);
        final Outcome diff = timed(context, () -> snapshot("diff", other.directory().toString(), checkpoint));
        checkOneLine("diff", diff, damage, root, context);
        if (!damage.crafted())
        {
            assertEquals(1, dump.exit(), context + ": dump read damaged files");
            assertEquals(1, diff.exit(), context + ": diff read damaged files");
        }

        // The two verifiers agree, and a resume falls back to the newest checkpoint both call sound.
        final List<String> problems = directory.verify(target);
        assertEquals(sound, problems.isEmpty(), context + ": weir snapshot verify says " + verify.err() +
            " but the restore's verify says " + problems);
        long newestSound = -1;
        for (final CheckpointDirectory.Listing listing : listings)
        {
            if (listing.kind() == CheckpointKind.CHECKPOINT && CheckpointVerifier.verify(directory, listing).sound())
            {
                newestSound = listing.checkpointId();
            }
        }
        final List<String> warnings = new ArrayList<>();
        final Optional<CheckpointManifest> resumed = directory.latestRestorable(warnings::add);
        assertEquals(newestSound, resumed.map(CheckpointManifest::checkpointId).orElse(-1L),
            context + ": a resume falls back to another checkpoint than verify finds sound: " + warnings);
        for (final String warning : warnings)
        {
            assertFalse(warning.contains("\n"), context + ": warning of several lines: " + warning);
        }

        // A restore from the named checkpoint fails in one line naming the file, and publishes nothing.
        final Path out = root.resolveSibling(root.getFileName() + "-out.csv");
        final Outcome restore = timed(context, () -> job(backend, root, out, target.directory()));
        if (!sound)
        {
            assertEquals(1, restore.exit(), context + ": restore from a damaged checkpoint: " + restore.err());
            checkOneLine("restore", restore, damage, root, context);
            assertFalse(Files.exists(out) || Files.exists(root.resolveSibling(root.getFileName() + "-out.late.csv")),
                context + ": a failed restore published output");
        }
        else
        {
            // Crafted, and every check passes: the restore may run, or refuse what the engine checks beyond.
            for (final String sign : List.of("\tat ", "caused by", "OutOfMemoryError", "StackOverflowError"))
            {
                assertFalse(restore.err().contains(sign), context + ": restore printed '" + sign + "': " +
                    restore.err());
            }
            soundCrafted++;
        }
    }

    private static void checkVerify(final Outcome verify, final Damage damage, final Path root, final String context)
    {
        checkNoTrace("verify", verify, context);
        if (verify.exit() == 0)
        {
            assertTrue(verify.err().isEmpty(), context + ": verify passed with " + verify.err());
            return;
        }
        assertEquals(1, verify.exit(), context + ": verify exit code: " + verify.err());
        final List<String> lines = verify.errLines();
        assertTrue(lines.get(lines.size() - 1).startsWith("weir snapshot verify: FAILED: "), context + ": " +
            verify.err());
        boolean named = false;
        for (int i = 1; i < lines.size() - 1; i++)
        {
            assertTrue(lines.get(i).startsWith("  /"), context + ": verify problem does not name a file: " +
                lines.get(i));
            named |= namesFile(lines.get(i), damage, root);
        }
        assertTrue(named, context + ": no problem names the damaged file: " + verify.err());
    }

    private static void checkOneLine(
        final String command, final Outcome outcome, final Damage damage, final Path root, final String context)
    {
        checkNoTrace(command, outcome, context);
        if (outcome.exit() == 0)
        {
            return;
        }
        assertEquals(1, outcome.exit(), context + ": " + command + " exit code: " + outcome.err());
        final List<String> lines = outcome.errLines();
        assertEquals(1, lines.size(), context + ": " + command + " failed in " + lines.size() + " lines: " +
            outcome.err());
        assertTrue(namesFile(lines.get(0), damage, root), context + ": " + command + " does not name the file: " +
            lines.get(0));
    }

    private static void checkNoTrace(final String command, final Outcome outcome, final String context)
    {
        for (final String text : List.of(outcome.out(), outcome.err()))
        {
            for (final String sign : List.of("\tat ", "Error", "Exception", "java.lang.", "caused by"))
            {
                assertFalse(text.contains(sign), context + ": " + command + " printed '" + sign + "': " +
                    outcome.err());
            }
        }
    }

    /** The message names the damaged file; damage to a manifest may be reported at the data file it misdescribes. */
    private static boolean namesFile(final String line, final Damage damage, final Path root)
    {
        return line.contains(damage.file().toString()) || (damage.crafted() && damage.manifest() &&
            line.contains(root.toString()));
    }

    private static List<Path> dependencies(
        final CheckpointDirectory directory, final CheckpointDirectory.Listing listing,
        final CheckpointManifest manifest)
    {
        final List<Path> files = new ArrayList<>();
        files.add(listing.manifestPath());
        for (final String name : manifest.fileNames())
        {
            files.add(directory.resolve(manifest, name));
        }
        return files;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Damage

    private static Damage damage(final Path file, final SplittableRandom random) throws IOException
    {
        final byte[] bytes = Files.readAllBytes(file);
        final boolean manifest = file.getFileName().toString().equals("MANIFEST");
        switch (random.nextInt(10))
        {
            case 0:
            {
                final int length = random.nextInt(bytes.length);
                Files.write(file, Arrays.copyOf(bytes, length));
                return new Damage(file, "truncate to " + length + " of " + bytes.length + " bytes", false);
            }
            case 1:
            {
                final byte[] tail = new byte[1 + random.nextInt(64)];
                random.nextBytes(tail);
                Files.write(file, tail, StandardOpenOption.APPEND);
                return new Damage(file, "append " + tail.length + " bytes", false);
            }
            case 2:
                Files.delete(file);
                return new Damage(file, "delete", false);
            case 3:
            case 4:
            {
                // Distinct places: a second flip of one byte could undo the first and leave the file sound.
                final int flips = Math.min(1 + random.nextInt(3), bytes.length);
                final int[] places = new int[flips];
                final StringBuilder what = new StringBuilder("flip");
                for (int i = 0; i < flips; i++)
                {
                    int at;
                    do
                    {
                        at = random.nextInt(bytes.length);
                    }
                    while (contains(places, i, at));
                    places[i] = at;
                    final int mask = 1 + random.nextInt(255);
                    bytes[at] ^= (byte)mask;
                    what.append(" byte ").append(at).append(" ^ 0x").append(Integer.toHexString(mask));
                }
                Files.write(file, bytes);
                return new Damage(file, what.toString(), false);
            }
            default:
            {
                final boolean crafted = random.nextBoolean();
                final String what = manifest ? setManifestField(bytes, random, crafted) :
                    setDataField(bytes, random, crafted);
                if (what == null)
                {
                    // the field already held the value: flip a byte instead
                    final int at = random.nextInt(bytes.length);
                    bytes[at] ^= 0x01;
                    Files.write(file, bytes);
                    return new Damage(file, "flip byte " + at + " ^ 0x1", false);
                }
                Files.write(file, bytes);
                return new Damage(file, what + (crafted ? ", every CRC recomputed" : ""), crafted);
            }
        }
    }

    private static boolean contains(final int[] values, final int count, final int value)
    {
        for (int i = 0; i < count; i++)
        {
            if (values[i] == value)
            {
                return true;
            }
        }
        return false;
    }

    /** Where a data file's fields are, read from a sound file. */
    private static final class Layout
    {
        final int length;
        final int indexOffset;
        final int indexLength;
        final int footerOffset;
        final int blockCount;
        final int[] blockOffsets;
        final int[] blockLengths;

        private Layout(final byte[] bytes)
        {
            length = bytes.length;
            footerOffset = length - FOOTER_LENGTH;
            final ByteBuffer buffer = ByteBuffer.wrap(bytes).order(BYTE_ORDER);
            indexOffset = (int)buffer.getLong(footerOffset + FOOTER_INDEX_OFFSET_OFFSET);
            indexLength = buffer.getInt(footerOffset + FOOTER_INDEX_LENGTH_OFFSET);
            blockCount = buffer.getInt(indexOffset + INDEX_BLOCK_COUNT_OFFSET);
            blockOffsets = new int[blockCount];
            blockLengths = new int[blockCount];
            for (int i = 0; i < blockCount; i++)
            {
                final int record = indexOffset + INDEX_HEADER_LENGTH + i * INDEX_RECORD_LENGTH;
                blockOffsets[i] = (int)buffer.getLong(record + INDEX_RECORD_BLOCK_OFFSET_OFFSET);
                blockLengths[i] = buffer.getInt(record + INDEX_RECORD_BLOCK_LENGTH_OFFSET);
            }
        }

        static Layout of(final byte[] bytes)
        {
            return new Layout(bytes);
        }

        /** Recomputes every CRC over the sound file's layout, as a crafted file would carry them. */
        void fixCrcs(final byte[] bytes)
        {
            for (int i = 0; i < blockCount; i++)
            {
                putInt(bytes, blockOffsets[i] + blockLengths[i] - BLOCK_CRC_LENGTH,
                    crc(bytes, blockOffsets[i], blockLengths[i] - BLOCK_CRC_LENGTH));
            }
            putInt(bytes, footerOffset + FOOTER_INDEX_CRC_OFFSET, crc(bytes, indexOffset, indexLength));
            putInt(bytes, footerOffset + FOOTER_CRC_OFFSET, crc(bytes, footerOffset, FOOTER_CRC_OFFSET));
            putInt(bytes, HEADER_CRC_OFFSET, crc(bytes, 0, HEADER_CRC_OFFSET));
        }
    }

    /** Sets a length, offset, count or range field of a snapshot data file to an extreme or past-the-end value. */
    private static String setDataField(final byte[] bytes, final SplittableRandom random, final boolean crafted)
    {
        final Layout layout = Layout.of(bytes);
        final List<long[]> fields = new ArrayList<>(); // {offset, width}
        for (final int offset : new int[]{VERSION_OFFSET, FILE_KIND_OFFSET, SHARD_ID_OFFSET, FIRST_KEY_GROUP_OFFSET,
            LAST_KEY_GROUP_OFFSET, MAX_PARALLELISM_OFFSET, BACKEND_NAME_LENGTH_OFFSET})
        {
            fields.add(new long[]{offset, 4});
        }
        fields.add(new long[]{CHECKPOINT_ID_OFFSET, 8});
        fields.add(new long[]{PARENT_CHECKPOINT_ID_OFFSET, 8});
        fields.add(new long[]{layout.footerOffset + FOOTER_INDEX_OFFSET_OFFSET, 8});
        fields.add(new long[]{layout.footerOffset + FOOTER_TOTAL_ENTRIES_OFFSET, 8});
        fields.add(new long[]{layout.footerOffset + FOOTER_INDEX_LENGTH_OFFSET, 4});
        fields.add(new long[]{layout.footerOffset + FOOTER_RESERVED_OFFSET, 4});
        fields.add(new long[]{layout.indexOffset + INDEX_BLOCK_COUNT_OFFSET, 4});
        if (layout.blockCount > 0)
        {
            final int block = random.nextInt(layout.blockCount);
            final int record = layout.indexOffset + INDEX_HEADER_LENGTH + block * INDEX_RECORD_LENGTH;
            fields.add(new long[]{record + INDEX_RECORD_KEY_GROUP_OFFSET, 4});
            fields.add(new long[]{record + INDEX_RECORD_ENTRY_COUNT_OFFSET, 4});
            fields.add(new long[]{record + INDEX_RECORD_BLOCK_OFFSET_OFFSET, 8});
            fields.add(new long[]{record + INDEX_RECORD_BLOCK_LENGTH_OFFSET, 4});
            fields.add(new long[]{record + INDEX_RECORD_RESERVED_OFFSET, 4});
            final int offset = layout.blockOffsets[block];
            fields.add(new long[]{offset + BLOCK_KEY_GROUP_OFFSET, 4});
            fields.add(new long[]{offset + BLOCK_ENTRY_COUNT_OFFSET, 4});
            fields.add(new long[]{offset + BLOCK_PAYLOAD_LENGTH_OFFSET, 4});
            final ByteBuffer buffer = ByteBuffer.wrap(bytes).order(BYTE_ORDER);
            final int keyLengthAt = offset + BLOCK_HEADER_LENGTH + ENTRY_TYPE_LENGTH;
            fields.add(new long[]{keyLengthAt, 4});
            if (bytes[offset + BLOCK_HEADER_LENGTH] == ENTRY_PUT)
            {
                fields.add(new long[]{keyLengthAt + LENGTH_FIELD_LENGTH + buffer.getInt(keyLengthAt), 4});
            }
        }
        final long[] field = fields.get(random.nextInt(fields.size()));
        final String what = setField(bytes, (int)field[0], (int)field[1], random);
        if (what != null && crafted)
        {
            layout.fixCrcs(bytes);
        }
        return what;
    }

    /** Sets a field of a MANIFEST's body (or its body length) to an extreme value. */
    private static String setManifestField(final byte[] bytes, final SplittableRandom random, final boolean crafted)
    {
        final int bodyLength = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getInt(12);
        final String what;
        if (random.nextInt(8) == 0)
        {
            what = setField(bytes, 12, 4, random);
        }
        else if (random.nextBoolean())
        {
            final int width = random.nextBoolean() ? 4 : 8;
            what = setField(bytes, 16 + random.nextInt(bodyLength - width + 1), width, random);
        }
        else
        {
            // Most likely a count, a length, an id or a key group: a small int.
            final ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            final List<Integer> small = new ArrayList<>();
            for (int at = 16; at + 4 <= 16 + bodyLength; at++)
            {
                final int value = buffer.getInt(at);
                if (value >= 0 && value <= 4096)
                {
                    small.add(at);
                }
            }
            what = small.isEmpty() ? null : setField(bytes, small.get(random.nextInt(small.size())), 4, random);
        }
        if (what != null && crafted)
        {
            putInt(bytes, 16 + bodyLength, crc(bytes, 0, 16 + bodyLength));
        }
        return what;
    }

    /** @return what was done, or null if the field already held the value picked. */
    private static String setField(final byte[] bytes, final int offset, final int width, final SplittableRandom random)
    {
        final ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        final long old = width == 4 ? buffer.getInt(offset) : buffer.getLong(offset);
        final long[] values = width == 4 ?
            new long[]{Integer.MAX_VALUE, Integer.MIN_VALUE, -1, 0, 1 << 20, bytes.length, bytes.length + 1L,
                old + 1, old - 1} :
            new long[]{Long.MAX_VALUE, Long.MIN_VALUE, -1, 0, Long.MAX_VALUE - 16, bytes.length, bytes.length + 1L,
                old + 1, old - 1};
        final long value = values[random.nextInt(values.length)];
        if ((width == 4 && (int)value == (int)old) || (width == 8 && value == old))
        {
            return null;
        }
        if (width == 4)
        {
            buffer.putInt(offset, (int)value);
        }
        else
        {
            buffer.putLong(offset, value);
        }
        return "set the " + width + "-byte field at offset " + offset + " from " + old + " to " + value;
    }

    private static int crc(final byte[] bytes, final int offset, final int length)
    {
        final CRC32C crc = new CRC32C();
        crc.update(bytes, offset, length);
        return (int)crc.getValue();
    }

    private static void putInt(final byte[] bytes, final int offset, final int value)
    {
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(offset, value);
    }

    private static void putLong(final byte[] bytes, final int offset, final long value)
    {
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(offset, value);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Running commands

    private interface Command
    {
        Outcome run() throws Exception;
    }

    private static Outcome timed(final String context, final Command command)
    {
        return assertTimeoutPreemptively(COMMAND_TIMEOUT, command::run, () -> context + ": hung");
    }

    private static Outcome snapshot(final String... args)
    {
        final String[] all = new String[args.length + 1];
        all[0] = "snapshot";
        System.arraycopy(args, 0, all, 1, args.length);
        return cli(all);
    }

    /** {@code weir job session} with checkpoints under {@code root}, restoring {@code restore} if not null. */
    private static Outcome job(final String backend, final Path root, final Path out, final Path restore)
    {
        final List<String> args = new ArrayList<>(JobCheckpoints.jobArgs(input, out, backend));
        args.add("--checkpoint-dir");
        args.add(root.toString());
        if (restore != null)
        {
            args.add("--restore");
            args.add(restore.toString());
        }
        return cli(args.toArray(new String[0]));
    }

    private static Outcome cli(final String... args)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int exit;
        try (PrintStream outStream = new PrintStream(out, true, StandardCharsets.UTF_8);
            PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8))
        {
            exit = WeirCli.run(args, outStream, errStream);
        }
        return new Outcome(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static void deleteTree(final Path root) throws IOException
    {
        try (java.util.stream.Stream<Path> paths = Files.walk(root))
        {
            for (final Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList())
            {
                Files.deleteIfExists(path);
            }
        }
    }
}
