package io.weir.state.offheap;

import io.weir.snapshot.ChildJvmCommand;
import io.weir.state.spi.KeyedStateStore;
import io.weir.state.spi.StoreSnapshot;
import net.openhft.posix.PosixAPI;
import net.openhft.posix.internal.PosixAPIHolder;
import net.openhft.posix.internal.noop.NoOpPosixAPI;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LazyPosixApiTest
{
    @TempDir
    Path dir;

    /**
     * In a JVM of its own (this one's binding may be bound by other tests): a job's in-memory store, written and
     * snapshotted, leaves the binding unbound; a backend with a directory binds it when constructed, and it works.
     */
    @Test
    @Timeout(120)
    void anInMemoryStoreNeverBindsPosixAndAFileBackedBackendBindsAWorkingBinding() throws Exception
    {
        final List<String> command = ChildJvmCommand.of(
            argument -> argument.startsWith("--add-") || argument.startsWith("-D"), List.of(), Probe.class,
            List.of(dir.toString()));
        final Path output = dir.resolve("probe.out");
        final Process process = new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(output.toFile()).start();
        try
        {
            assertTrue(process.waitFor(100, TimeUnit.SECONDS), "the probe JVM did not end");
        }
        finally
        {
            process.destroyForcibly();
        }
        final String printed = Files.readString(output, StandardCharsets.UTF_8);
        assertEquals(0, process.exitValue(), printed);
        assertTrue(printed.contains("in memory: pending=true"), printed);
        assertTrue(printed.contains("file-backed backend: pending=false"), printed);
        assertTrue(printed.contains("file-backed store: bound=JNRPosixAPI getpid=ok"), printed);
    }

    @Test
    @Timeout(60)
    void installKeepsABindingThereAndTheBindingKeepsOneSetSince()
    {
        final PosixAPI before = PosixAPIHolder.POSIX_API;
        try
        {
            final PosixAPI sentinel = new NoOpPosixAPI("sentinel");
            PosixAPIHolder.POSIX_API = sentinel;
            LazyPosixApi.install();
            assertSame(sentinel, PosixAPIHolder.POSIX_API, "install replaced a binding there");

            PosixAPIHolder.POSIX_API = null;
            LazyPosixApi.install();
            final PosixAPI lazy = PosixAPIHolder.POSIX_API;
            assertTrue(lazy instanceof LazyPosixApi, String.valueOf(lazy));
            assertTrue(LazyPosixApi.pending());
            PosixAPIHolder.POSIX_API = sentinel;
            // Bound through a reference taken earlier, it answers, and leaves the binding set since in place.
            assertEquals(ProcessHandle.current().pid(), lazy.getpid());
            assertSame(sentinel, PosixAPIHolder.POSIX_API);

            PosixAPIHolder.POSIX_API = null;
            LazyPosixApi.install();
            assertEquals(ProcessHandle.current().pid(), PosixAPI.posix().getpid());
            assertFalse(PosixAPIHolder.POSIX_API instanceof LazyPosixApi, "bound, it leaves the holder");
        }
        finally
        {
            PosixAPIHolder.POSIX_API = before;
        }
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
            System.out.println("file-backed backend: pending=" + LazyPosixApi.pending());
            try (KeyedStateStore store = fileBacked.createStore(0, 1024))
            {
                exercise(store, key, value, read);
            }
            final boolean getpid = PosixAPI.posix().getpid() == ProcessHandle.current().pid();
            System.out.println("file-backed store: bound=" + PosixAPIHolder.POSIX_API.getClass().getSimpleName() +
                " getpid=" + (getpid ? "ok" : "wrong"));
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
