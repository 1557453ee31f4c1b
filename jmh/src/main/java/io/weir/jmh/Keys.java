package io.weir.jmh;

import io.weir.engine.runtime.KeyGroups;

/**
 * Cheap, reproducible pseudo-random key sequence over {@code [0, keys)}: SplitMix64 of a counter, reduced by
 * a multiply-shift (no division), so the generator costs the same ~1-2 ns for every store under test.
 */
final class Keys
{
    private final long keys;
    private long sequence;

    Keys(final long keys, final long seed)
    {
        if (keys <= 0 || keys > 0xFFFF_FFFFL)
        {
            throw new IllegalArgumentException("keys must be in 1..2^32-1: " + keys);
        }
        this.keys = keys;
        this.sequence = seed;
    }

    long next()
    {
        return ((KeyGroups.mix(sequence++) & 0xFFFF_FFFFL) * keys) >>> 32;
    }
}
