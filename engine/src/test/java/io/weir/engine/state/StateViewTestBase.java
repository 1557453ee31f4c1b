package io.weir.engine.state;

import io.weir.state.heap.HeapStateBackend;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.concurrent.CachedEpochClock;
import org.junit.jupiter.api.AfterEach;

/** State views over a heap store that counts its reads and writes, with a hand-moved clock and 8-byte keys. */
abstract class StateViewTestBase
{
    final CountingStore store = new CountingStore(new HeapStateBackend().createStore(0, 1_000));
    final KeyContext keyContext = new KeyContext(8);
    final CachedEpochClock clock = new CachedEpochClock();
    final KeyedStateRegistry registry = new KeyedStateRegistry(store, keyContext, clock);
    private final ExpandableDirectByteBuffer keyScratch = new ExpandableDirectByteBuffer(8);

    @AfterEach
    void closeStore()
    {
        store.close();
    }

    /** Make {@code key} the current key, in key group {@code key % 128}. */
    void setKey(final long key)
    {
        keyScratch.putLong(0, key);
        keyContext.setCurrentKey(keyScratch, 0, Long.BYTES, (int)(key % 128));
    }
}
