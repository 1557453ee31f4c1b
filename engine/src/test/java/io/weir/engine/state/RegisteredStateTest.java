package io.weir.engine.state;

import io.weir.api.state.StateDescriptor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class RegisteredStateTest
{
    private static final RegisteredState STATE =
        new RegisteredState(3, "seen", StateDescriptor.Kind.VALUE, "long", "", 60_000, false, true);

    @Test
    void shouldEqualOnlyAStateWithEveryFieldTheSame()
    {
        final RegisteredState same =
            new RegisteredState(3, "seen", StateDescriptor.Kind.VALUE, "long", "", 60_000, false, true);
        assertEquals(STATE, same);
        assertEquals(STATE.hashCode(), same.hashCode());
        final List<RegisteredState> others = List.of(
            new RegisteredState(4, "seen", StateDescriptor.Kind.VALUE, "long", "", 60_000, false, true),
            new RegisteredState(3, "sent", StateDescriptor.Kind.VALUE, "long", "", 60_000, false, true),
            new RegisteredState(3, "seen", StateDescriptor.Kind.LIST, "long", "", 60_000, false, true),
            new RegisteredState(3, "seen", StateDescriptor.Kind.VALUE, "int", "", 60_000, false, true),
            new RegisteredState(3, "seen", StateDescriptor.Kind.VALUE, "long", "string", 60_000, false, true),
            new RegisteredState(3, "seen", StateDescriptor.Kind.VALUE, "long", "", 1, false, true),
            new RegisteredState(3, "seen", StateDescriptor.Kind.VALUE, "long", "", 60_000, true, true),
            new RegisteredState(3, "seen", StateDescriptor.Kind.VALUE, "long", "", 60_000, false, false));
        for (final RegisteredState other : others)
        {
            assertNotEquals(STATE, other, other.toString());
            assertNotEquals(other, STATE, other.toString());
        }
        assertNotEquals(STATE, null);
        assertNotEquals(STATE, "seen");
    }
}
