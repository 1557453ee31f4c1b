package io.weir.state.offheap;

/**
 * Whether a {@link NurseryStore} admits a key found nowhere into its young table. Entries that outlive a snapshot
 * point cost more there than in the store alone (the migration's second look-up), and so do keys read but never
 * written; the nursery pays only where most keys it could admit die in it. So where, over a window of
 * {@value #WINDOW} keys found nowhere, fewer than {@value #MIN_DEATHS_PER_8_MISSES} in 8 as many entries died in the
 * nursery, it admits none for a while: {@value #MIN_BYPASS} keys found nowhere, doubled at each window that ends
 * the same way, up to {@value #MAX_BYPASS}, or that at once after a second window in a row in which none died (state
 * that lives on, such as a counter per key: aside for long, the tables empty and look-ups stop probing them).
 * <p>
 * Shard thread only, like the store.
 */
final class NurseryAdmission
{
    static final int WINDOW = 1 << 15;
    static final int MIN_DEATHS_PER_8_MISSES = 5;
    static final int MIN_BYPASS = 1 << 13;
    static final int MAX_BYPASS = 1 << 22;

    private int windowMisses;
    private int windowDeaths;
    private int bypassLeft;
    private int deathlessWindows;
    private int nextBypass = MIN_BYPASS;

    /** A key was found nowhere: whether it may enter the young table. Counted per such key. */
    boolean onMiss()
    {
        if (bypassLeft > 0)
        {
            bypassLeft--;
            return false;
        }
        if (++windowMisses >= WINDOW)
        {
            if (windowDeaths * 8L < (long)windowMisses * MIN_DEATHS_PER_8_MISSES)
            {
                deathlessWindows = 0 == windowDeaths ? deathlessWindows + 1 : 0;
                bypassLeft = deathlessWindows >= 2 ? MAX_BYPASS : nextBypass;
                nextBypass = Math.min(2 * nextBypass, MAX_BYPASS);
            }
            else
            {
                deathlessWindows = 0;
                nextBypass = MIN_BYPASS;
            }
            windowMisses = 0;
            windowDeaths = 0;
        }
        return true;
    }

    /** An entry died in the nursery: removed from its young or sealed table. */
    void onDeath()
    {
        windowDeaths++;
    }

    /** Whether it admits no key now. */
    boolean isAside()
    {
        return bypassLeft > 0;
    }
}
