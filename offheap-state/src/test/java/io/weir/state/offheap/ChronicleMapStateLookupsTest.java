package io.weir.state.offheap;

import io.weir.api.codec.IntCodec;
import io.weir.api.codec.LongCodec;
import io.weir.api.state.MapState;
import io.weir.api.state.MapStateDescriptor;
import io.weir.engine.state.KeyContext;
import io.weir.engine.state.KeyedStateRegistry;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.concurrent.CachedEpochClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Chronicle look-ups a MapState pays: a write or removal right after the read of the same entry reuses the
 * read's look-up, so adding or removing a user key reads and writes the map's head once, and a clear removes each
 * directory slot right after reading it.
 */
class ChronicleMapStateLookupsTest
{
    private final ChronicleKeyedStateStore store =
        (ChronicleKeyedStateStore)new ChronicleStateBackend(new ChronicleStateBackend.Context()).createStore(0, 1_000);
    private final KeyContext keyContext = new KeyContext(8);
    private final KeyedStateRegistry registry = new KeyedStateRegistry(store, keyContext, new CachedEpochClock());
    private final ExpandableDirectByteBuffer keyScratch = new ExpandableDirectByteBuffer(8);

    @AfterEach
    void close()
    {
        store.close();
    }

    @Test
    void shouldReuseTheHeadsLookUpWhenAddingOrRemovingAKeyAndTheSlotsLookUpWhenClearing()
    {
        final MapState<Integer, Long> map = registry.getMapState(
            new MapStateDescriptor<>("categories", IntCodec.INSTANCE, LongCodec.INSTANCE));
        setKey(1);
        map.put(1, 10L);
        store.endOfAccess();

        long before = store.lookups();
        assertEquals(null, map.get(2));
        map.put(2, 20L);
        // The by-key read (reused by its put), the head's read (reused by its write), the new directory slot.
        assertEquals(4, store.lookups() - before, "look-ups of a get and a put of a new user key");

        map.put(3, 30L);
        map.put(5, 50L);
        store.endOfAccess();
        before = store.lookups();
        map.remove(1);
        // The by-key entry (read, then removed), the head (read, then written), the last slot (read, then removed),
        // the freed slot written with the moved key, whose by-key entry is read and written with its new slot.
        assertEquals(5, store.lookups() - before, "look-ups of removing the first of four user keys");
        assertEquals(Map.of(2, 20L, 3, 30L, 5, 50L), Map.ofEntries(map.entries().toArray(new Map.Entry[0])));
        store.endOfAccess();
        before = store.lookups();
        map.clear();
        // The head (read, then removed), then per user key its slot (read, then removed) and its by-key entry.
        assertEquals(1 + 2 * 3, store.lookups() - before, "look-ups of a clear of three entries");
        assertTrue(map.isEmpty());
        assertEquals(0, store.entryCount(), "nothing of the map is left");
        map.put(4, 40L);
        assertEquals(Map.of(4, 40L), Map.ofEntries(map.entries().toArray(new Map.Entry[0])));
    }

    private void setKey(final long key)
    {
        keyScratch.putLong(0, key);
        keyContext.setCurrentKey(keyScratch, 0, Long.BYTES, (int)(key % 128));
    }
}
