package io.weir.state.offheap;

import io.weir.state.spi.KeyedStateStore;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Chronicle's Affinity library is left off the class path: Chronicle Core's {@code Jvm} class loads it whenever it
 * is there, binding JNA's native library at every job's start, and only Chronicle's own threads, which Weir does not
 * start, call it. Chronicle initialises without it, and a store works.
 */
class ChronicleClassPathTest
{
    @Test
    void chronicleInitialisesAndAStoreWorksWithoutAffinityOnTheClassPath() throws Exception
    {
        assertThrows(ClassNotFoundException.class, () -> Class.forName("net.openhft.affinity.Affinity"));
        Class.forName("net.openhft.chronicle.core.Jvm", true, getClass().getClassLoader());
        final ChronicleStateBackend backend =
            new ChronicleStateBackend(new ChronicleStateBackend.Context().entriesPerShard(1_000));
        try (KeyedStateStore store = backend.createStore(0, 0))
        {
            final UnsafeBuffer key = new UnsafeBuffer(new byte[] {1, 2, 3});
            store.put(key, 3, new UnsafeBuffer(new byte[] {4, 5}), 0, 2);
            final ExpandableDirectByteBuffer out = new ExpandableDirectByteBuffer(8);
            assertEquals(2, store.get(key, 3, out));
            assertEquals(5, out.getByte(1));
        }
    }
}
