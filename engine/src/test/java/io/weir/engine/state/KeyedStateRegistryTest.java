package io.weir.engine.state;

import io.weir.api.codec.LongCodec;
import io.weir.api.codec.StringCodec;
import io.weir.api.state.ListState;
import io.weir.api.state.ListStateDescriptor;
import io.weir.api.state.LongValueStateDescriptor;
import io.weir.api.state.MapStateDescriptor;
import io.weir.api.state.ReducingStateDescriptor;
import io.weir.api.state.StateDescriptor;
import io.weir.api.state.StateTtlConfig;
import io.weir.api.state.ValueState;
import io.weir.api.state.ValueStateDescriptor;
import io.weir.state.heap.HeapStateBackend;
import io.weir.state.spi.KeyedStateStore;
import org.agrona.concurrent.CachedEpochClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class KeyedStateRegistryTest
{
    private final KeyedStateStore store = new HeapStateBackend().createStore(0, 16);
    private final KeyedStateRegistry registry = new KeyedStateRegistry(store, new KeyContext(16), new CachedEpochClock());

    @AfterEach
    void close()
    {
        store.close();
    }

    @Test
    @Timeout(10)
    void shouldAssignStateIdsInRegistrationOrderStartingAtOne()
    {
        final MapStateDescriptor<String, Long> map =
            new MapStateDescriptor<>("m", StringCodec.INSTANCE, LongCodec.INSTANCE);
        final ListStateDescriptor<String> list = new ListStateDescriptor<>("l", StringCodec.INSTANCE);
        list.enableTimeToLive(StateTtlConfig.newBuilder(5_000).cleanupFullSnapshot().build());
        registry.getState(new ValueStateDescriptor<>("v", StringCodec.INSTANCE));
        registry.getMapState(map);
        registry.getNamespacedState(list);
        registry.getLongState(new LongValueStateDescriptor("c"));

        final List<RegisteredState> states = registry.registeredStates();
        assertEquals(List.of(
            new RegisteredState(1, "v", StateDescriptor.Kind.VALUE, "string-utf8", "", 0, false, false),
            new RegisteredState(2, "m", StateDescriptor.Kind.MAP, "long", "string-utf8", 0, false, false),
            new RegisteredState(3, "l", StateDescriptor.Kind.LIST, "string-utf8", "", 5_000, true, true),
            new RegisteredState(4, "c", StateDescriptor.Kind.VALUE, "long", "", 0, false, false)),
            states);
        assertThrows(UnsupportedOperationException.class, () -> states.add(null));
        assertSame(store, registry.store());
    }

    @Test
    @Timeout(10)
    void shouldReturnTheSameViewWhenANameIsRegisteredTwiceWithTheSameKind()
    {
        final ValueState<String> first = registry.getState(new ValueStateDescriptor<>("v", StringCodec.INSTANCE));
        final ValueState<String> second = registry.getState(new ValueStateDescriptor<>("v", StringCodec.INSTANCE));
        final ListState<Long> namespaced = registry.getNamespacedState(
            new ListStateDescriptor<>("l", LongCodec.INSTANCE));
        assertSame(first, second);
        assertSame(namespaced, registry.getNamespacedState(new ListStateDescriptor<>("l", LongCodec.INSTANCE)));
        assertEquals(2, registry.registeredStates().size());
    }

    @Test
    @Timeout(10)
    void shouldRejectANameRegisteredAgainAsAnotherKindNamingTheState()
    {
        registry.getState(new ValueStateDescriptor<>("total", LongCodec.INSTANCE));
        final IllegalArgumentException asList = assertThrows(IllegalArgumentException.class,
            () -> registry.getListState(new ListStateDescriptor<>("total", LongCodec.INSTANCE)));
        assertTrue(asList.getMessage().contains("'total'"), asList.getMessage());
        assertTrue(asList.getMessage().contains("ListStateDescriptor"), asList.getMessage());

        assertThrows(IllegalArgumentException.class,
            () -> registry.getLongState(new LongValueStateDescriptor("total")),
            "a LongValueState is not a ValueState view even though both are kind VALUE");
        assertThrows(IllegalArgumentException.class,
            () -> registry.getReducingState(new ReducingStateDescriptor<>("total", Long::sum, LongCodec.INSTANCE)));
        final IllegalArgumentException namespaced = assertThrows(IllegalArgumentException.class,
            () -> registry.getNamespacedState(new ValueStateDescriptor<>("total", LongCodec.INSTANCE)));
        assertTrue(namespaced.getMessage().contains("namespaced"), namespaced.getMessage());
        assertEquals(1, registry.registeredStates().size(), "failed registrations must not take an id");
    }

    @Test
    @Timeout(10)
    void shouldRefuseStateAccessWithoutACurrentKey()
    {
        final ValueState<String> state = registry.getState(new ValueStateDescriptor<>("v", StringCodec.INSTANCE));
        final IllegalStateException error = assertThrows(IllegalStateException.class, state::value);
        assertTrue(error.getMessage().contains("no current key"), error.getMessage());
    }

    @Test
    @Timeout(10)
    void shouldGiveAStateTheSameIdOnEveryShardWhateverTheOrderOfRegistration()
    {
        final StateIds ids = new StateIds();
        final KeyedStateStore otherStore = new HeapStateBackend().createStore(1, 16);
        try
        {
            final KeyedStateRegistry shard0 =
                new KeyedStateRegistry(store, new KeyContext(16), new CachedEpochClock(), ids);
            final KeyedStateRegistry shard1 =
                new KeyedStateRegistry(otherStore, new KeyContext(16), new CachedEpochClock(), ids);
            shard0.getLongState(new LongValueStateDescriptor("a"));
            shard1.getLongState(new LongValueStateDescriptor("b"));
            shard1.getLongState(new LongValueStateDescriptor("a"));
            shard0.getLongState(new LongValueStateDescriptor("b"));

            final RegisteredState a =
                new RegisteredState(1, "a", StateDescriptor.Kind.VALUE, "long", "", 0, false, false);
            final RegisteredState b =
                new RegisteredState(2, "b", StateDescriptor.Kind.VALUE, "long", "", 0, false, false);
            assertEquals(List.of(a, b), shard0.registeredStates());
            assertEquals(List.of(b, a), shard1.registeredStates(), "a shard lists its states as it registered them");
            assertEquals(List.of(a, b), RegisteredState.union(shard1.registeredStates(), List.of(a)));

            shard1.getState(new ValueStateDescriptor<>("c", StringCodec.INSTANCE));
            final IllegalArgumentException conflict = assertThrows(IllegalArgumentException.class,
                () -> shard0.getState(new ValueStateDescriptor<>("c", LongCodec.INSTANCE)));
            assertTrue(conflict.getMessage().contains("state 'c'") &&
                conflict.getMessage().contains("on another shard"), conflict.getMessage());
            assertThrows(IllegalStateException.class, () -> RegisteredState.union(List.of(a),
                List.of(new RegisteredState(1, "x", StateDescriptor.Kind.VALUE, "long", "", 0, false, false))));
        }
        finally
        {
            otherStore.close();
        }
    }
}
