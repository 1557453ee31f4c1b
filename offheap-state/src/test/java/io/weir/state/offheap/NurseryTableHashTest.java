package io.weir.state.offheap;

import io.weir.state.spi.StateKeyDescriptor;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The nursery's hash spreads the composite keys jobs make over a table's slots: linear probing stays short for
 * consecutive numeric keys (event ids, one shard's share of them) and for keys under a few window namespaces.
 */
class NurseryTableHashTest
{
    @Test
    void shouldKeepProbesShortForConsecutiveNumericKeys()
    {
        final Probes probes = new Probes(1 << 17);
        final UnsafeBuffer key = new UnsafeBuffer(new byte[32]);
        for (long id = 0; id < 60_000; id++)
        {
            final long eventId = 1_000_000 + 2 * id;
            final int length = compositeKey(key, eventId);
            probes.insert(NurseryTable.hash(key, length));
        }
        probes.assertShort(1.0, 64);
    }

    @Test
    void shouldKeepProbesShortForRandomKeysUnderAFewWindowNamespaces()
    {
        final Probes probes = new Probes(1 << 14);
        final UnsafeBuffer key = new UnsafeBuffer(new byte[32]);
        final Random random = new Random(42);
        for (int i = 0; i < 12_000; i++)
        {
            // Keys drawn from 200,000, as the reference jobs' are, each under one of three windows.
            final long window = 1_700_000_000_000L + (i % 3) * 10_000;
            final int length = compositeKey(key, random.nextInt(200_000));
            key.putLong(length, window, ByteOrder.BIG_ENDIAN);
            probes.insert(NurseryTable.hash(key, length + Long.BYTES));
        }
        // Three quarters full: linear probing's expected mean displacement is (1 + 1 / (1 - 0.73)) / 2 - 1, about 1.4.
        probes.assertShort(2.5, 128);
    }

    private static int compositeKey(final UnsafeBuffer key, final long value)
    {
        final UnsafeBuffer bytes = new UnsafeBuffer(new byte[Long.BYTES]);
        bytes.putLong(0, value, ByteOrder.BIG_ENDIAN);
        return StateKeyDescriptor.writePrefix(key, 0, (int)(value % 128), 1, bytes, 0, Long.BYTES);
    }

    /** Linear probing over a power-of-two number of slots, counting how far each key lands from its home slot. */
    private static final class Probes
    {
        private final boolean[] taken;
        private long displacement;
        private int longest;
        private int keys;

        Probes(final int slots)
        {
            taken = new boolean[slots];
        }

        void insert(final int hash)
        {
            final int mask = taken.length - 1;
            int slot = hash & mask;
            int run = 0;
            while (taken[slot])
            {
                slot = (slot + 1) & mask;
                run++;
            }
            taken[slot] = true;
            displacement += run;
            longest = Math.max(longest, run);
            keys++;
        }

        void assertShort(final double maxMeanDisplacement, final int maxDisplacement)
        {
            final double mean = displacement / (double)keys;
            assertTrue(mean <= maxMeanDisplacement, "mean displacement " + mean + " over " + keys + " keys");
            assertTrue(longest <= maxDisplacement, "longest displacement " + longest + " over " + keys + " keys");
        }
    }
}
