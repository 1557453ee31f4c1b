package io.weir.snapshot;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.*;

@ExtendWith(TestSeeds.class)
@Timeout(60)
class ChainResolverTest
{
    private static final int FIRST = 8;
    private static final int LAST = 23;

    @TempDir
    Path dir;

    /** Model: key group -> key -> value, with unsigned key order. */
    private final Map<Integer, TreeMap<byte[], byte[]>> model = new TreeMap<>();

    private TreeMap<byte[], byte[]> modelOf(final int keyGroup)
    {
        return model.computeIfAbsent(keyGroup, kg -> new TreeMap<>(Arrays::compareUnsigned));
    }

    private static byte[] bytes(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private Path writeFile(final SnapshotHeader header, final Random random, final int puts, final int deletes)
    {
        final Path path = dir.resolve("shard-0-chk-" + header.checkpointId() + "." +
            header.fileKind().name().toLowerCase());
        try (SnapshotFileWriter writer = SnapshotFileWriter.open(path, header, 256))
        {
            for (int i = 0; i < puts; i++)
            {
                final int kg = FIRST + random.nextInt(LAST - FIRST + 1);
                final byte[] key = bytes("key-" + random.nextInt(300));
                final byte[] value = bytes("v" + header.checkpointId() + "-" + random.nextLong());
                writer.put(kg, new UnsafeBuffer(key), 0, key.length, new UnsafeBuffer(value), 0, value.length);
                modelOf(kg).put(key, value);
            }
            for (int i = 0; i < deletes; i++)
            {
                final int kg = FIRST + random.nextInt(LAST - FIRST + 1);
                final TreeMap<byte[], byte[]> live = modelOf(kg);
                final byte[] key = live.isEmpty() || random.nextBoolean() ?
                    bytes("key-" + random.nextInt(300)) : new ArrayList<>(live.keySet()).get(random.nextInt(live.size()));
                writer.tombstone(kg, new UnsafeBuffer(key), 0, key.length);
                live.remove(key);
            }
            writer.finish();
        }
        return path;
    }

    private List<Path> writeChain(final long seed)
    {
        final Random random = new Random(seed);
        final List<Path> chain = new ArrayList<>();
        chain.add(writeFile(SnapshotHeader.full("lmdb", 1, FIRST, LAST, 128, 10, 1000), random, 3000, 0));
        chain.add(writeFile(SnapshotHeader.delta("lmdb", 1, FIRST, LAST, 128, 11, 10, 2000), random, 500, 300));
        chain.add(writeFile(SnapshotHeader.delta("lmdb", 1, FIRST, LAST, 128, 12, 11, 3000), random, 500, 300));
        chain.add(writeFile(SnapshotHeader.delta("lmdb", 1, FIRST, LAST, 128, 13, 12, 4000), random, 500, 300));
        return chain;
    }

    private static List<String> resolvedAsStrings(final ChainResolver resolver)
    {
        final List<String> out = new ArrayList<>();
        resolver.forEach((kg, key, keyOffset, keyLength, value, valueOffset, valueLength) ->
            out.add(kg + ":" + key.getStringWithoutLengthUtf8(keyOffset, keyLength) + "=" +
                value.getStringWithoutLengthUtf8(valueOffset, valueLength)));
        return out;
    }

    private List<String> modelAsStrings()
    {
        final List<String> out = new ArrayList<>();
        model.forEach((kg, entries) -> entries.forEach((k, v) ->
            out.add(kg + ":" + new String(k, StandardCharsets.UTF_8) + "=" + new String(v, StandardCharsets.UTF_8))));
        return out;
    }

    @Test
    void shouldResolveOverwritesAndTombstonesAcrossThreeDeltas()
    {
        final long seed = TestSeeds.seed("shouldResolveOverwritesAndTombstonesAcrossThreeDeltas");
        final List<Path> chain = writeChain(seed);

        try (ChainResolver resolver = ChainResolver.open(chain))
        {
            assertEquals(4, resolver.length());
            assertEquals(13, resolver.headHeader().checkpointId());
            assertEquals(modelAsStrings(), resolvedAsStrings(resolver), "seed=" + seed);

            final NavigableMap<byte[], byte[]> kg9 = resolver.resolveKeyGroup(9);
            assertEquals(modelOf(9).size(), kg9.size(), "seed=" + seed);
            modelOf(9).forEach((k, v) -> assertArrayEquals(v, kg9.get(k)));
        }
    }

    @Test
    void shouldResolveTheSameEntriesUnorderedAsInOrder()
    {
        final long seed = TestSeeds.seed("shouldResolveTheSameEntriesUnorderedAsInOrder");
        final List<Path> chain = writeChain(seed);
        try (ChainResolver resolver = ChainResolver.open(chain))
        {
            final List<String> unordered = new ArrayList<>();
            final long count = resolver.forEachUnordered((kg, key, keyOffset, keyLength, value, valueOffset,
                valueLength) -> unordered.add(kg + ":" + key.getStringWithoutLengthUtf8(keyOffset, keyLength) + "=" +
                value.getStringWithoutLengthUtf8(valueOffset, valueLength)));
            final List<String> expected = modelAsStrings();
            assertEquals(expected.size(), count, "seed=" + seed);
            java.util.Collections.sort(expected);
            java.util.Collections.sort(unordered);
            assertEquals(expected, unordered, "seed=" + seed);
        }
    }

    @Test
    void shouldResolveKeyGroupByKeyGroupTheSameEntriesAsTheWholeChain()
    {
        final long seed = TestSeeds.seed("shouldResolveKeyGroupByKeyGroupTheSameEntriesAsTheWholeChain");
        final List<Path> chain = writeChain(seed);
        try (ChainResolver resolver = ChainResolver.open(chain))
        {
            final ChainResolver.Scratch scratch = new ChainResolver.Scratch();
            final List<String> stepped = new ArrayList<>();
            long count = 0;
            for (int kg = resolver.baseHeader().firstKeyGroup(); kg <= resolver.baseHeader().lastKeyGroup(); kg++)
            {
                final int expectedGroup = kg;
                count += resolver.forEachUnorderedInKeyGroup(kg, (group, key, keyOffset, keyLength, value,
                    valueOffset, valueLength) ->
                {
                    assertEquals(expectedGroup, group);
                    stepped.add(group + ":" + key.getStringWithoutLengthUtf8(keyOffset, keyLength) + "=" +
                        value.getStringWithoutLengthUtf8(valueOffset, valueLength));
                }, scratch);
            }
            final List<String> expected = modelAsStrings();
            java.util.Collections.sort(expected);
            java.util.Collections.sort(stepped);
            assertEquals(expected, stepped, "seed=" + seed);
            assertEquals(expected.size(), count);
            final int outside = resolver.baseHeader().lastKeyGroup() + 1;
            final IllegalArgumentException thrown = org.junit.jupiter.api.Assertions.assertThrows(
                IllegalArgumentException.class,
                () -> resolver.forEachUnorderedInKeyGroup(outside, (g, k, ko, kl, v, vo, vl) -> { }, scratch));
            assertTrue(thrown.getMessage().contains("key group " + outside), thrown.getMessage());
        }
    }

    @Test
    void shouldResolveAKeyGroupInKeyOrderAsTheSortedResolutionDoes()
    {
        final long seed = TestSeeds.seed("shouldResolveAKeyGroupInKeyOrderAsTheSortedResolutionDoes");
        final List<Path> chain = writeChain(seed);
        try (ChainResolver resolver = ChainResolver.open(chain))
        {
            final ChainResolver.Scratch scratch = new ChainResolver.Scratch();
            for (int kg = resolver.baseHeader().firstKeyGroup(); kg <= resolver.baseHeader().lastKeyGroup(); kg++)
            {
                final List<String> expected = new ArrayList<>();
                resolver.resolveKeyGroup(kg).forEach((k, v) ->
                    expected.add(new String(k, StandardCharsets.UTF_8) + "=" + new String(v, StandardCharsets.UTF_8)));
                final List<String> sorted = new ArrayList<>();
                final long count = resolver.forEachSortedInKeyGroup(kg, (group, key, keyOffset, keyLength, value,
                    valueOffset, valueLength) -> sorted.add(key.getStringWithoutLengthUtf8(keyOffset, keyLength) +
                    "=" + value.getStringWithoutLengthUtf8(valueOffset, valueLength)), scratch);
                assertEquals(expected, sorted, "key group " + kg + ", seed=" + seed);
                assertEquals(expected.size(), count);
            }
        }
    }

    @Test
    void shouldResolveChainAfterChainIntoOneScratchWithoutGrowingItAgain() throws Exception
    {
        final Path base = dir.resolve("big.full");
        try (SnapshotFileWriter w = SnapshotFileWriter.open(base, SnapshotHeader.full("heap", 0, 0, 0, 4, 1, 0)))
        {
            final UnsafeBuffer key = new UnsafeBuffer(new byte[8]);
            final UnsafeBuffer value = new UnsafeBuffer(new byte[32]);
            for (long i = 0; i < 50_000; i++)
            {
                key.putLong(0, i);
                w.put(0, key, 0, 8, value, 0, 32);
            }
            w.finish();
        }
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)java.lang.management.ManagementFactory.getThreadMXBean();
        final ChainResolver.Scratch scratch = new ChainResolver.Scratch();
        final long[] allocated = new long[3];
        for (int round = 0; round < allocated.length; round++)
        {
            try (ChainResolver resolver = ChainResolver.open(List.of(base)))
            {
                final long before = threads.getCurrentThreadAllocatedBytes();
                final long count = resolver.forEachUnordered((kg, k, ko, kl, v, vo, vl) -> { }, scratch);
                allocated[round] = threads.getCurrentThreadAllocatedBytes() - before;
                assertEquals(50_000, count);
            }
        }
        // The first round grows the map to 50,000 entries (megabytes); later rounds reuse it.
        assertTrue(allocated[0] > 1_000_000, "first round: " + allocated[0]);
        assertTrue(allocated[2] < allocated[0] / 10, "rounds allocated " + Arrays.toString(allocated));
    }

