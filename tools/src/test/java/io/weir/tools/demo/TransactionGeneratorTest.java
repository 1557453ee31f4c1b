package io.weir.tools.demo;

import org.agrona.concurrent.NoOpIdleStrategy;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The generator's pacing: a rate that rises over the warm-up, then the full rate. */
class TransactionGeneratorTest
{
    private static final long RATE = 100_000;
    private static final long INTERVAL_NS = TimeUnit.SECONDS.toNanos(1) / RATE;

    private static TransactionGenerator generator(final long rampNs)
    {
        return new TransactionGenerator(null, null, null, Long.MAX_VALUE, rampNs, NoOpIdleStrategy.INSTANCE, 1_000,
            RATE, 1, 0, 42);
    }

    @Test
    void shouldPaceAtTheFullRateFromTheStartWithoutARamp()
    {
        final TransactionGenerator generator = generator(0);
        assertEquals(0, generator.intendedOffsetNs(0));
        assertEquals(INTERVAL_NS, generator.intendedOffsetNs(1));
        assertEquals(1_000 * INTERVAL_NS, generator.intendedOffsetNs(1_000));
    }

    @Test
    void shouldRiseFromATenthOfTheRateToTheFullRateOverTheRamp()
    {
        final long rampNs = TimeUnit.SECONDS.toNanos(2);
        final TransactionGenerator generator = generator(rampNs);
        // At a tenth of the rate at first: ten intervals apart.
        assertEquals(10 * INTERVAL_NS, generator.intendedOffsetNs(1), INTERVAL_NS / 10.0);
        // The ramp holds the average of a tenth and the full rate: 110,000 transactions in 2 s at 100,000/s.
        final long inRamp = RATE * 2 * 110 / 200;
        assertEquals(rampNs, generator.intendedOffsetNs(inRamp), INTERVAL_NS);
        // Half-way through the ramp the rate is 55% of the full rate: 1 s in, 0.1 + 0.45 / 2 of 2 s at the full rate.
        assertEquals(TimeUnit.SECONDS.toNanos(1), generator.intendedOffsetNs(RATE * 2 * 1625 / 10_000), INTERVAL_NS);
        // After it, one every interval.
        assertEquals(rampNs + 1_000 * INTERVAL_NS, generator.intendedOffsetNs(inRamp + 1_000), 1);
        long previous = -1;
        for (long sequence = 0; sequence < inRamp + 10_000; sequence++)
        {
            final long offset = generator.intendedOffsetNs(sequence);
            assertTrue(offset >= previous, "due times never go back: " + sequence);
            assertTrue(offset - previous <= 10 * INTERVAL_NS + 1, "never slower than a tenth of the rate: " + sequence);
            previous = offset;
        }
    }
}
