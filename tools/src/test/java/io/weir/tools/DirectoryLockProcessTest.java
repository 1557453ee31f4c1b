package io.weir.tools;

import io.weir.snapshot.ChildJvmCommand;
import io.weir.snapshot.DirectoryLock;
import io.weir.tools.cli.WeirCli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A checkpoint directory and an output's part directory belong to one running job: a second job is refused at once
 * with one line naming the directory and the holder's pid, and changes nothing; a killed holder does not block the
 * run that resumes its work.
 */
class DirectoryLockProcessTest
{
    private static final String LOG_NAME = "child.log";

    @TempDir
    Path dir;

    /** Run in a child JVM: holds the lock of {@code args[0]} until killed, after saying so on stdout. */
    public static final class LockHolder
    {
        public static void main(final String[] args) throws Exception
        {
            DirectoryLock.acquire(Path.of(args[0]), "checkpoint directory", "job 'holder'");
            System.out.println("locked");
            System.out.flush();
            Thread.sleep(Long.MAX_VALUE);
        }
    }

    private List<String> jobArgs(final Path checkpoints, final long rate)
    {
        final Path golden = GoldenFiles.root().resolve("basic");
        final List<String> args = new ArrayList<>(List.of("job", "session",
            "--in", golden.resolve("input.csv").toString(),
            "--out", dir.resolve("out.csv").toString(),
            "--out-of-order-ms", Long.toString(GoldenFiles.outOfOrdernessMs("basic")),
            "--backend", "chronicle",
            "--shards", "2",
            "--checkpoint-dir", checkpoints.toString(),
            "--checkpoint-interval-ms", "40"));
        if (rate > 0)
        {
            args.add("--source-rate");
            args.add(Long.toString(rate));
        }
        return args;
    }

    @Test
    @Timeout(300)
    void shouldRefuseASecondJobOnTheDirectoriesOfARunningJobWhichStillFinishesExactly() throws Exception
    {
        final Path checkpoints = dir.resolve("checkpoints");
        final Process first = ChildJvm.start(dir.resolve(LOG_NAME), jobArgs(checkpoints, 2_000));
        try
        {
            awaitManifest(first, checkpoints);

            final Run sameDirectory = run(jobArgs(checkpoints, 0));
            assertEquals(1, sameDirectory.code, sameDirectory.err);
            assertOneLine(sameDirectory.err, "weir job session: checkpoint directory " + checkpoints +
                " is in use by job 'session' (pid " + first.pid() + ", since ");

            final Run sameOutput = run(jobArgs(dir.resolve("other-checkpoints"), 0));
            assertEquals(1, sameOutput.code, sameOutput.err);
            assertOneLine(sameOutput.err, "weir job session: output part directory " + dir.resolve(".out.csv.parts") +
                " is in use by the job writing " + dir.resolve("out.csv") + " (pid " + first.pid() + ", since ");

            assertTrue(first.waitFor(120, TimeUnit.SECONDS), "the first job finished");
            assertEquals(0, first.exitValue(), Files.readString(dir.resolve(LOG_NAME)));
        }
        finally
        {
            first.destroyForcibly().waitFor();
        }
        assertGolden("the first job, after two were refused");
    }

