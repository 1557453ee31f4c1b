package io.weir.state.offheap;

import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class PreImagesTest
{
    private final List<ByteBuffer> natives = new ArrayList<>();

    @AfterEach
    void dropNatives()
    {
        natives.clear();
    }

    @Test
    void shouldReadBackRecordsAcrossChunksIncludingOnesLargerThanAChunk()
    {
        final PreImages preImages = new PreImages();
        final Random random = new Random(42);
        for (int round = 0; round < 3; round++)
        {
            // Each round reuses the chunks of the one before, which held records of other sizes.
            preImages.prepare(4);
            final List<byte[]> keys = new ArrayList<>();
            final List<byte[]> values = new ArrayList<>();
            final List<Long> positions = new ArrayList<>();
            long previous = PreImages.NONE;
            for (int i = 0; i < 400; i++)
            {
                final byte[] key = new byte[1 + random.nextInt(40)];
                random.nextBytes(key);
                final int valueLength = i % 97 == round ? PreImages.CHUNK_BYTES + 1 + random.nextInt(1000) :
                    random.nextInt(20_000);
                final byte[] value = new byte[valueLength];
                random.nextBytes(value);
                final long position = preImages.append(new UnsafeBuffer(key), key.length, addressOf(value),
                    valueLength, previous);
                assertNotEquals(PreImages.NONE, position);
                keys.add(key);
                values.add(value);
                positions.add(position);
                previous = position;
            }

            // Walk the chain from the last record back to the first, as a full snapshot reader does.
            long position = previous;
            for (int i = keys.size() - 1; i >= 0; i--)
            {
                assertEquals(positions.get(i), position);
                final byte[] key = keys.get(i);
                final byte[] value = values.get(i);
                assertEquals(key.length, preImages.keyLength(position));
                assertEquals(value.length, preImages.valueLength(position));
                final ExpandableArrayBuffer both = new ExpandableArrayBuffer(key.length + value.length);
                assertEquals(key.length + value.length, preImages.copyKeyAndValue(position, both, 0));
                final byte[] readKey = new byte[key.length];
                both.getBytes(0, readKey);
                assertArrayEquals(key, readKey);
                final byte[] readValue = new byte[value.length];
                both.getBytes(key.length, readValue);
                assertArrayEquals(value, readValue, "value of record " + i + " in round " + round);
                position = preImages.next(position);
            }
            assertEquals(PreImages.NONE, position);
        }
    }

    @Test
    void shouldFitTheIndexToTheSegmentsAndClearIt()
    {
        final PreImages preImages = new PreImages();
        preImages.prepare(16);
        assertEquals(16, preImages.bySegment.length);
        preImages.bySegment[15] = 9;
        preImages.clearIndex();
        assertEquals(PreImages.NONE, preImages.bySegment[15]);
        preImages.prepare(32);
        assertEquals(32, preImages.bySegment.length);
    }

    private long addressOf(final byte[] bytes)
    {
        final ByteBuffer direct = ByteBuffer.allocateDirect(Math.max(1, bytes.length));
        direct.put(bytes);
        natives.add(direct); // reachable until the test ends
        return new UnsafeBuffer(direct).addressOffset();
    }
}
