package io.weir.engine.state;

import io.weir.api.codec.LongCodec;
import io.weir.api.state.ListState;
import io.weir.api.state.ListStateDescriptor;
import io.weir.api.state.StateTtlConfig;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A function that reads its list and then appends to or replaces it (the read-then-write of a history) pays one
 * store read of the list's head, not two; a new current key or namespace reads it again. A list shorter than a chunk
 * is its head alone, with TTL too. With TTL, an update writes over the list's chunks instead of removing and
 * re-creating them.
 */
class ListStateHeadReadTest extends StateViewTestBase
{
    @Test
    void shouldReadTheHeadOnceWhenAGetIsFollowedByAnAddOrAnUpdateOfTheSameKey()
    {
        final ListState<Long> list = registry.getListState(new ListStateDescriptor<>("l", LongCodec.INSTANCE));
        setKey(1);
        list.add(10L);

        setKey(1);
        store.reset();
        assertEquals(List.of(10L), list.get());
        list.add(11L);
        assertEquals(1, store.gets, "gets of get() then add()");
        assertEquals(1, store.puts, "puts of get() then add()");

        setKey(2);
        list.add(20L);

        setKey(1);
        store.reset();
        assertEquals(List.of(10L, 11L), list.get());
        list.update(List.of(11L, 12L));
        assertEquals(1, store.gets, "gets of get() then update()");
        assertEquals(List.of(11L, 12L), list.get());
        assertEquals(1, store.gets, "a second get() of the same key");

        setKey(2);
        assertEquals(List.of(20L), list.get());
        list.clear();
        assertEquals(List.of(), list.get());
        list.add(21L);
        setKey(1);
        assertEquals(List.of(11L, 12L), list.get());
        setKey(2);
        assertEquals(List.of(21L), list.get());
    }

    @Test
    void shouldReadTheHeadAgainWhenTheKeyIsSetAgainOrTheNamespaceChanges()
    {
        final ListState<Long> list = registry.getNamespacedState(new ListStateDescriptor<>("l", LongCodec.INSTANCE));
        final NamespacedState namespaced = (NamespacedState)list;
        setKey(1);
        namespaced.setNamespace(1);
        list.add(1L);
        namespaced.setNamespace(2);
        list.add(2L);
        assertEquals(List.of(2L), list.get());
        namespaced.setNamespace(1);
        store.reset();
        assertEquals(List.of(1L), list.get());
        assertEquals(1, store.gets, "a new namespace reads the head");

        // Written behind the view's back under the same key: only a new current key makes the view read it.
        final ListState<Long> plain = registry.getListState(new ListStateDescriptor<>("p", LongCodec.INSTANCE));
        plain.add(5L);
        store.removeAllOfState(((ListStateView<?>)plain).stateId);
        setKey(1);
        assertEquals(List.of(), plain.get());
    }

    @Test
    void shouldReadTheHeadOnceWithTtlOn()
    {
        final ListStateDescriptor<Long> descriptor = new ListStateDescriptor<>("t", LongCodec.INSTANCE);
        descriptor.enableTimeToLive(StateTtlConfig.newBuilder(60_000).build());
        final ListState<Long> list = registry.getListState(descriptor);
        clock.update(1_000);
        setKey(1);
        list.add(1L);
        setKey(1);
        store.reset();
        assertEquals(List.of(1L), list.get());
        list.add(2L);
        // The head holds the list: get() reads it, add() writes it.
        assertEquals(1, store.gets, "gets of get() then add() with TTL");
        assertEquals(1, store.puts, "puts of get() then add() with TTL");
        assertEquals(1, store.entriesOfState(((ListStateView<?>)list).stateId), "the head alone");
        setKey(1);
        assertEquals(List.of(1L, 2L), list.get());
    }

    @Test
    void shouldKeepTheCurrentKeysHeadInMemoryWhenTtlCleanupRemovesAnotherKeys()
    {
        final ListStateDescriptor<Long> descriptor = new ListStateDescriptor<>("c", LongCodec.INSTANCE);
        descriptor.enableTimeToLive(StateTtlConfig.newBuilder(100).disableCleanupOnAccess()
            .cleanupIncrementally(10, false).build());
        final ListState<Long> list = registry.getListState(descriptor);
        clock.update(1_000);
        setKey(2);
        list.add(20L);
        clock.update(1_200);
        setKey(1);
        list.add(10L);
        assertEquals(List.of(10L), list.get());
        for (int cycle = 0; cycle < 5; cycle++)
        {
            registry.onDutyCycle();
        }
        assertEquals(1, store.entriesOfState(((ListStateView<?>)list).stateId), "key 2's expired head removed");
        store.reset();
        list.add(11L);
        assertEquals(0, store.gets, "key 1's head still read once, before the cleanup");
        assertEquals(List.of(10L, 11L), list.get());
    }

    @Test
    void shouldWriteAnUpdatedTtlListOverItsChunksAndItsHeadAndRemoveOnlyTheChunksLeftOver()
    {
        final ListStateDescriptor<Long> descriptor = new ListStateDescriptor<>("t", LongCodec.INSTANCE);
        descriptor.enableTimeToLive(StateTtlConfig.newBuilder(1_000).build());
        final ListState<Long> list = registry.getListState(descriptor);
        clock.update(1_000);
        setKey(1);
        list.add(1L);
        list.add(2L);
        list.add(3L);

        // get() then update() with what a pruning function keeps: the head alone before and after.
        clock.update(1_900);
        setKey(1);
        assertEquals(List.of(1L, 2L, 3L), list.get());
        store.reset();
        list.update(List.of(2L, 3L));
        assertEquals(1, store.puts, "puts of an update of a list in its head");
        assertEquals(0, store.removes, "removes of an update of a list in its head");
        clock.update(2_500);
        setKey(1);
        assertEquals(List.of(2L, 3L), list.get(), "the update stamped its elements anew: alive past 2,000");

        // A TTL'd element of a Long takes 20 bytes (stamp, length, value): a chunk seals at the first multiple of 20
        // from its target size on.
        final int perChunk = (StateLayoutDescriptor.LIST_CHUNK_TARGET_BYTES + 19) / 20;
        final List<Long> many = new java.util.ArrayList<>();
        for (long i = 0; i < 7 * perChunk + 3; i++)
        {
            many.add(i);
        }
        setKey(2);
        list.update(many);
        assertEquals(many, list.get());
        assertEquals(1 + 1 + 7, store.entriesOfState(((ListStateView<?>)list).stateId), "two heads, seven chunks");

        // Replaced by two chunks' worth and a tail: those two chunks and the head written, the other five removed.
        store.reset();
        list.update(many.subList(0, 2 * perChunk + 1));
        assertEquals(3, store.puts, "two chunks written over and the head");
        assertEquals(5, store.removes, "the chunks left over");
        setKey(2);
        assertEquals(many.subList(0, 2 * perChunk + 1), list.get());

        // Replaced by one element: the head written, every chunk removed.
        store.reset();
        list.update(List.of(7L));
        assertEquals(1, store.puts, "the head");
        assertEquals(2, store.removes, "both chunks");
        setKey(2);
        assertEquals(List.of(7L), list.get());
        setKey(1);
        assertEquals(List.of(2L, 3L), list.get());
        assertEquals(2, store.entriesOfState(((ListStateView<?>)list).stateId), "a head per key, nothing left over");
    }
}
