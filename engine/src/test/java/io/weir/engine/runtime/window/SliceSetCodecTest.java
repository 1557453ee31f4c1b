package io.weir.engine.runtime.window;

import io.weir.api.codec.LongCodec;
import org.agrona.ExpandableArrayBuffer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SliceSetCodecTest
{
    private final SliceSetCodec<Long> codec = new SliceSetCodec<>(LongCodec.INSTANCE);
    private final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(256);

    private static SliceSet<Long> slices(final long... startsAndValues)
    {
        final SliceSet<Long> set = new SliceSet<>(1);
        for (int i = 0; i < startsAndValues.length; i += 2)
        {
            set.insert(set.size(), startsAndValues[i], startsAndValues[i + 1]);
        }
        return set;
    }

    private static String describe(final SliceSet<Long> set)
    {
        final StringBuilder text = new StringBuilder();
        for (int i = 0; i < set.size(); i++)
        {
            text.append(set.start(i)).append('=').append(set.accumulator(i)).append(' ');
        }
        return text.toString().trim();
    }

    @Test
    void slicesKeepTheirStartOrderThroughInsertionAndRemoval()
    {
        final SliceSet<Long> set = slices(-4, 1, 6, 3);
        assertEquals(-2, set.indexOf(2), "insertion point 1");
        set.insert(1, 2, 2L);
        assertEquals("-4=1 2=2 6=3", describe(set));
        assertEquals(0, set.indexOf(-4));
        assertEquals(-1, set.indexOf(-8));
        assertEquals(-4, set.indexOf(7));
        set.removeAt(0);
        assertEquals("2=2 6=3", describe(set));
    }

    @Test
    void roundTripsAndFormatsEachSliceWithItsStart()
    {
        final SliceSet<Long> set = slices(Long.MIN_VALUE + 1, 5, -2000, 0, 4000, Long.MAX_VALUE);
        final int length = codec.encode(set, buffer, 3);
        assertEquals(codec.encodedLength(set), length);
        assertEquals(describe(set), describe(codec.decode(buffer, 3, length, null)));
        assertEquals("[slice " + (Long.MIN_VALUE + 1) + ": 5, slice -2000: 0, slice 4000: " + Long.MAX_VALUE + "]",
            codec.format(buffer, 3, length));
        assertTrue(codec.id().startsWith("weir-slice-set-v1("), codec.id());
    }

    @Test
    void decodesIntoAReusedSetOfMoreOrFewerSlices()
    {
        final SliceSet<Long> reused = slices(1, 10, 2, 20, 3, 30);
        final int twoSlices = codec.encode(slices(7, 70, 8, 80), buffer, 0);
        assertSame(reused, codec.decode(buffer, 0, twoSlices, reused));
        assertEquals("7=70 8=80", describe(reused));
        final int fourSlices = codec.encode(slices(1, 1, 2, 2, 3, 3, 4, 4), buffer, 0);
        codec.decode(buffer, 0, fourSlices, reused);
        assertEquals("1=1 2=2 3=3 4=4", describe(reused));
        final int none = codec.encode(slices(), buffer, 0);
        codec.decode(buffer, 0, none, reused);
        assertEquals(0, reused.size());
    }

    @Test
    void refusesCorruptValuesNamingWhatIsWrong()
    {
        final int length = codec.encode(slices(5, 1, 3, 2), buffer, 0);
        final IllegalStateException unordered =
            assertThrows(IllegalStateException.class, () -> codec.decode(buffer, 0, length, null));
        assertTrue(unordered.getMessage().contains("slice 1 starts at 3, not after 5"), unordered.getMessage());

        final int valid = codec.encode(slices(1, 1, 2, 2), buffer, 0);
        final IllegalStateException short1 =
            assertThrows(IllegalStateException.class, () -> codec.decode(buffer, 0, valid - 1, null));
        assertTrue(short1.getMessage().contains("corrupt"), short1.getMessage());
        final IllegalStateException trailing =
            assertThrows(IllegalStateException.class, () -> codec.decode(buffer, 0, valid + 3, null));
        assertTrue(trailing.getMessage().contains("3 bytes after the last slice"), trailing.getMessage());
        assertThrows(IllegalStateException.class, () -> codec.decode(buffer, 0, 2, null));
        // A fixed-length accumulator stored with another length: its codec would read past it.
        buffer.putInt(0, 1, java.nio.ByteOrder.BIG_ENDIAN);
        buffer.putInt(12, 3, java.nio.ByteOrder.BIG_ENDIAN);
        final IllegalStateException wrongLength =
            assertThrows(IllegalStateException.class, () -> codec.decode(buffer, 0, 19, null));
        assertTrue(wrongLength.getMessage().contains("slice 0 has an accumulator of 3 bytes"), wrongLength.getMessage());
        buffer.putInt(0, Integer.MAX_VALUE, java.nio.ByteOrder.BIG_ENDIAN);
        final IllegalStateException count =
            assertThrows(IllegalStateException.class, () -> codec.decode(buffer, 0, valid, null));
        assertTrue(count.getMessage().contains("a slice count of " + Integer.MAX_VALUE), count.getMessage());
    }

    /** A one-long box whose codec fills the box it is given, as codecs of mutable types do. */
    private static final class BoxCodec extends io.weir.api.codec.FixedLayoutCodec<long[]>
    {
        BoxCodec()
        {
            super("test-long-box", Long.BYTES);
        }

        protected void write(final long[] value, final org.agrona.MutableDirectBuffer buffer, final int offset)
        {
            buffer.putLong(offset, value[0]);
        }

        protected long[] read(final org.agrona.DirectBuffer buffer, final int offset, final long[] reuse)
        {
            final long[] box = reuse != null ? reuse : new long[1];
            box[0] = buffer.getLong(offset);
            return box;
        }
    }

    @Test
    void decodesAccumulatorsAfreshIntoAReusedSet()
    {
        // A reduce keeps a slice's first element as its accumulator: an object the engine refills per record.
        final SliceSetCodec<long[]> boxes = new SliceSetCodec<>(new BoxCodec());
        final SliceSet<long[]> reused = new SliceSet<>(1);
        final long[] element = {10};
        reused.insert(0, 1, element);
        final SliceSet<long[]> stored = new SliceSet<>(1);
        stored.insert(0, 1, new long[] {99});
        final int length = boxes.encode(stored, buffer, 0);
        boxes.decode(buffer, 0, length, reused);
        assertEquals(99, reused.accumulator(0)[0]);
        assertEquals(10, element[0], "the object the set held is not decoded into");
    }
}
