package io.weir.engine.checkpoint;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckpointSettingsTest
{
    private final CheckpointSettings settings = CheckpointSettings.every(Path.of("checkpoints"), 1_000);

    @Test
    void shouldCloseAChainAtItsLengthWhenItsDeltasWeighAsMuchAsTheRatioOfItsBase()
    {
        assertEquals(10, settings.maxDeltaChainLength());
        assertEquals(0.5, settings.deltaToBaseRatio());
        // Deltas that rewrite most of the state (a small, busy state): at the length, as before.
        assertFalse(settings.isChainDue(9, 1_000, 9_000));
        assertTrue(settings.isChainDue(10, 1_000, 9_000));
        // Deltas small against the base (a large state with few changes): when they reach half of it.
        assertFalse(settings.isChainDue(10, 775_000_000, 9 * 5_000_000L));
        assertFalse(settings.isChainDue(78, 775_000_000, 387_000_000));
        assertTrue(settings.isChainDue(79, 775_000_000, 387_500_000));
    }

    @Test
    void shouldCloseAChainOfTinyDeltasAtTheLengthLimit()
    {
        assertEquals(160, settings.chainLengthLimit());
        assertFalse(settings.isChainDue(159, 775_000_000, 159));
        assertTrue(settings.isChainDue(160, 775_000_000, 160));
        assertFalse(settings.isChainDue(1, 0, 0), "a base alone is never due");
    }

    @Test
    void shouldCloseAtTheLengthAloneWithARatioOfZero()
    {
        final CheckpointSettings byLength = settings.deltaToBaseRatio(0).maxDeltaChainLength(3);
        assertFalse(byLength.isChainDue(2, 1_000_000, 0));
        assertTrue(byLength.isChainDue(3, 1_000_000, 0));
    }

    @Test
    void shouldRefuseARatioThatIsNegativeOrNotANumber()
    {
        for (final double bad : new double[] {-0.1, Double.NaN, Double.POSITIVE_INFINITY})
        {
            final IllegalArgumentException thrown =
                assertThrows(IllegalArgumentException.class, () -> settings.deltaToBaseRatio(bad));
            assertTrue(thrown.getMessage().contains("delta-to-base ratio") &&
                thrown.getMessage().contains(Double.toString(bad)), thrown.getMessage());
        }
    }
}
