package io.weir.state.offheap;

import io.weir.state.spi.KeyedStateStore;
import io.weir.state.spi.StoreSnapshot;
import net.openhft.posix.PosixAPI;
import net.openhft.posix.internal.PosixAPIHolder;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LazyPosixApiTest
{
    @TempDir
    Path dir;

    /**
     * In a JVM of its own (this one's binding may be bound by other tests): a job's in-memory store, written and
     * snapshotted, leaves the binding unbound; a file-backed one binds it, and the binding works.
     */
    @Test
    @Timeout(120)
    void anInMemoryStoreNeverBindsPosixAndAFileBackedOneBindsAWorkingBinding() throws Exception
    {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (final String argument : ManagementFactory.getRuntimeMXBean().getInputArguments())
        {
            if (argument.startsWith("--add-") || argument.startsWith("-D"))
            {
                command.add(argument);
            }
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(Probe.class.getName());
        command.add(dir.toString());
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertTrue(process.waitFor(100, TimeUnit.SECONDS), "the probe JVM did not end");
        final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.exitValue(), output);
        assertTrue(output.contains("in memory: pending=true"), output);
        assertTrue(output.contains("file-backed: pending=false bound=JNRPosixAPI getpid=ok"), output);
    }

    @Test
    void aBindingInstalledAlreadyIsKept()
    {
        final PosixAPI before = PosixAPIHolder.POSIX_API;
        new ChronicleStateBackend();
        LazyPosixApi.install();
        if (null != before)
        {
            assertTrue(before == PosixAPIHolder.POSIX_API, "install replaced " + before);
        }
        else
        {
            assertTrue(PosixAPIHolder.POSIX_API instanceof LazyPosixApi);
        }
        // Through whichever binding is installed, the first call binds and answers.
        assertEquals(ProcessHandle.current().pid(), PosixAPI.posix().getpid());
        assertFalse(LazyPosixApi.pending());
    }

    /** Run by the test above in a fresh JVM: prints what it saw; exits non-zero on a failure. */
    public static final class Probe
    {
        public static void main(final String[] args) throws IOException
        {
            final UnsafeBuffer key = new UnsafeBuffer(new byte[8]);
            final UnsafeBuffer value = new UnsafeBuffer(new byte[8]);
            final ExpandableDirectByteBuffer read = new ExpandableDirectByteBuffer(8);
            try (KeyedStateStore store = new ChronicleStateBackend().createStore(0, 1024))
            {
                exercise(store, key, value, read);
            }
            System.out.println("in memory: pending=" + LazyPosixApi.pending());
            final ChronicleStateBackend fileBacked = new ChronicleStateBackend(
                new ChronicleStateBackend.Context().directory(Path.of(args[0])).deleteFilesOnClose(true));
            try (KeyedStateStore store = fileBacked.createStore(0, 1024))
            {
                exercise(store, key, value, read);
            }
            // The file-backed map may not have needed the binding yet: a call binds it all the same.
            final boolean getpid = PosixAPI.posix().getpid() == ProcessHandle.current().pid();
            System.out.println("file-backed: pending=" + LazyPosixApi.pending() + " bound=" +
                PosixAPIHolder.POSIX_API.getClass().getSimpleName() + " getpid=" + (getpid ? "ok" : "wrong"));
        }

        private static void exercise(
            final KeyedStateStore store, final UnsafeBuffer key, final UnsafeBuffer value,
            final ExpandableDirectByteBuffer read)
        {
            store.prepareForCheckpoints();
            for (long i = 0; i < 1000; i++)
            {
                key.putLong(0, i);
                value.putLong(0, i * 3);
                store.put(key, 8, value, 0, 8);
            }
            final StoreSnapshot snapshot = store.snapshot(1, true);
            snapshot.release();
            key.putLong(0, 7);
            if (store.get(key, 8, read) != 8 || read.getLong(0) != 21)
            {
                throw new IllegalStateException("key 7 read back wrong");
            }
        }
    }
}
