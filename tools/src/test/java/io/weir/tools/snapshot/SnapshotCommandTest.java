package io.weir.tools.snapshot;

import io.weir.snapshot.CheckpointKind;
import io.weir.snapshot.SnapshotFileDescriptor;
import io.weir.snapshot.SnapshotFileKind;
import io.weir.tools.cli.WeirCli;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static io.weir.tools.snapshot.CheckpointFixture.COUNTS;
import static io.weir.tools.snapshot.CheckpointFixture.EVENTS;
import static io.weir.tools.snapshot.CheckpointFixture.LAST_SEEN;
import static io.weir.tools.snapshot.CheckpointFixture.SEEN;
import static io.weir.tools.snapshot.CheckpointFixture.WINDOWS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * End to end through {@link WeirCli#run}: real checkpoints written by the snapshot module's writers.
 * <ul>
 *   <li>chk 1, FULL: counts 1=10 2=20 3=30 5=50; events 4=[100, 200]; seen 6={a=1, b=2}; last-seen 7=70 (TTL);
 *       windows 3@ns1000=5; a timer for key 1.</li>
 *   <li>chk 2, DELTA on 1: counts 1=11 (overwrite), 2 deleted (tombstone), 9=90 (new); events 4=[100, 200, 300].</li>
 *   <li>savepoint 3: counts 1=12.</li>
 * </ul>
 */
@Timeout(60)
class SnapshotCommandTest
{
    @TempDir
    Path root;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private Path chk1;
    private Path chk2;
    private Path savepoint3;

    @BeforeEach
    void writeCheckpoints()
    {
        final CheckpointFixture fixture = new CheckpointFixture(root);
        chk1 = fixture.begin(1, SnapshotFileKind.FULL, CheckpointKind.CHECKPOINT)
            .value(COUNTS, 1, 10).value(COUNTS, 2, 20).value(COUNTS, 3, 30).value(COUNTS, 5, 50)
            .list(EVENTS, 4, 100, 200)
            .mapEntry(SEEN, 6, "a", 0, 1).mapEntry(SEEN, 6, "b", 1, 2)
            .ttlValue(LAST_SEEN, 7, 1_700_000_000_500L, 70)
            .namespacedValue(WINDOWS, 3, 1000, 5)
            .timer(1, 9999)
            .commit();
        chk2 = fixture.begin(2, SnapshotFileKind.DELTA, CheckpointKind.CHECKPOINT)
            .value(COUNTS, 1, 11).deleteValue(COUNTS, 2).value(COUNTS, 9, 90)
            .list(EVENTS, 4, 100, 200, 300)
            .commit();
        savepoint3 = fixture.begin(3, SnapshotFileKind.FULL, CheckpointKind.SAVEPOINT)
            .value(COUNTS, 1, 12)
            .commit();
    }

    private int run(final String... args)
    {
        out.reset();
        err.reset();
        return WeirCli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out()
    {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err()
    {
        return err.toString(StandardCharsets.UTF_8);
    }

    private List<String> outLines()
    {
        return out().lines().toList();
    }

    private Path shared(final String name)
    {
        return root.resolve("shared").resolve(name);
    }

    // ---- list / show

    @Test
    void shouldListEveryCheckpointAndSavepointWithChainsNewestLast() throws Exception
    {
        Files.createDirectories(root.resolve("chk-0000000004"));
        assertEquals(0, run("snapshot", "list", root.toString()), err());
        final String listed = out();
        assertTrue(listed.contains("chk-0000000001         checkpoint id 1      2023-11-14T22:13:21Z     complete   " +
            "2 full + 0 delta"), listed);
        assertTrue(listed.contains("2 full + 2 delta"), listed);
        assertTrue(listed.contains("savepoint-0000000003   savepoint  id 3"), listed);
        assertTrue(listed.contains("chk-0000000004") && listed.contains("incomplete (no MANIFEST)"), listed);
        assertTrue(listed.contains("shard 0 [0, 3]: shard-0-chk-0000000001.full + shard-0-chk-0000000002.delta"),
            listed);
        assertTrue(listed.contains("shard 1 [4, 7]: shard-1-chk-0000000003.full"), listed);
        assertTrue(listed.indexOf("chk-0000000001") < listed.indexOf("chk-0000000002 "));
        assertTrue(listed.indexOf("chk-0000000002 ") < listed.indexOf("savepoint-0000000003"));
        assertTrue(listed.indexOf("savepoint-0000000003") < listed.indexOf("chk-0000000004"));
        assertTrue(listed.contains("4 checkpoint(s) and savepoint(s)"), listed);
    }

    @Test
    void shouldShowManifestByDirectoryManifestPathOrId()
    {
        assertEquals(0, run("snapshot", "show", chk2.toString()), err());
        final String shown = out();
        assertTrue(shown.contains("checkpoint 2"), shown);
        assertTrue(shown.contains("#1 counts VALUE key=long value=long ttl=none"), shown);
        assertTrue(shown.contains("#3 seen MAP key=long value=long userKey=string-utf8 ttl=none"), shown);
        assertTrue(shown.contains("#4 last-seen VALUE key=long value=long ttl=60000ms"), shown);
        assertTrue(shown.contains("shard 1 key groups [4, 7] watermark 10001 timers 4"), shown);
        assertTrue(shown.contains("FULL shard-0-chk-0000000001.full"), shown);
        assertTrue(shown.contains("DELTA shard-0-chk-0000000002.delta"), shown);
        assertTrue(shown.contains("orders.csv position 2000 line 20"), shown);
        assertTrue(shown.contains("job.name = fixture"), shown);

        assertEquals(0, run("snapshot", "show", chk2.resolve("MANIFEST").toString()), err());
        assertEquals(shown, out());
        assertEquals(0, run("snapshot", "show", root.toString(), "--id", "2"), err());
        assertEquals(shown, out());
        assertEquals(0, run("snapshot", "show", root.toString(), "--id", "3"), err());
        assertTrue(out().contains("savepoint 3"), out());
        assertTrue(out().contains("data files in:     " + savepoint3), out());
    }

    // ---- verify

    @Test
    void shouldVerifySoundCheckpointAndRoot()
    {
        assertEquals(0, run("snapshot", "verify", chk2.toString()), err());
        assertTrue(out().startsWith("weir snapshot verify: OK: checkpoint 2"), out());
        assertEquals(1, outLines().size(), out());
        assertEquals(0, run("snapshot", "verify", root.toString()), err());
        assertTrue(out().contains("OK: 3 checkpoint(s) and savepoint(s)"), out());
        assertEquals(0, run("snapshot", "verify", savepoint3.toString()), err());
    }

    @Test
    void shouldNameFileAndOffsetOfACorruptByteInADataBlock() throws Exception
    {
        final Path delta = shared("shard-0-chk-0000000002.delta");
        final long blockOffset = SnapshotFileDescriptor.HEADER_LENGTH;
        try (RandomAccessFile file = new RandomAccessFile(delta.toFile(), "rw"))
        {
            final long at = blockOffset + SnapshotFileDescriptor.BLOCK_HEADER_LENGTH + 5;
            file.seek(at);
            final int b = file.read();
            file.seek(at);
            file.write(b ^ 0x40);
        }
        assertEquals(1, run("snapshot", "verify", chk2.toString()));
        assertTrue(err().contains(delta + ": offset " + blockOffset + ": CRC mismatch in block"), err());
        assertTrue(err().contains("FAILED"), err());
        assertEquals(0, run("snapshot", "verify", chk1.toString()), err());

        assertEquals(1, run("snapshot", "verify", root.toString()));
        assertTrue(err().contains(delta.toString()) && err().contains("1 of 3"), err());

        assertEquals(1, run("snapshot", "dump", chk2.toString()));
        assertTrue(err().contains(delta + ": offset " + blockOffset), err());
    }

    @Test
    void shouldCatchATruncatedFile() throws Exception
    {
        final Path full = shared("shard-1-chk-0000000001.full");
        final long sizeBytes = Files.size(full);
        try (RandomAccessFile file = new RandomAccessFile(full.toFile(), "rw"))
        {
            file.setLength(sizeBytes - 10);
        }
        assertEquals(1, run("snapshot", "verify", chk1.toString()));
        assertTrue(err().contains(full + ": offset " + (sizeBytes - 10) + ": truncated"), err());
        assertEquals(1, run("snapshot", "verify", chk2.toString()), "chk 2 builds on the truncated base");
        assertTrue(err().contains(full.toString()), err());
    }

    @Test
    void shouldCatchADeltaTheManifestReferencesButIsGone() throws Exception
    {
        final Path delta = shared("shard-1-chk-0000000002.delta");
        Files.delete(delta);
        assertEquals(1, run("snapshot", "verify", chk2.toString()));
        assertTrue(err().contains(delta + ": missing"), err());
        assertTrue(err().contains("shard-1-chk-0000000002.delta"), err());
        assertEquals(0, run("snapshot", "verify", chk1.toString()), err());
    }

    @Test
    void shouldCatchABrokenChainLink() throws Exception
    {
        // replace chk 2's delta of shard 0 with a delta whose parent is checkpoint 7
        final CheckpointFixture other = new CheckpointFixture(root.resolve("other"));
        other.begin(7, SnapshotFileKind.FULL, CheckpointKind.CHECKPOINT).commit();
        other.begin(2, SnapshotFileKind.DELTA, CheckpointKind.CHECKPOINT).value(COUNTS, 1, 11)
            .deleteValue(COUNTS, 2).value(COUNTS, 9, 90).list(EVENTS, 4, 100, 200, 300).commit();
        final Path delta = shared("shard-0-chk-0000000002.delta");
        Files.copy(root.resolve("other/shared/shard-0-chk-0000000002.delta"), delta,
            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertEquals(1, run("snapshot", "verify", chk2.toString()));
        assertTrue(err().contains(delta + ": offset " + SnapshotFileDescriptor.PARENT_CHECKPOINT_ID_OFFSET +
            ": broken chain: parent checkpoint 7"), err());
    }

    @Test
    void shouldReportAnIncompleteCheckpoint() throws Exception
    {
        final Path chk4 = Files.createDirectories(root.resolve("chk-0000000004"));
        assertEquals(1, run("snapshot", "verify", chk4.toString()));
        assertTrue(err().contains("no MANIFEST"), err());
        assertEquals(0, run("snapshot", "verify", root.toString()), err());
        assertTrue(out().contains("skipped 1 incomplete: chk-0000000004"), out());
        assertEquals(1, run("snapshot", "dump", chk4.toString()));
        assertTrue(err().contains("incomplete"), err());
    }

    // ---- dump

    @Test
    void shouldResolveBaseAndDeltaWithOverwriteAndTombstone()
    {
        assertEquals(0, run("snapshot", "dump", chk2.toString(), "--state", "counts"), err());
        assertEquals(List.of(
            "state,keyGroup,key,subkey,value",
            "counts,1,1,,11",
            "counts,1,9,,90",
            "counts,3,3,,30",
            "counts,5,5,,50"), outLines());

        assertEquals(0, run("snapshot", "dump", chk1.toString(), "--state", "counts"), err());
        assertEquals(List.of(
            "state,keyGroup,key,subkey,value",
            "counts,1,1,,10",
            "counts,2,2,,20",
            "counts,3,3,,30",
            "counts,5,5,,50"), outLines());
    }

    @Test
    void shouldDecodeListsMapsTtlNamespacesAndTimers()
    {
        assertEquals(0, run("snapshot", "dump", chk2.toString()), err());
        assertEquals(List.of(
            "state,keyGroup,key,subkey,value",
            "timers,1,000000000000270f0000000000000001,,",
            "counts,1,1,,11",
            "counts,1,9,,90",
            "counts,3,3,,30",
            "windows,3,3,ns=1000,5",
            "events,4,4,0,100",
            "events,4,4,1,200",
            "events,4,4,2,300",
            "counts,5,5,,50",
            "seen,6,6,a,1",
            "seen,6,6,b,2",
            "last-seen,7,7,,70"), outLines());
    }

    @Test
    void shouldFilterByStateKeyGroupAndKey()
    {
        assertEquals(0, run("snapshot", "dump", chk2.toString(), "--key-group", "1"), err());
        assertEquals(List.of("state,keyGroup,key,subkey,value", "timers,1,000000000000270f0000000000000001,,",
            "counts,1,1,,11", "counts,1,9,,90"), outLines());

        assertEquals(0, run("snapshot", "dump", chk2.toString(), "--key", "4"), err());
        assertEquals(List.of("state,keyGroup,key,subkey,value", "events,4,4,0,100", "events,4,4,1,200",
            "events,4,4,2,300"), outLines());

        assertEquals(0, run("snapshot", "dump", chk2.toString(), "--state", "counts", "--key-group", "3",
            "--key", "3"), err());
        assertEquals(List.of("state,keyGroup,key,subkey,value", "counts,3,3,,30"), outLines());

        assertEquals(0, run("snapshot", "dump", chk2.toString(), "--state", "timers"), err());
        assertEquals(2, outLines().size(), out());

        assertEquals(0, run("snapshot", "dump", chk2.toString(), "--key", "42"), err());
        assertEquals(List.of("state,keyGroup,key,subkey,value"), outLines());
    }

    @Test
    void shouldDumpJsonOneObjectPerLine()
    {
        assertEquals(0, run("snapshot", "dump", root.toString(), "--id", "2", "--format", "json", "--key-group", "7"),
            err());
        assertEquals(List.of("{\"state\":\"last-seen\",\"keyGroup\":7,\"key\":\"7\",\"subkey\":\"\",\"value\":\"70\"," +
            "\"ttlTimestampMs\":1700000000500}"), outLines());

        assertEquals(0, run("snapshot", "dump", chk2.toString(), "--format=json", "--state", "seen"), err());
        assertEquals(List.of(
            "{\"state\":\"seen\",\"keyGroup\":6,\"key\":\"6\",\"subkey\":\"a\",\"value\":\"1\"}",
            "{\"state\":\"seen\",\"keyGroup\":6,\"key\":\"6\",\"subkey\":\"b\",\"value\":\"2\"}"), outLines());
    }

    @Test
    void shouldDumpASavepointFromItsOwnFiles()
    {
        assertEquals(0, run("snapshot", "dump", savepoint3.resolve("MANIFEST").toString()), err());
        assertEquals(List.of("state,keyGroup,key,subkey,value", "counts,1,1,,12"), outLines());
    }

    @Test
    void shouldFailOnUnknownStateOrKeyGroupOutOfRange()
    {
        assertEquals(1, run("snapshot", "dump", chk2.toString(), "--state", "nope"));
        assertTrue(err().contains("no state named 'nope'; states: counts, events, seen, last-seen, windows, timers"),
            err());
        assertEquals(1, run("snapshot", "dump", chk2.toString(), "--key-group", "8"));
        assertTrue(err().contains("--key-group 8 is outside the checkpoint's key groups 0..7"), err());
    }

    // ---- diff

    @Test
    void shouldDiffAddedRemovedAndChangedPerState()
    {
        assertEquals(0, run("snapshot", "diff", chk1.toString(), chk2.toString()), err());
        final String diff = out();
        assertTrue(diff.contains("state counts: 1 added, 1 removed, 1 changed (4 -> 4 entries)"), diff);
        assertTrue(diff.contains("  ~ keyGroup 1 key 1: 10 -> 11"), diff);
        assertTrue(diff.contains("  - keyGroup 2 key 2 = 20"), diff);
        assertTrue(diff.contains("  + keyGroup 1 key 9 = 90"), diff);
        assertTrue(diff.contains("state events: 1 added, 0 removed, 0 changed (2 -> 3 entries)"), diff);
        assertTrue(diff.contains("  + keyGroup 4 key 4 subkey 2 = 300"), diff);
        assertTrue(diff.contains("state seen: 0 added, 0 removed, 0 changed (2 -> 2 entries)"), diff);
        assertTrue(diff.contains("total: 2 added, 1 removed, 1 changed"), diff);

        assertEquals(0, run("snapshot", "diff", chk1.toString(), chk2.toString(), "--limit", "1"), err());
        final long listed = outLines().stream().filter(l -> l.matches("  [-+~] .*")).count();
        assertEquals(1, listed, out());
        assertTrue(out().contains("... 3 more not listed (--limit 1)"), out());
        assertTrue(out().contains("total: 2 added, 1 removed, 1 changed"), out());

        assertEquals(0, run("snapshot", "diff", chk2.toString(), savepoint3.toString(), "--limit", "0"), err());
        assertTrue(out().contains("state counts: 0 added, 3 removed, 1 changed (4 -> 1 entries)"), out());
        assertTrue(out().contains("state timers: 0 added, 1 removed, 0 changed (1 -> 0 entries), only in A"), out());
    }

    // ---- command line

    @Test
    void shouldRejectBadCommandLinesWithOneLineAndExit2()
    {
        assertEquals(2, run("snapshot"));
        assertTrue(err().startsWith("weir snapshot: expected a subcommand"), err());
        assertEquals(2, run("snapshot", "frobnicate"));
        assertEquals(1, err().lines().count(), err());
        assertEquals(2, run("snapshot", "dump", chk2.toString(), "--frmat", "csv"));
        assertTrue(err().contains("unknown option --frmat"), err());
        assertEquals(2, run("snapshot", "dump", chk2.toString(), "--format", "xml"));
        assertTrue(err().contains("--format must be one of csv, json"), err());
        assertEquals(2, run("snapshot", "dump", chk2.toString(), "--key-group", "x"));
        assertEquals(2, run("snapshot", "show", root.toString()));
        assertTrue(err().contains("add --id N"), err());
        assertEquals(2, run("snapshot", "diff", chk1.toString()));
        assertEquals(2, run("snapshot", "list", chk1.toString()));
        assertTrue(err().contains("not a checkpoint root"), err());
    }

    @Test
    void shouldPrintHelpPerSubcommand()
    {
        for (final String sub : List.of("list", "show", "verify", "dump", "diff"))
        {
            assertEquals(0, run("snapshot", sub, "--help"), err());
            assertTrue(out().startsWith("Usage: weir snapshot " + sub), out());
        }
        assertEquals(0, run("snapshot", "--help"));
        assertTrue(out().contains("dump CHECKPOINT"), out());
        assertEquals(0, run("--help"));
        assertTrue(out().contains("snapshot list|show|verify|dump|diff"), out());
    }

    @Test
    void shouldFailWithExit1OnMissingPathsWithoutCreatingAnything()
    {
        final Path missing = root.resolve("nowhere/chk-0000000001");
        assertEquals(1, run("snapshot", "show", missing.toString()));
        assertTrue(err().contains("no such file or directory"), err());
        assertEquals(1, run("snapshot", "show", root.toString(), "--id", "99"));
        assertTrue(err().contains("no checkpoint or savepoint with id 99"), err());
        final Path plain = root.resolve("plain");
        assertEquals(1, run("snapshot", "list", root.resolve("other-missing").toString()));
        assertFalse(Files.exists(plain.resolve("shared")));
    }
}
