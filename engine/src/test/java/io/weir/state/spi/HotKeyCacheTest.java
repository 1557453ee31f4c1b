package io.weir.state.spi;

import io.weir.state.heap.HeapStateBackend;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HotKeyCacheTest
{
    private final CountingStore store = new CountingStore(new HeapStateBackend().createStore(0, 1_000));
    private final UnsafeBuffer key = new UnsafeBuffer(new byte[128]);
    private final UnsafeBuffer value = new UnsafeBuffer(new byte[512]);
    private final ExpandableArrayBuffer out = new ExpandableArrayBuffer(512);
    private HotKeyCache cache = new HotKeyCache(store);
    private long neverWritten = 1_000_000;

    @AfterEach
    void close()
    {
        cache.close();
    }

    private int key(final long id)
    {
        key.putLong(0, id);
        key.putLong(8, ~id);
        return 16;
    }

    private void put(final KeyedStateStore target, final long id, final long amount)
    {
        value.putLong(0, amount);
        target.put(key, key(id), value, 0, Long.BYTES);
    }

    private long get(final KeyedStateStore target, final long id)
    {
        final int length = target.get(key, key(id), out);
        assertEquals(Long.BYTES, length, "key " + id);
        return out.getLong(0);
    }

    @Test
    void aKeysRepeatedWritesReachTheStoreOnceWhenWrittenBack()
    {
        for (long amount = 1; amount <= 100; amount++)
        {
            put(cache, 7, amount);
        }
        assertEquals(100, get(cache, 7));
        assertEquals(0, store.puts, "the writes stay in the cache");
        assertEquals(0, store.gets, "the read is served by the cache");
        cache.snapshot(1, true);
        assertEquals(1, store.puts, "written back once, before the snapshot point");
        assertEquals(100, get(store, 7));
    }

    @Test
    void aPutRightAfterTheStoresReadIsWrittenThroughAndLaterOnesStay()
    {
        put(store, 3, 30);
        assertEquals(30, get(cache, 3));
        assertEquals(1, store.gets);
        put(cache, 3, 31);
        assertEquals(2, store.puts, "the put after the store's read goes through on its look-up");
        put(cache, 3, 32);
        assertEquals(2, store.puts, "the next one stays in the slot");
        assertEquals(32, get(cache, 3));
        assertEquals(1, store.gets);
        assertEquals(31, get(store, 3));
        cache.writeBack();
        assertEquals(32, get(store, 3));
    }

    @Test
    void aKeyWhoseSlotAnotherKeyTakesIsWrittenBackFirst()
    {
        final long other = collidingWith(1);
        put(cache, 1, 10);
        put(cache, other, 20);
        assertEquals(1, store.puts, "key 1 written back when key " + other + " took its slot");
        assertEquals(10, get(store, 1));
        assertEquals(10, get(cache, 1), "read again from the store");
        assertEquals(20, get(cache, other));
    }

    @Test
    void aStepAsideAfterAnotherIsLongerAndAWindowOfHitsShortensItAgain()
    {
        final HotKeyCache spread = new HotKeyCache(store, 100, 200, 800);
        cache = spread;
        assertEquals(200, asideAfterMisses(spread, 100));
        assertEquals(400, asideAfterMisses(spread, 100), "a second step aside without enough hits between: doubled");
        assertEquals(800, asideAfterMisses(spread, 100));
        assertEquals(800, asideAfterMisses(spread, 100), "at most the longest");
        for (int i = 0; i < 100; i++)
        {
            get(spread, 3);
        }
        assertEquals(200, asideAfterMisses(spread, 100), "a window of hits between: back to the shortest");
        assertEquals(400, asideAfterMisses(spread, 100));
        for (int i = 0; i < 49; i++)
        {
            get(spread, 3);
        }
        assertEquals(800, asideAfterMisses(spread, 51), "49 hits in 100: too few, doubled again");
        for (int i = 0; i < 50; i++)
        {
            get(spread, 3);
        }
        assertEquals(0, asideAfterMisses(spread, 50), "50 hits in 100, one in two: enough, not aside");
        assertEquals(200, asideAfterMisses(spread, 100), "and the next step aside is the shortest");
    }

    @Test
    void backFromAStepAsideItWritesThroughUntilAWindowHits()
    {
        final HotKeyCache spread = new HotKeyCache(store, 100, 200, 800);
        cache = spread;
        assertEquals(200, asideAfterMisses(spread, 100));
        put(spread, 3, 30);
        final int puts = store.puts;
        put(spread, 3, 31);
        assertEquals(puts + 1, store.puts, "back, on probation: written through");
        assertEquals(31, get(store, 3));
        spread.writeBack();
        assertEquals(puts + 1, store.puts, "and its slot left clean: nothing to write back");
        for (int i = 0; i < 100; i++)
        {
            assertEquals(31, get(spread, 3));
        }
        put(spread, 3, 32);
        assertEquals(puts + 1, store.puts, "after a window of hits: held in its slot");
        assertEquals(31, get(store, 3));
        spread.snapshot(1, true);
        assertEquals(32, get(store, 3), "written back at the snapshot point");
    }

    @Test
    void aCacheStepsAsideForAPositiveTimeNoLongerThanItsLongest()
    {
        assertThrows(IllegalArgumentException.class, () -> new HotKeyCache(store, 100, 0, 800));
        assertThrows(IllegalArgumentException.class, () -> new HotKeyCache(store, 100, 800, 200));
        assertThrows(IllegalArgumentException.class, () -> new HotKeyCache(store, 0, 200, 800));
    }

    /** Look-ups of {@code window} keys never written, then how many operations the cache had left aside. */
    private int asideAfterMisses(final HotKeyCache spread, final int window)
    {
        for (int i = 0; i < window; i++)
        {
            assertEquals(KeyedStateStore.MISSING, spread.get(key, key(neverWritten++), out));
        }
        return operationsAside(spread, 3);
    }

    /** Puts {@code id} while the cache is aside, and once more when it is back: how many operations it had left. */
    private int operationsAside(final HotKeyCache spread, final long id)
    {
        int aside = 0;
        while (spread.isAside())
        {
            if (aside == 10_000)
            {
                throw new AssertionError("still aside after 10,000 operations");
            }
            put(spread, id, aside++);
        }
        put(spread, id, aside);
        return aside;
    }

    @Test
    void absentKeysAreCachedAndRemovesReachTheStore()
    {
        assertEquals(KeyedStateStore.MISSING, cache.get(key, key(5), out));
        assertEquals(KeyedStateStore.MISSING, cache.get(key, key(5), out));
        assertEquals(1, store.gets, "the absence is cached");
        assertFalse(cache.remove(key, key(5)));

        put(cache, 6, 60);
        assertTrue(cache.remove(key, key(6)), "present while only in the cache");
        assertEquals(KeyedStateStore.MISSING, cache.get(key, key(6), out));
        cache.writeBack();
        assertEquals(KeyedStateStore.MISSING, store.get(key, key(6), out));

        put(store, 8, 80);
        assertEquals(80, get(cache, 8));
        put(cache, 8, 81);
        put(cache, 8, 82);
        assertTrue(cache.remove(key, key(8)));
        assertEquals(KeyedStateStore.MISSING, store.get(key, key(8), out), "the store's older value is gone too");
        assertEquals(0, cache.entryCount());
    }

    @Test
    void entriesTooLongForASlotGoStraightToTheStore()
    {
        put(cache, 9, 90);
        final int longValue = HotKeyCache.VALUE_CAPACITY + 8;
        value.putLong(0, 91);
        cache.put(key, key(9), value, 0, longValue);
        assertEquals(1, store.puts, "written through; the slot's older value dropped");
        assertEquals(longValue, cache.get(key, key(9), out));
        assertEquals(91, out.getLong(0));

        final int longKey = HotKeyCache.KEY_CAPACITY + 8;
        value.putLong(0, 92);
        cache.put(key, longKey, value, 0, Long.BYTES);
        assertEquals(2, store.puts);
        assertEquals(Long.BYTES, cache.get(key, longKey, out));
        assertEquals(92, out.getLong(0));
    }

    @Test
    void scansAndCountsSeeEveryWrite()
    {
        for (long id = 0; id < 10; id++)
        {
            put(cache, id, id);
        }
        assertEquals(10, cache.entryCount());
        final long[] sum = {0};
        cache.forEach((k, kl, v, vl) -> sum[0] += v.getLong(0));
        assertEquals(45, sum[0]);
        put(cache, 3, 1_003);
        final EntryScan scan = cache.newEntryScan();
        final long[] scanned = {0};
        while (scan.step(4, (k, kl, v, vl) -> scanned[0] += v.getLong(0)))
        {
        }
        assertEquals(45 + 1_000, scanned[0], "the step writes back first");
    }

    @Test
    void keysSpreadOverMoreEntriesThanTheSlotsMakeItStepAsideThenComeBackEmpty()
    {
        final HotKeyCache spread = new HotKeyCache(store, 1_000, 5_000, 5_000);
        put(spread, 1, 1);
        for (long id = 100; id < 1_100; id++)
        {
            assertEquals(KeyedStateStore.MISSING, spread.get(key, key(id), out));
        }
        assertEquals(1, get(store, 1), "written back when it stepped aside");
        final int puts = store.puts;
        put(spread, 1_099, 5);
        assertEquals(puts + 1, store.puts, "aside: straight to the store");
        for (int i = 0; i < 5_000; i++)
        {
            put(spread, 3, i);
        }
        assertEquals(4_999, get(store, 3), "the puts while aside reached the store, and the one after it, written through");
        assertEquals(5, get(spread, 1_099), "back, it holds nothing from before it stepped aside");
        assertEquals(4_999, get(spread, 3));
    }

    @Test
    void aPrefetchHandsTheStoreOnlyTheKeysNoSlotHolds()
    {
        put(cache, 1, 10);
        final int stride = 32;
        final UnsafeBuffer keys = new UnsafeBuffer(new byte[4 * stride]);
        final int[] lengths = new int[4];
        final long[] ids = {1, 2, 3};
        for (int i = 0; i < ids.length; i++)
        {
            keys.putBytes(i * stride, key, 0, key(ids[i]));
            lengths[i] = 16;
        }
        cache.prefetch(keys, stride, lengths, 3);
        assertEquals(java.util.List.of(2L, 3L), store.prefetched);
        store.prefetched.clear();
        cache.prefetch(keys, stride, lengths, 1);
        assertEquals(java.util.List.of(), store.prefetched, "key 1 is in its slot");
        cache.prefetch(keys, stride, new int[] {16, 16}, 2);
        assertEquals(java.util.List.of(2L), store.prefetched);
    }

    /** A key other than {@code id} whose slot is {@code id}'s. */
    private long collidingWith(final long id)
    {
        final int slot = HotKeyCache.slotOf(key, key(id));
        for (long other = id + 1; ; other++)
        {
            if (HotKeyCache.slotOf(key, key(other)) == slot)
            {
                return other;
            }
        }
    }

    /** Counts the calls that reach the store behind the cache. */
    private static final class CountingStore extends ForwardingKeyedStateStore
    {
        int gets;
        int puts;
        final java.util.List<Long> prefetched = new java.util.ArrayList<>();

        CountingStore(final KeyedStateStore delegate)
        {
            super(delegate);
        }

        public int get(final DirectBuffer key, final int keyLength, final MutableDirectBuffer valueOut)
        {
            gets++;
            return super.get(key, keyLength, valueOut);
        }

        public void prefetch(final DirectBuffer keys, final int stride, final int[] lengths, final int count)
        {
            for (int i = 0; i < count; i++)
            {
                prefetched.add(keys.getLong(i * stride));
            }
        }

        public void put(
            final DirectBuffer key, final int keyLength, final DirectBuffer value, final int valueOffset,
            final int valueLength)
        {
            puts++;
            super.put(key, keyLength, value, valueOffset, valueLength);
        }
    }
}
