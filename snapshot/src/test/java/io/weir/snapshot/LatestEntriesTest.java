package io.weir.snapshot;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

@ExtendWith(TestSeeds.class)
class LatestEntriesTest
{
    @Test
    void shouldDeliverTheLiveEntriesInUnsignedKeyOrderAsASortedMapWould()
    {
        final long seed = TestSeeds.seed("shouldDeliverTheLiveEntriesInUnsignedKeyOrderAsASortedMapWould");
        final Random random = new Random(seed);
        final LatestEntries latest = new LatestEntries();
        final TreeMap<byte[], byte[]> expected = new TreeMap<>(Arrays::compareUnsigned);
        final UnsafeBuffer key = new UnsafeBuffer(new byte[0]);
        final UnsafeBuffer value = new UnsafeBuffer(new byte[0]);
        for (int round = 0; round < 3; round++)
        {
            latest.clear();
            expected.clear();
            final List<byte[]> written = new ArrayList<>();
            for (int i = 0; i < 5_000; i++)
            {
                final byte[] k;
                if (!written.isEmpty() && random.nextInt(4) == 0)
                {
                    k = written.get(random.nextInt(written.size()));  // an overwrite or a removal
                }
                else
                {
                    k = randomKey(random, written);
                    written.add(k);
                }
                key.wrap(k);
                if (random.nextInt(5) == 0)
                {
                    latest.put(key, 0, k.length);
                    expected.remove(k);
                }
                else
                {
                    final byte[] v = new byte[random.nextInt(12)];
                    random.nextBytes(v);
                    value.wrap(v);
                    latest.put(key, 0, k.length, value, 0, v.length);
                    expected.put(k, v);
                }
            }
            final List<byte[]> keys = new ArrayList<>();
            final List<byte[]> values = new ArrayList<>();
            final long count = latest.forEachLiveSorted(7, (keyGroup, k, ko, kl, v, vo, vl) ->
            {
                assertEquals(7, keyGroup);
                final byte[] kb = new byte[kl];
                k.getBytes(ko, kb);
                final byte[] vb = new byte[vl];
                v.getBytes(vo, vb);
                keys.add(kb);
                values.add(vb);
            });
            assertEquals(expected.size(), count, "seed=" + seed);
            int i = 0;
            for (final var entry : expected.entrySet())
            {
                assertArrayEquals(entry.getKey(), keys.get(i), "seed=" + seed + " at " + i);
                assertArrayEquals(entry.getValue(), values.get(i), "seed=" + seed + " at " + i);
                i++;
            }
        }
    }

    /**
     * Keys of 0 to 30 bytes, most of them sharing a long prefix (as store keys share key group, state and length),
     * some a prefix of an earlier key or equal to it but for one byte past the sixteenth, bytes of both signs.
     */
    private static byte[] randomKey(final Random random, final List<byte[]> written)
    {
        final int kind = random.nextInt(4);
        if (kind == 0 && !written.isEmpty())
        {
            final byte[] earlier = written.get(random.nextInt(written.size()));
            return Arrays.copyOf(earlier, random.nextInt(earlier.length + 1));
        }
        if (kind == 1 && !written.isEmpty())
        {
            final byte[] earlier = written.get(random.nextInt(written.size()));
            final byte[] longer = Arrays.copyOf(earlier, Math.max(earlier.length, 17) + random.nextInt(4));
            longer[16 + random.nextInt(longer.length - 16)] ^= (byte)(1 + random.nextInt(255));
            return longer;
        }
        final byte[] k = new byte[random.nextInt(31)];
        random.nextBytes(k);
        for (int i = 0; i < Math.min(6, k.length); i++)
        {
            k[i] = (byte)(i == 2 ? 0x80 : 0x01);
        }
        return k;
    }
}
