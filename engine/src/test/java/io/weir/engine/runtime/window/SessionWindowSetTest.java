package io.weir.engine.runtime.window;

import org.agrona.ExpandableDirectByteBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The per-key merging window set and its stored layout, without a job. */
@Timeout(10)
class SessionWindowSetTest
{
    private final List<String> merges = new ArrayList<>();
    private final SessionWindowSet.MergeCallback recorder = (set, from, to, start, end) ->
    {
        final StringBuilder sb = new StringBuilder();
        for (int i = from; i <= to; i++)
        {
            sb.append('[').append(set.start(i)).append(',').append(set.end(i)).append(")->")
                .append(set.stateNamespace(i)).append(' ');
        }
        merges.add(sb.append("=> [").append(start).append(',').append(end).append(')').toString());
    };

    @Test
    void shouldCreateSelfMappedWindowsThatDoNotIntersect()
    {
        final SessionWindowSet set = new SessionWindowSet(1);
        assertEquals(0, set.addWindow(20, 30, recorder));
        assertTrue(set.lastAddCreated());
        assertEquals(0, set.addWindow(0, 10, recorder));
        assertEquals(2, set.addWindow(40, 50, recorder));
        assertEquals("SessionWindowSet[[0, 10)->0, [20, 30)->20, [40, 50)->40]", set.toString());
        assertTrue(merges.isEmpty());
    }

    @Test
    void shouldNotMergeAWindowInsideAnExistingOne()
    {
        final SessionWindowSet set = new SessionWindowSet();
        set.addWindow(0, 10, recorder);
        set.addWindow(5, 15, recorder);
        assertEquals(0, set.addWindow(3, 13, recorder));
        assertFalse(set.lastAddCreated());
        assertEquals("SessionWindowSet[[0, 15)->0]", set.toString());
        assertEquals(List.of("[0,10)->0 => [0,15)"), merges, "only the extension merged");
    }

    @Test
    void shouldMergeTouchingWindowsAndBridgeTwoKeepingTheFirstStateNamespace()
    {
        final SessionWindowSet set = new SessionWindowSet();
        set.addWindow(5, 15, recorder);
        set.addWindow(25, 35, recorder);
        set.addWindow(50, 60, recorder);
        assertEquals(0, set.addWindow(15, 25, recorder));
        assertEquals("SessionWindowSet[[5, 35)->5, [50, 60)->50]", set.toString());
        assertEquals(0, set.addWindow(0, 10, recorder));
        assertEquals("SessionWindowSet[[0, 35)->5, [50, 60)->50]", set.toString());
        assertEquals(List.of("[5,15)->5 [25,35)->25 => [5,35)", "[5,35)->5 => [0,35)"), merges);
    }

    @Test
    void shouldFindAndRetireWindowsByEnd()
    {
        final SessionWindowSet set = new SessionWindowSet();
        set.addWindow(0, 10, recorder);
        set.addWindow(20, 30, recorder);
        assertEquals(1, set.indexOfEnd(30));
        assertEquals(-1, set.indexOfEnd(29));
        set.removeAt(0);
        assertEquals("SessionWindowSet[[20, 30)->20]", set.toString());
    }

    @Test
    void shouldRoundTripThroughTheCodecAndRejectTornValues()
    {
        final SessionWindowSet set = new SessionWindowSet();
        set.addWindow(-7, 3, recorder);
        set.addWindow(100, 110, recorder);
        set.addWindow(105, 120, recorder);
        final ExpandableDirectByteBuffer buffer = new ExpandableDirectByteBuffer(128);
        final SessionWindowSetCodec codec = SessionWindowSetCodec.INSTANCE;
        final int length = codec.encode(set, buffer, 4);
        assertEquals(codec.encodedLength(set), length);
        assertEquals(4 + 2 * 24, length);
        assertEquals(set.toString(), codec.decode(buffer, 4, length, null).toString());
        final SessionWindowSet reuse = new SessionWindowSet();
        reuse.addWindow(1, 2, recorder);
        assertEquals(set.toString(), codec.decode(buffer, 4, length, reuse).toString());
        assertThrows(IllegalStateException.class, () -> codec.decode(buffer, 4, length - 1, null));
        assertThrows(IllegalStateException.class, () -> codec.decode(buffer, 4, 2, null));
    }
}
