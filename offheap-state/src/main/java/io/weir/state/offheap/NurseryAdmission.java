package io.weir.state.offheap;

/**
 * Whether a {@link NurseryStore} admits a key found nowhere into its young table, judged by what became of the entries
 * it admitted. An entry that dies in the nursery (removed from its young or sealed table), or that is written again
 * after the snapshot point that sealed it (and so moves to the young table: a key written every interval, such as a
 * counter per key, lives on in the tables, where a look-up costs less than in the map), paid for its admission, as did
 * one carried unchanged to the young table and written there. An entry migrated to the store untouched did not: it cost
 * a second insert (state written once and then only read, or never again). So where, over a window of such outcomes
 * ({@value #WINDOW} by default), fewer than {@value #MIN_KEPT_PER_8} in 8 paid, it admits none for a while:
 * {@value #MIN_BYPASS} keys found nowhere, doubled at each window that ends the same way, up to {@value #MAX_BYPASS},
 * or that at once after a second window in a row in which none paid. Until a window of outcomes is in, it admits every
 * key, as the first outcomes of entries that outlive an interval come only after a snapshot point.
 * <p>
 * The tables cost every look-up of a key the map holds a probe or two. So where, over a window of look-ups
 * ({@value #LOOKUP_WINDOW} by default), the map held more of the keys looked up than the tables held and than were
 * found nowhere, the nursery drains: it admits no key found nowhere, a sealed entry that is written goes on to the
 * map, and a look-up asks the map before the tables, so that the tables empty within an interval or two and tax
 * none of the map's keys meanwhile (keys written in every interval, more than the tables hold, such as a million
 * counters, would otherwise keep a fraction of them there and tax every look-up of the rest).
 * It looks again at the end of every such window: keys found nowhere, such as new windows, end a drain. The same
 * window decides whether the map's memory is loaded ahead ({@link #prefetchesStore}); look-ups of keys too long
 * for the tables count there as the map's, and nowhere else.
 * <p>
 * Shard thread only, like the store.
 */
final class NurseryAdmission
{
    static final int WINDOW = 1 << 15;
    static final int MIN_KEPT_PER_8 = 5;
    static final int MIN_BYPASS = 1 << 13;
    static final int MAX_BYPASS = 1 << 22;
    static final int LOOKUP_WINDOW = 1 << 16;

    private final int window;
    private final int lookupWindow;
    private int windowOutcomes;
    private int windowKept;
    private int bypassLeft;
    private int fruitlessWindows;
    private int nextBypass = MIN_BYPASS;
    private int windowNurseryHits;
    private int windowStoreHits;
    private int windowMisses;
    private boolean draining;
    private int windowLongKeyLookups;
    private boolean storeLookedUp = true;

    NurseryAdmission()
    {
        this(WINDOW, LOOKUP_WINDOW);
    }

    /** With smaller windows (tests: every state within a few thousand operations). */
    NurseryAdmission(final int window, final int lookupWindow)
    {
        this.window = window;
        this.lookupWindow = lookupWindow;
    }

    /** A key was found nowhere: whether it may enter the young table. Counted per such key. */
    boolean onMiss()
    {
        windowMisses++;
        countLookup();
        return admitsNewKey();
    }

    /**
     * A key found nowhere by a write that did not read it first: whether it may enter the young table. Takes its
     * turn in a bypass like {@link #onMiss}, but is no look-up of the window.
     */
    boolean admitsNewKey()
    {
        if (draining)
        {
            return false;
        }
        if (bypassLeft > 0)
        {
            bypassLeft--;
            return false;
        }
        return true;
    }

    /** An entry died in the nursery: removed from its young or sealed table. */
    void onDeath()
    {
        onOutcome(1, 1);
    }

    /** A sealed entry was written, and moved to the young table. */
    void onRewrite()
    {
        onOutcome(1, 1);
    }

    /** Sealed entries nobody touched were migrated to the store (after an interval carried unchanged). */
    void onMigrated(final int entries)
    {
        onOutcome(entries, 0);
    }

    private void onOutcome(final int outcomes, final int kept)
    {
        windowOutcomes += outcomes;
        windowKept += kept;
        if (windowOutcomes < window)
        {
            return;
        }
        if (windowKept * 8L < (long)windowOutcomes * MIN_KEPT_PER_8)
        {
            fruitlessWindows = 0 == windowKept ? fruitlessWindows + 1 : 0;
            bypassLeft = fruitlessWindows >= 2 ? MAX_BYPASS : nextBypass;
            nextBypass = Math.min(2 * nextBypass, MAX_BYPASS);
        }
        else
        {
            fruitlessWindows = 0;
            nextBypass = MIN_BYPASS;
            bypassLeft = 0;
        }
        windowOutcomes = 0;
        windowKept = 0;
    }

    /** A look-up found its key in the young or the sealed table. */
    void onNurseryHit()
    {
        windowNurseryHits++;
        countLookup();
    }

    /** A look-up found its key in the map. */
    void onStoreHit()
    {
        windowStoreHits++;
        countLookup();
    }

    /** A look-up of a key too long for the tables: the map's, whether it found the key or not. */
    void onLongKeyLookup()
    {
        windowLongKeyLookups++;
        countLookup();
    }

    private void countLookup()
    {
        final int inMap = windowStoreHits + windowMisses + windowLongKeyLookups;
        if (windowNurseryHits + inMap >= lookupWindow)
        {
            draining = windowStoreHits > windowNurseryHits + windowMisses;
            storeLookedUp = 4L * inMap >= windowNurseryHits + inMap;
            windowNurseryHits = 0;
            windowStoreHits = 0;
            windowMisses = 0;
            windowLongKeyLookups = 0;
        }
    }

    /** Whether it admits no key now. */
    boolean isAside()
    {
        return draining || bypassLeft > 0;
    }

    /**
     * Whether the map's memory is worth loading ahead for the next keys: over the last window of look-ups, at least
     * a quarter of them looked in the map (found their key there, found it nowhere, or had a key too long for the
     * tables).
     */
    boolean prefetchesStore()
    {
        return storeLookedUp;
    }

    /** Whether written sealed entries go to the map rather than to the young table. */
    boolean drains()
    {
        return draining;
    }
}
