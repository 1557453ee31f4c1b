package io.weir.snapshot;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

@Timeout(60)
class DirectoryLockTest
{
    @TempDir
    Path dir;

    /** Run in a child JVM: locks {@code args[0]}, says so on stdout, and holds it until killed. */
    public static final class Holder
    {
        public static void main(final String[] args) throws Exception
        {
            final DirectoryLock lock = DirectoryLock.acquire(Path.of(args[0]), "checkpoint directory", "job 'child'");
            System.out.println("locked " + lock.directory());
            System.out.flush();
            Thread.sleep(Long.MAX_VALUE);
        }
    }

    @Test
    void shouldRefuseASecondHolderInTheSameProcessAtOnceNamingTheDirectoryAndTheHolder() throws Exception
    {
        final Path ck = dir.resolve("ck");
        try (DirectoryLock first = DirectoryLock.acquire(ck, "checkpoint directory", "job 'first'"))
        {
            final DirectoryLockedException refused = assertThrows(DirectoryLockedException.class,
                () -> DirectoryLock.acquire(ck, "checkpoint directory", "job 'second'"));
            final String message = refused.getMessage();
            assertFalse(message.contains("\n"), message);
            assertTrue(message.startsWith("checkpoint directory " + ck + " is in use by job 'first' (pid " +
                ProcessHandle.current().pid() + ", since "), message);
            assertTrue(message.contains("in this process"), message);
            // the same directory under another name is the same directory
            assertThrows(DirectoryLockedException.class,
                () -> DirectoryLock.acquire(ck.resolve("..").resolve("ck"), "checkpoint directory", "job 'third'"));
            assertEquals(List.of(ck.resolve(DirectoryLock.LOCK_FILE_NAME)), list(ck));
            assertTrue(Files.readString(ck.resolve(DirectoryLock.LOCK_FILE_NAME)).startsWith("job 'first' (pid "));
        }
        try (DirectoryLock again = DirectoryLock.acquire(ck, "checkpoint directory", "job 'second'"))
        {
            assertTrue(again.holder().startsWith("job 'second'"), again.holder());
        }
    }

    @Test
    void shouldRefuseAFileLockTakenOutsideDirectoryLockInThisProcess() throws Exception
    {
        final Path ck = dir.resolve("ck");
        Files.createDirectories(ck);
        try (FileChannel channel = FileChannel.open(ck.resolve(DirectoryLock.LOCK_FILE_NAME),
            StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock ignored = channel.lock())
        {
            final DirectoryLockedException refused = assertThrows(DirectoryLockedException.class,
                () -> DirectoryLock.acquire(ck, "checkpoint directory", "job 'second'"));
            assertEquals("checkpoint directory " + ck + " is in use by another job in this process; two running " +
                "jobs must not share it: stop that job or use another directory", refused.getMessage());
        }
        DirectoryLock.acquire(ck, "checkpoint directory", "job 'second'").close();
    }

    @Test
    void shouldRefuseALockHeldByAnotherProcessAndGrantItOnceThatProcessIsKilled() throws Exception
    {
        final Path ck = dir.resolve("ck");
        final Process child = new ProcessBuilder(
            ChildJvmCommand.of(ChildJvmCommand::isLocaleOption, List.of(), Holder.class, List.of(ck.toString())))
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
        try
        {
            final BufferedReader out = new BufferedReader(
                new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            final String line = out.readLine();
            assertNotNull(line, "the child JVM exited before locking");
            assertTrue(line.startsWith("locked "), line);

            final DirectoryLockedException refused = assertThrows(DirectoryLockedException.class,
                () -> DirectoryLock.acquire(ck, "checkpoint directory", "job 'second'"));
            assertTrue(refused.getMessage().startsWith("checkpoint directory " + ck + " is in use by job 'child' " +
                "(pid " + child.pid() + ", since "), refused.getMessage());
            assertFalse(refused.getMessage().contains("\n"), refused.getMessage());
        }
        finally
        {
            child.destroyForcibly();
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        }
        // The killed holder's lock file is still there: only its OS lock went with it.
        assertTrue(Files.readString(ck.resolve(DirectoryLock.LOCK_FILE_NAME)).startsWith("job 'child'"));
        try (DirectoryLock rerun = DirectoryLock.acquire(ck, "checkpoint directory", "job 'rerun'"))
        {
            assertTrue(Files.readString(ck.resolve(DirectoryLock.LOCK_FILE_NAME)).startsWith("job 'rerun' (pid " +
                ProcessHandle.current().pid()));
        }
    }

    @Test
    void shouldDeleteTheLockFileWhileHoldingItAndLetTheNextHolderMakeANewOne() throws Exception
    {
        final Path parts = dir.resolve(".out.csv.parts");
        final DirectoryLock first = DirectoryLock.acquire(parts, "output part directory", "job 'a'");
        first.closeAndDeleteLockFile();
        assertEquals(List.of(), list(parts));
        first.close();
        try (DirectoryLock second = DirectoryLock.acquire(parts, "output part directory", "job 'b'"))
        {
            assertEquals(List.of(parts.resolve(DirectoryLock.LOCK_FILE_NAME)), list(parts));
            assertThrows(DirectoryLockedException.class,
                () -> DirectoryLock.acquire(parts, "output part directory", "job 'c'"));
        }
    }

    private static List<Path> list(final Path directory) throws Exception
    {
        try (var entries = Files.list(directory))
        {
            return entries.sorted().toList();
        }
    }
}
