package io.weir.tools.cli;

import io.weir.snapshot.CheckpointDirectory;
import io.weir.snapshot.CheckpointKind;
import io.weir.snapshot.CheckpointManifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code weir job --allow-non-restored-state}: a savepoint holding state the job does not register. */
@Timeout(60)
class AllowNonRestoredStateTest
{
    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(final String... args)
    {
        out.reset();
        err.reset();
        return WeirCli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String err()
    {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void shouldRefuseStateTheJobDoesNotRegisterUnlessAllowed() throws Exception
    {
        final Path in = dir.resolve("in.csv");
        final StringBuilder csv = new StringBuilder();
        for (int i = 1; i <= 2_000; i++)
        {
            csv.append(i % 4).append(",1,").append(i).append(',').append(i).append('\n');
        }
        Files.writeString(in, csv);
        final Path outFile = dir.resolve("out.csv");
        final Path checkpoints = dir.resolve("cp");
        final String[] common = {"job", "rolling-sum", "--in", in.toString(), "--out", outFile.toString(),
            "--backend", "heap", "--shards", "2", "--checkpoint-dir", checkpoints.toString()};

        assertEquals(0, run(concat(common, "--source-rate", "100", "--stop-after-events", "3")), err());
        // The savepoint, as a job that also had a state 'obsolete' would have left it.
        final CheckpointDirectory directory = new CheckpointDirectory(checkpoints);
        final CheckpointDirectory.Listing listing = directory.list().stream()
            .filter(l -> l.kind() == CheckpointKind.SAVEPOINT && l.complete()).findFirst().orElseThrow();
        final CheckpointManifest savepoint = directory.readManifest(listing);
        final CheckpointManifest.StateDescriptor sum = savepoint.states().get(0);
        final CheckpointManifest.Builder builder = CheckpointManifest.builder()
            .checkpointId(savepoint.checkpointId())
            .kind(savepoint.kind())
            .creationTimeMs(savepoint.creationTimeMs())
            .maxParallelism(savepoint.maxParallelism())
            .backendName(savepoint.backendName());
        savepoint.shards().forEach(builder::addShard);
        savepoint.sources().forEach(s -> builder.addSource(s.sourceName(), s.position(), s.line()));
        savepoint.states().forEach(builder::addState);
        builder.addState(new CheckpointManifest.StateDescriptor(sum.stateId() + 1, "obsolete", "VALUE",
            sum.keyCodecId(), "long", "", 0, sum.operator()));
        savepoint.properties().forEach(builder::property);
        directory.writeManifest(builder.build());
        final String restore = listing.directory().toString();

        assertEquals(1, run(concat(common, "--restore", restore)));
        assertTrue(err().contains("cannot restore savepoint " + restore + " into job 'rolling-sum'") &&
            err().contains("state 'obsolete' (value<long> with TTL off)") &&
            err().contains("--allow-non-restored-state"), err());

        assertEquals(0, run(concat(common, "--restore", restore, "--allow-non-restored-state")), err());
        assertTrue(err().contains("state 'obsolete' (value<long> with TTL off)") &&
            err().contains("is not restored"), err());
        assertEquals(2_000, Files.readAllLines(outFile).size(), "one row per event, the restored ones included");
    }

    @Test
    void shouldExplainTheFlagAndRequireACheckpointDirectory()
    {
        assertEquals(0, run("job", "--help"));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("--allow-non-restored-state"));
        assertEquals(2, run("job", "rolling-sum", "--in", "a", "--out", "b", "--allow-non-restored-state"));
        assertEquals("weir job: --allow-non-restored-state needs --checkpoint-dir\n", err());
    }

    private static String[] concat(final String[] first, final String... more)
    {
        final String[] all = java.util.Arrays.copyOf(first, first.length + more.length);
        System.arraycopy(more, 0, all, first.length, more.length);
        return all;
    }
}