    @Test
    void shouldResolveDeterministicOverwriteAndTombstone()
    {
        final Path base = dir.resolve("b.full");
        final Path d1 = dir.resolve("d1.delta");
        final Path d2 = dir.resolve("d2.delta");
        final UnsafeBuffer a = new UnsafeBuffer(bytes("a"));
        final UnsafeBuffer b = new UnsafeBuffer(bytes("b"));
        final UnsafeBuffer v1 = new UnsafeBuffer(bytes("1"));
        final UnsafeBuffer v2 = new UnsafeBuffer(bytes("2"));
        try (SnapshotFileWriter w = SnapshotFileWriter.open(base, SnapshotHeader.full("heap", 0, 0, 1, 4, 1, 0)))
        {
            w.put(0, a, 0, 1, v1, 0, 1);
            w.put(0, b, 0, 1, v1, 0, 1);
            w.finish();
        }
        try (SnapshotFileWriter w = SnapshotFileWriter.open(d1, SnapshotHeader.delta("heap", 0, 0, 1, 4, 2, 1, 0)))
        {
            w.put(0, a, 0, 1, v2, 0, 1);
            w.tombstone(0, b, 0, 1);
            w.finish();
        }
        try (SnapshotFileWriter w = SnapshotFileWriter.open(d2, SnapshotHeader.delta("heap", 0, 0, 1, 4, 3, 2, 0)))
        {
            w.put(0, b, 0, 1, v2, 0, 1);
            w.tombstone(0, a, 0, 1);
            w.put(1, a, 0, 1, v1, 0, 1);
            w.finish();
        }
        try (ChainResolver resolver = ChainResolver.open(List.of(base, d1, d2)))
        {
            assertEquals(List.of("0:b=2", "1:a=1"), resolvedAsStrings(resolver));
        }
        try (ChainResolver resolver = ChainResolver.open(List.of(base, d1)))
        {
            assertEquals(List.of("0:a=2"), resolvedAsStrings(resolver));
        }
    }

