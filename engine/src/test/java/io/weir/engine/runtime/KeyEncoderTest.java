package io.weir.engine.runtime;

import io.weir.api.codec.StringCodec;
import org.agrona.ExpandableDirectByteBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;
import java.util.List;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class KeyEncoderTest
{
    private final ExpandableDirectByteBuffer encoded = new ExpandableDirectByteBuffer(16);
    private final ExpandableDirectByteBuffer expected = new ExpandableDirectByteBuffer(16);

    @Test
    void shouldEncodeAnElementWithTheKeyOfTheFirstBranchThatTakesItAndCountTheOthers()
    {
        // Branch 0 takes even numbers, keyed by value / 10 as a long; branch 1 takes multiples of 3, mapped to a
        // string and keyed by it; 1 and 5 go to neither.
        final UnaryOperator<Object> evens = value -> (Long)value % 2 == 0 ? value : null;
        final UnaryOperator<Object> threes = value -> (Long)value % 3 == 0 ? "n" + value : null;
        final KeyEncoder<Object, Long> byBranch = KeyEncoder.byFirstBranch(List.of(evens, threes), List.of(
            (KeyEncoder)KeyEncoder.ofLong(value -> (Long)value / 10),
            (KeyEncoder)KeyEncoder.of(value -> (String)value, StringCodec.INSTANCE)));

        assertEquals(Long.BYTES, byBranch.encodeKey(42L, encoded));
        assertEquals(4L, encoded.getLong(0, ByteOrder.BIG_ENDIAN), "even: the first branch's key");
        final int length = byBranch.encodeKey(9L, encoded);
        assertEquals(StringCodec.INSTANCE.encode("n9", expected, 0), length);
        assertEquals(expected.getStringWithoutLengthUtf8(0, length), encoded.getStringWithoutLengthUtf8(0, length),
            "odd multiple of 3: the second branch's key, of its mapped element");
        assertEquals(Long.BYTES, byBranch.encodeKey(36L, encoded));
        assertEquals(3L, encoded.getLong(0, ByteOrder.BIG_ENDIAN), "taken by both: the first branch's key");
        for (long next = 0; next < 3; next++)
        {
            assertEquals(Long.BYTES, byBranch.encodeKey(next == 1 ? 5L : 1L, encoded));
            assertEquals(next, encoded.getLong(0, ByteOrder.BIG_ENDIAN), "taken by no branch: 0, 1, 2, ...");
        }
    }

    @Test
    void shouldRefuseBranchesWithoutAnEncoderEach()
    {
        assertThrows(IllegalArgumentException.class, () -> KeyEncoder.byFirstBranch(List.of(value -> value),
            List.of()));
    }
}
