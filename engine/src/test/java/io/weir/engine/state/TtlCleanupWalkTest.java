package io.weir.engine.state;

import io.weir.api.codec.StringCodec;
import io.weir.api.state.StateTtlConfig;
import io.weir.api.state.ValueState;
import io.weir.api.state.ValueStateDescriptor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The store's one cleanup walk hands each TTL'd state its own entries, and a state that works through them more
 * slowly than another asks for more holds a bounded batch: its other entries are found by a later pass.
 */
class TtlCleanupWalkTest extends StateViewTestBase
{
    @Test
    void shouldHoldABoundedBatchForAStateThatStepsSlowerThanAnotherAndStillRemoveAllItsExpiredEntries()
    {
        // "many" steps only when it is accessed (per record); "few" steps on every duty cycle and keeps the walk going.
        final ValueState<String> many = registry.getState(ttl("many", true));
        final ValueState<String> few = registry.getState(ttl("few", false));
        final int manyKeys = 3 * TtlIncrementalCleanup.MAX_PENDING;
        for (long key = 0; key < manyKeys; key++)
        {
            setKey(key);
            many.update("m");
            if (key % 100 == 0)
            {
                few.update("f");
            }
        }
        clock.advance(100);
        final TtlIncrementalCleanup manyCleanup = ((AbstractStateView)many).perRecordCleanup();
        for (int cycle = 0; cycle < 2_000; cycle++)
        {
            registry.onDutyCycle();
            assertTrue(manyCleanup.pending() <= TtlIncrementalCleanup.MAX_PENDING,
                "candidates held for the slow state: " + manyCleanup.pending());
        }
        assertEquals(manyKeys, count(many), "the slow state was never stepped");
        assertEquals(0, count(few), "the other state's expired entries are gone");

        setKey(manyKeys + 1);
        for (int access = 0; access < 10 * manyKeys && count(many) > 0; access++)
        {
            many.value();
        }
        assertEquals(0, count(many), "accesses of the slow state removed all its expired entries, over passes");
    }

    @Test
    void shouldNotWalkTheStoreForEveryStepOfAStateWhoseEntriesTheLastPassDidNotFind()
    {
        final StateBackendConformanceTest.EntryCountingStore counting =
            new StateBackendConformanceTest.EntryCountingStore(store);
        final KeyedStateRegistry countingRegistry = new KeyedStateRegistry(counting, keyContext, clock);
        // "busy" has entries, so every pass of the walk finds candidates; "empty" has none and steps on each access.
        final ValueState<String> busy = countingRegistry.getState(ttl("busy", false));
        final ValueState<String> empty = countingRegistry.getState(ttl("empty", true));
        final int keys = 5_000;
        for (long key = 0; key < keys; key++)
        {
            setKey(key);
            busy.update("b");
        }
        setKey(keys);
        for (int access = 0; access < 2_000; access++)
        {
            empty.value();
        }
        assertTrue(counting.entriesVisited[0] <= 2L * keys, "entries visited for a state without entries: " +
            counting.entriesVisited[0] + " in a store of " + keys);

        clock.advance(100);
        final long visited = counting.entriesVisited[0];
        empty.value();
        assertTrue(counting.entriesVisited[0] > visited, "after its TTL, the state asks the walk again");
    }

    @Test
    void shouldReadAndWriteTheCurrentKeysEntryAfterACleanupStepUsedTheSameStatesKeyBufferForOtherKeys()
    {
        // Each access first steps the cleanup, which looks other keys up through the state's own key buffer; the
        // access must then still address the current key, also when it is the second access of one key.
        final ValueState<String> state = registry.getState(ttl("state", true));
        for (long key = 0; key < 2_000; key++)
        {
            setKey(key);
            state.update("old");
        }
        clock.advance(100);
        setKey(5_000);
        state.update("live");
        for (int access = 0; access < 3_000; access++)
        {
            assertEquals("live", state.value(), "access " + access);
            state.update("live");
        }
        assertEquals(1, count(state), "the expired entries are gone and only the current key's is left");
        setKey(5_000);
        assertEquals("live", state.value());
    }

    private int count(final ValueState<String> state)
    {
        final int stateId = ((AbstractStateView)state).stateId;
        final int[] count = new int[1];
        store.forEach((key, keyLength, value, valueLength) ->
        {
            if (io.weir.state.spi.StateKeyDescriptor.stateId(key) == stateId)
            {
                count[0]++;
            }
        });
        return count[0];
    }

    private static ValueStateDescriptor<String> ttl(final String name, final boolean perRecord)
    {
        final ValueStateDescriptor<String> descriptor = new ValueStateDescriptor<>(name, StringCodec.INSTANCE);
        descriptor.enableTimeToLive(StateTtlConfig.newBuilder(100).disableCleanupOnAccess()
            .cleanupIncrementally(perRecord ? 1_000 : 10, perRecord).build());
        return descriptor;
    }
}