    @Test
    @Timeout(300)
    void shouldTouchNothingWhenRefusedAndResumeOnceTheHoldersWereKilled() throws Exception
    {
        final Path checkpoints = dir.resolve("checkpoints");
        final Process killed = ChildJvm.start(dir.resolve(LOG_NAME), jobArgs(checkpoints, 2_000));
        try
        {
            awaitManifest(killed, checkpoints);
        }
        finally
        {
            killed.destroyForcibly().waitFor();
        }
        final Process holder = new ProcessBuilder(
            ChildJvmCommand.of(ChildJvmCommand::isLocaleOption, List.of(), LockHolder.class,
                List.of(checkpoints.toString())))
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
        try
        {
            final String line = new BufferedReader(new InputStreamReader(holder.getInputStream(),
                StandardCharsets.UTF_8)).readLine();
            assertNotNull(line, "the lock holder exited before locking");
            final Map<String, String> before = tree();

            final Run refused = run(jobArgs(checkpoints, 0));
            assertEquals(1, refused.code, refused.err);
            assertOneLine(refused.err, "weir job session: checkpoint directory " + checkpoints +
                " is in use by job 'holder' (pid " + holder.pid() + ", since ");
            assertEquals(before, tree(), "the refused job changed nothing");
        }
        finally
        {
            holder.destroyForcibly().waitFor();
        }

        // Both holders were killed with their LOCK files in place: the rerun resumes all the same.
        assertTrue(Files.exists(checkpoints.resolve(DirectoryLock.LOCK_FILE_NAME)));
        assertTrue(Files.exists(dir.resolve(".out.csv.parts").resolve(DirectoryLock.LOCK_FILE_NAME)));
        final Run resumed = run(jobArgs(checkpoints, 0));
        assertEquals(0, resumed.code, resumed.err);
        assertTrue(resumed.err.contains("resuming from checkpoint"), resumed.err);
        assertGolden("resumed after the holders were killed");
        assertFalse(Files.exists(dir.resolve(".out.csv.parts")), "the parts are removed once the job finished");
    }

    private record Run(int code, String out, String err)
    {
    }

    private static Run run(final List<String> args)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int code = WeirCli.run(args.toArray(new String[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static void assertOneLine(final String err, final String expectedStart)
    {
        final String line = err.strip();
        assertFalse(line.contains("\n"), "one line:\n" + err);
        assertTrue(line.startsWith(expectedStart), "expected a line starting with\n" + expectedStart + "\ngot\n" + err);
    }

    private void awaitManifest(final Process child, final Path checkpoints) throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (manifestCount(checkpoints) == 0)
        {
            assertTrue(child.isAlive(), () -> "the job ended before its first checkpoint:\n" + log());
            assertTrue(System.nanoTime() < deadline, () -> "no checkpoint within 60 s:\n" + log());
            Thread.sleep(5);
        }
    }

    private String log()
    {
        try
        {
            return Files.readString(dir.resolve(LOG_NAME));
        }
        catch (final java.io.IOException ex)
        {
            return "(no log: " + ex + ")";
        }
    }

    private static int manifestCount(final Path checkpoints) throws Exception
    {
        if (!Files.isDirectory(checkpoints))
        {
            return 0;
        }
        try (Stream<Path> entries = Files.list(checkpoints))
        {
            return (int)entries.filter(p -> Files.exists(p.resolve("MANIFEST"))).count();
        }
    }

    /** Every file and directory under the test directory but the child's log: path -> size and CRC of content. */
    private Map<String, String> tree() throws Exception
    {
        final Map<String, String> tree = new TreeMap<>();
        try (Stream<Path> paths = Files.walk(dir))
        {
            for (final Path path : (Iterable<Path>)paths::iterator)
            {
                if (path.getFileName().toString().equals(LOG_NAME))
                {
                    continue;
                }
                if (Files.isDirectory(path))
                {
                    tree.put(dir.relativize(path).toString(), "directory");
                    continue;
                }
                final byte[] bytes = Files.readAllBytes(path);
                final CRC32 crc = new CRC32();
                crc.update(bytes);
                tree.put(dir.relativize(path).toString(), bytes.length + " bytes, crc " + crc.getValue());
            }
        }
        return tree;
    }

    private void assertGolden(final String context)
    {
        final Path golden = GoldenFiles.root().resolve("basic");
        GoldenFiles.assertSameRows(golden.resolve("session.csv"), dir.resolve("out.csv"), context);
        GoldenFiles.assertSameRows(golden.resolve("session.late.csv"), dir.resolve("out.late.csv"), context);
    }
}
