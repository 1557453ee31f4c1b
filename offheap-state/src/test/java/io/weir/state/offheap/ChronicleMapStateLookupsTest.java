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
 * The Chronicle look-ups a MapState pays. A small map is one packed entry: each operation reads it once and writes
 * it on the read's look-up. A map that outgrew it pays one more (the absent packed entry) on top of the slot
 * directory's, where a write or removal right after the read of the same entry reuses the read's look-up too.
 */
class ChronicleMapStateLookupsTest
{
    private final ChronicleKeyedStateStore store =
        (ChronicleKeyedStateStore)new ChronicleStateBackend(new ChronicleStateBackend.Context().nurserySlots(0))
            .createStore(0, 1_000);
    private final KeyContext keyContext = new KeyContext(8);
    private final KeyedStateRegistry registry = new KeyedStateRegistry(store, keyContext, new CachedEpochClock());
    private final ExpandableDirectByteBuffer keyScratch = new ExpandableDirectByteBuffer(8);
    /** Elements a packed map holds at most (PackedMapEntry's limit, which is package-private to the engine). */
    private static final int PACKED_MAX_ELEMENTS = 16;

    @AfterEach
    void close()
    {
        store.close();
    }

    @Test
    void shouldLookUpOnlyThePackedEntryOfASmallMap()
    {
        final MapState<Integer, Long> map = registry.getMapState(
            new MapStateDescriptor<>("categories", IntCodec.INSTANCE, LongCodec.INSTANCE));
        setKey(1);
        long before = store.lookups();
        map.put(1, 10L);
        // The absent packed entry, the absent by-key entry and head (an empty map), then the new packed entry.
        assertEquals(4, store.lookups() - before, "look-ups of the first put");
        store.endOfAccess();

        before = store.lookups();
        assertEquals(null, map.get(2));
        map.put(2, 20L);
        // The put reads and writes the entry the get read: on the get's look-up.
        assertEquals(1, store.lookups() - before, "look-ups of a get and a put of a new user key");
        map.put(3, 30L);
        map.put(5, 50L);
        store.endOfAccess();
        before = store.lookups();
        map.remove(1);
        assertEquals(1, store.lookups() - before, "look-ups of removing a user key");
        assertEquals(Map.of(2, 20L, 3, 30L, 5, 50L), Map.ofEntries(map.entries().toArray(new Map.Entry[0])));
        assertEquals(1, store.entryCount(), "one packed entry");
        store.endOfAccess();
        before = store.lookups();
        map.clear();
        assertEquals(1, store.lookups() - before, "look-ups of a clear");
        assertTrue(map.isEmpty());
        assertEquals(0, store.entryCount(), "nothing of the map is left");
    }

    @Test
    void shouldReuseTheHeadsLookUpWhenAddingOrRemovingAKeyOfASpilledMapAndTheSlotsLookUpWhenClearing()
    {
        final MapState<Integer, Long> map = registry.getMapState(
            new MapStateDescriptor<>("categories", IntCodec.INSTANCE, LongCodec.INSTANCE));
        setKey(1);
        final int spilled = PACKED_MAX_ELEMENTS + 1;
        for (int key = 0; key < spilled; key++)
        {
            map.put(key, key * 10L);
        }
        assertEquals(1 + 2 * spilled, store.entryCount(), "the head, and a by-key entry and a slot per user key");
        store.endOfAccess();

        long before = store.lookups();
        assertEquals(null, map.get(100));
        map.put(100, 1000L);
        // The get: the absent packed entry and the absent by-key entry. The put: the absent packed entry, the absent
        // by-key entry, the head (read, then written), the new directory slot, the by-key entry.
        assertEquals(2 + 5, store.lookups() - before, "look-ups of a get and a put of a new user key");
        store.endOfAccess();
        before = store.lookups();
        map.put(100, 1001L);
        // The absent packed entry, the by-key entry (read, then written): the head is not read.
        assertEquals(2, store.lookups() - before, "look-ups of a put of an existing user key");
        store.endOfAccess();
        before = store.lookups();
        map.remove(0);
        // The absent packed entry, the by-key entry (read, then removed), the head (read, then written), the last
        // slot (read, then removed), the freed slot written with the moved key, whose by-key entry is read and
        // written with its new slot.
        assertEquals(1 + 5, store.lookups() - before, "look-ups of removing the first user key");
        assertEquals(spilled, map.entries().size());
        store.endOfAccess();
        before = store.lookups();
        map.clear();
        // The absent packed entry, the head (read, then removed), then per user key its slot (read, then removed)
        // and its by-key entry.
        assertEquals(1 + 1 + 2 * spilled, store.lookups() - before, "look-ups of a clear");
        assertTrue(map.isEmpty());
        assertEquals(0, store.entryCount(), "nothing of the map is left");
        map.put(4, 40L);
        assertEquals(Map.of(4, 40L), Map.ofEntries(map.entries().toArray(new Map.Entry[0])));
        assertEquals(1, store.entryCount(), "a cleared map starts packed again");
    }

    private void setKey(final long key)
    {
        keyScratch.putLong(0, key);
        keyContext.setCurrentKey(keyScratch, 0, Long.BYTES, (int)(key % 128));
    }
}
