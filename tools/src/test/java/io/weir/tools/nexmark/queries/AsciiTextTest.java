package io.weir.tools.nexmark.queries;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class AsciiTextTest
{
    @Test
    void appendsNumbersAsStringBuilderDoes()
    {
        final long[] values = {0, 7, -7, 10, 99, 1_000_000, -1_000_001, Long.MAX_VALUE, Long.MIN_VALUE};
        final AsciiText text = new AsciiText(1);
        final StringBuilder expected = new StringBuilder();
        for (final long value : values)
        {
            text.append(value).append(',');
            expected.append(value).append(',');
        }
        assertEquals(expected.toString(), text.toString());
    }

    @Test
    void growsPastItsInitialCapacityAndShrinksInPlace()
    {
        final AsciiText text = new AsciiText(2);
        text.append("  trailing and leading  ");
        text.setLength(text.length() - 2);
        text.delete(0, 2);
        assertEquals("trailing and leading", text.toString());
        text.setLength(0);
        assertEquals(0, text.length());
        assertEquals("x", text.append('x').toString());
    }

    @Test
    void copiesThroughABufferAsOneByteACharacter()
    {
        final AsciiText written = new AsciiText(4).append("https://www.nexmark.com/channel-").append(42L);
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[64]);
        assertEquals(written.length(), written.putInto(buffer, 3));
        final AsciiText read = new AsciiText(1).append("left over");
        read.readFrom(buffer, 3, written.length());
        assertEquals("https://www.nexmark.com/channel-42", read.toString());
        assertEquals('4', read.charAt(read.length() - 2));
    }

    @Test
    void bytesAbove127ReadBackAsLatin1()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[]{'c', (byte)0xE9, 'e'});
        final AsciiText text = new AsciiText(1).readFrom(buffer, 0, 3);
        assertEquals("c\u00e9e", text.toString());
        assertEquals('\u00e9', text.charAt(1));
    }

    @Test
    void rejectsIndicesOutsideTheText()
    {
        final AsciiText text = new AsciiText(8).append("abc");
        assertThrows(IndexOutOfBoundsException.class, () -> text.charAt(3));
        assertThrows(IndexOutOfBoundsException.class, () -> text.setLength(4));
        assertThrows(IndexOutOfBoundsException.class, () -> text.delete(2, 4));
    }
}