    @Test
    void shouldRejectDeltaWhoseParentIsNotThePreviousCheckpoint()
    {
        final List<Path> chain = writeChain(7);
        final List<Path> skipping = List.of(chain.get(0), chain.get(1), chain.get(3));
        final SnapshotCorruptException ex = assertThrows(SnapshotCorruptException.class,
            () -> ChainResolver.open(skipping));
        assertTrue(ex.getMessage().contains(chain.get(3).toString()), ex.getMessage());
        assertTrue(ex.getMessage().contains("parent checkpoint id 12 does not match checkpoint id 11"),
            ex.getMessage());

        final SnapshotCorruptException noBase = assertThrows(SnapshotCorruptException.class,
            () -> ChainResolver.open(List.of(chain.get(1))));
        assertTrue(noBase.getMessage().contains("must start with a FULL"), noBase.getMessage());
    }

    @Test
    void shouldRejectDeltaWithDifferentKeyGroupRange()
    {
        final Path base = dir.resolve("b.full");
        final Path delta = dir.resolve("d.delta");
        try (SnapshotFileWriter w = SnapshotFileWriter.open(base, SnapshotHeader.full("heap", 0, 0, 3, 8, 1, 0)))
        {
            w.finish();
        }
        try (SnapshotFileWriter w = SnapshotFileWriter.open(delta, SnapshotHeader.delta("heap", 0, 0, 4, 8, 2, 1, 0)))
        {
            w.finish();
        }
        final SnapshotCorruptException ex = assertThrows(SnapshotCorruptException.class,
            () -> ChainResolver.open(List.of(base, delta)));
        assertTrue(ex.getMessage().contains("key-group range [0, 4]"), ex.getMessage());
    }

    @Test
    void shouldCompactChainIntoFullFileEqualToTheResolution()
    {
        final long seed = TestSeeds.seed("shouldCompactChainIntoFullFileEqualToTheResolution");
        final List<Path> chain = writeChain(seed);
        final Path compacted = dir.resolve("shard-1-chk-14.full");

        final List<String> resolved;
        try (ChainResolver resolver = ChainResolver.open(chain))
        {
            resolved = resolvedAsStrings(resolver);
        }
        final SnapshotFileResult result = Compactor.compact(chain, compacted, 14, 5000);
        assertEquals(resolved.size(), result.entryCount());

        try (ChainResolver resolver = ChainResolver.open(List.of(compacted)))
        {
            final SnapshotHeader header = resolver.baseHeader();
            assertEquals(SnapshotFileKind.FULL, header.fileKind());
            assertEquals(14, header.checkpointId());
            assertEquals(SnapshotHeader.NO_PARENT, header.parentCheckpointId());
            assertEquals("lmdb", header.backendName());
            assertEquals(1, header.shardId());
            assertEquals(FIRST, header.firstKeyGroup());
            assertEquals(LAST, header.lastKeyGroup());
            assertEquals(resolved, resolvedAsStrings(resolver), "seed=" + seed);
        }
        assertEquals(List.of(), SnapshotFileReader.verify(compacted));
    }
}
