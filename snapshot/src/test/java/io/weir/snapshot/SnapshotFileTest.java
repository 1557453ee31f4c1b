package io.weir.snapshot;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

@ExtendWith(TestSeeds.class)
@Timeout(60)
class SnapshotFileTest
{
    @TempDir
    Path dir;

    record Entry(int keyGroup, byte type, byte[] key, byte[] value)
    {
        @Override
        public boolean equals(final Object o)
        {
            return o instanceof Entry e && e.keyGroup == keyGroup && e.type == type && Arrays.equals(e.key, key) &&
                Arrays.equals(e.value, value);
        }

        @Override
        public int hashCode()
        {
            return keyGroup;
        }

        @Override
        public String toString()
        {
            return "Entry{kg=" + keyGroup + ", type=" + type + ", key=" + key.length + "B, value=" + value.length + "B}";
        }
    }

    static List<Entry> readAll(final SnapshotFileReader reader)
    {
        final List<Entry> entries = new ArrayList<>();
        reader.forEach((kg, type, key, keyOff, keyLen, value, valOff, valLen) ->
            entries.add(toEntry(kg, type, key, keyOff, keyLen, value, valOff, valLen)));
        return entries;
    }

    static Entry toEntry(
        final int kg, final byte type, final org.agrona.DirectBuffer key, final int keyOff, final int keyLen,
        final org.agrona.DirectBuffer value, final int valOff, final int valLen)
    {
        final byte[] k = new byte[keyLen];
        key.getBytes(keyOff, k);
        final byte[] v = new byte[valLen];
        value.getBytes(valOff, v);
        return new Entry(kg, type, k, v);
    }

    static void write(final SnapshotFileWriter writer, final Entry e)
    {
        if (e.type == SnapshotFileDescriptor.ENTRY_PUT)
        {
            writer.put(e.keyGroup, new UnsafeBuffer(e.key), 0, e.key.length, new UnsafeBuffer(e.value), 0,
                e.value.length);
        }
        else
        {
            writer.tombstone(e.keyGroup, new UnsafeBuffer(e.key), 0, e.key.length);
        }
    }

    /** Expected read order: stable by key group (insertion order within a key group). */
    static List<Entry> byKeyGroup(final List<Entry> written)
    {
        final List<Entry> sorted = new ArrayList<>(written);
        sorted.sort((a, b) -> Integer.compare(a.keyGroup, b.keyGroup));
        return sorted;
    }

    private static SnapshotHeader fullHeader(final int first, final int last, final long checkpointId)
    {
        return SnapshotHeader.full("chronicle", 0, first, last, 128, checkpointId, 1_700_000_000_000L);
    }

    @Test
    void shouldRoundTripRandomEntriesAcrossManyKeyGroups()
    {
        final long seed = TestSeeds.seed("shouldRoundTripRandomEntriesAcrossManyKeyGroups");
        final Random random = new Random(seed);
        final List<Entry> written = new ArrayList<>();
        final Path path = dir.resolve("shard-0-chk-1.full");
        final SnapshotFileResult result;
        try (SnapshotFileWriter writer = SnapshotFileWriter.open(path, fullHeader(10, 73, 1), 512))
        {
            for (int i = 0; i < 20_000; i++)
            {
                final int kg = 10 + random.nextInt(64);
                final byte[] key = new byte[random.nextInt(40)];
                random.nextBytes(key);
                final boolean tombstone = random.nextInt(10) == 0;
                final byte[] value = tombstone ? new byte[0] : new byte[random.nextInt(200)];
                random.nextBytes(value);
                final Entry e = new Entry(kg,
                    tombstone ? SnapshotFileDescriptor.ENTRY_TOMBSTONE : SnapshotFileDescriptor.ENTRY_PUT, key, value);
                written.add(e);
                write(writer, e);
            }
            result = writer.finish();
        }

        assertEquals(path, result.path());
        assertFalse(Files.exists(dir.resolve("shard-0-chk-1.full.tmp")), "temp file must be renamed away");
        assertEquals(20_000, result.entryCount());
        try (SnapshotFileReader reader = SnapshotFileReader.open(path))
        {
            assertEquals(fullHeader(10, 73, 1), reader.header());
            assertEquals(result.sizeBytes(), reader.fileLengthBytes());
            assertEquals(20_000, reader.totalEntries());
            assertTrue(reader.blockCount() > 64, "small block size must produce several blocks per key group");
            assertEquals(List.of(), reader.verify());
            assertEquals(byKeyGroup(written), readAll(reader), "seed=" + seed);
        }
    }

    @Test
    void shouldWriteTheSameFilesThroughReusedBuffersHeldByOneWriterAtATime() throws IOException
    {
        final long seed = TestSeeds.seed("shouldWriteTheSameFilesThroughReusedBuffersHeldByOneWriterAtATime");
        final Random random = new Random(seed);
        final SnapshotFileBuffers buffers = new SnapshotFileBuffers(512, 4096);
        for (int file = 0; file < 4; file++)
        {
            // Key-group ranges that grow and shrink, so the buffers are reused for fewer and for more key groups.
            final int first = random.nextInt(10);
            final int last = first + (file % 2 == 0 ? 3 : 40) + random.nextInt(20);
            final List<Entry> written = new ArrayList<>();
            for (int i = 0; i < 2_000 + random.nextInt(3_000); i++)
            {
                final byte[] key = new byte[random.nextInt(40)];
                random.nextBytes(key);
                final byte[] value = new byte[random.nextInt(i % 100 == 0 ? 2_000 : 200)];
                random.nextBytes(value);
                written.add(new Entry(first + random.nextInt(last - first + 1), SnapshotFileDescriptor.ENTRY_PUT,
                    key, value));
            }
            final int id = file;
            final Path reused = dir.resolve("reused-" + file + ".full");
            final Path own = dir.resolve("own-" + file + ".full");
            try (SnapshotFileWriter writer = SnapshotFileWriter.open(reused, fullHeader(first, last, file), buffers))
            {
                assertTrue(buffers.isClaimed());
                assertThrows(IllegalStateException.class,
                    () -> SnapshotFileWriter.open(dir.resolve("other.full"), fullHeader(first, last, id), buffers));
                assertFalse(Files.exists(dir.resolve("other.full.tmp")), "a refused open creates no file");
                written.forEach(e -> write(writer, e));
                writer.finish();
            }
            assertFalse(buffers.isClaimed(), "finish gives the buffers back");
            try (SnapshotFileWriter writer = SnapshotFileWriter.open(own, fullHeader(first, last, file), 512, 4096))
            {
                written.forEach(e -> write(writer, e));
                writer.finish();
            }
            assertArrayEquals(Files.readAllBytes(own), Files.readAllBytes(reused), "file " + file + ", seed=" + seed);
            try (SnapshotFileReader reader = SnapshotFileReader.open(reused))
            {
                assertEquals(byKeyGroup(written), readAll(reader), "seed=" + seed);
            }

            final SnapshotFileWriter abandoned =
                SnapshotFileWriter.open(dir.resolve("abandoned.full"), fullHeader(first, last, file), buffers);
            write(abandoned, written.get(0));
            abandoned.close();
            assertFalse(buffers.isClaimed(), "close gives the buffers back");
        }
    }

    @Test
    void shouldRoundTripValuesLargerThanTheBlockSizeAndEmptyValues()
    {
        final Random random = new Random(42);
        final byte[] large = new byte[200 * 1024];
        random.nextBytes(large);
        final byte[] huge = new byte[1024 * 1024 + 7];
        random.nextBytes(huge);
        final List<Entry> written = List.of(
            new Entry(3, SnapshotFileDescriptor.ENTRY_PUT, "small".getBytes(), "v".getBytes()),
            new Entry(3, SnapshotFileDescriptor.ENTRY_PUT, "large".getBytes(), large),
            new Entry(3, SnapshotFileDescriptor.ENTRY_PUT, "empty".getBytes(), new byte[0]),
            new Entry(3, SnapshotFileDescriptor.ENTRY_PUT, new byte[0], new byte[0]),
            new Entry(4, SnapshotFileDescriptor.ENTRY_PUT, "huge".getBytes(), huge),
            new Entry(4, SnapshotFileDescriptor.ENTRY_TOMBSTONE, "gone".getBytes(), new byte[0]),
            new Entry(3, SnapshotFileDescriptor.ENTRY_PUT, "after".getBytes(), "x".getBytes()));
        final Path path = dir.resolve("large.full");
        try (SnapshotFileWriter writer = SnapshotFileWriter.open(path, fullHeader(0, 7, 5)))
        {
            written.forEach(e -> write(writer, e));
            writer.finish();
        }

        try (SnapshotFileReader reader = SnapshotFileReader.open(path))
        {
            assertEquals(List.of(), reader.verify());
            assertEquals(byKeyGroup(written), readAll(reader));
        }
    }

    @Test
    void shouldReadOnlyTheRequestedKeyGroup()
    {
        final Path path = dir.resolve("kg.full");
        final List<Entry> written = new ArrayList<>();
        try (SnapshotFileWriter writer = SnapshotFileWriter.open(path, fullHeader(0, 15, 2), 256))
        {
            for (int i = 0; i < 2_000; i++)
            {
                final Entry e = new Entry(i % 16, SnapshotFileDescriptor.ENTRY_PUT, ("k" + i).getBytes(),
                    ("value-" + i).getBytes());
                written.add(e);
                write(writer, e);
            }
            writer.finish();
        }

        try (SnapshotFileReader reader = SnapshotFileReader.open(path))
        {
            final List<Entry> kg7 = new ArrayList<>();
            final long count = reader.forEachInKeyGroup(7, (kg, type, key, keyOff, keyLen, value, valOff, valLen) ->
                kg7.add(toEntry(kg, type, key, keyOff, keyLen, value, valOff, valLen)));
            assertEquals(125, count);
            assertEquals(125, reader.entryCount(7));
            assertEquals(written.stream().filter(e -> e.keyGroup == 7).toList(), kg7);
            assertThrows(IllegalArgumentException.class, () -> reader.forEachInKeyGroup(16, (a, b, c, d, e, f, g, h) ->
            {
            }));
        }
    }

    @Test
    void shouldRejectKeyGroupOutsideTheHeaderRange()
    {
        try (SnapshotFileWriter writer = SnapshotFileWriter.open(dir.resolve("x.full"), fullHeader(4, 7, 1)))
        {
            final UnsafeBuffer key = new UnsafeBuffer(new byte[1]);
            final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> writer.put(8, key, 0, 1, key, 0, 1));
            assertTrue(ex.getMessage().contains("key group 8"), ex.getMessage());
        }
        assertFalse(Files.exists(dir.resolve("x.full.tmp")), "closing an unfinished writer deletes its temp file");
        assertFalse(Files.exists(dir.resolve("x.full")));
    }

    @Test
    void shouldNameFileOffsetAndKeyGroupWhenOneByteInABlockIsCorrupted() throws IOException
    {
        final Path path = dir.resolve("corrupt.full");
        try (SnapshotFileWriter writer = SnapshotFileWriter.open(path, fullHeader(0, 3, 1), 128))
        {
            for (int i = 0; i < 100; i++)
            {
                write(writer, new Entry(i % 4, SnapshotFileDescriptor.ENTRY_PUT, ("key" + i).getBytes(),
                    ("val" + i).getBytes()));
            }
            writer.finish();
        }
        final long[] blockOffsetAndKeyGroup = firstBlockOf(path, 2);
        final long blockOffset = blockOffsetAndKeyGroup[0];
        flipByte(path, blockOffset + SnapshotFileDescriptor.BLOCK_HEADER_LENGTH + 5);

        try (SnapshotFileReader reader = SnapshotFileReader.open(path))
        {
            final List<String> problems = reader.verify();
            assertEquals(1, problems.size(), problems.toString());
            final String problem = problems.get(0);
            assertTrue(problem.contains(path.toString()), problem);
            assertTrue(problem.contains("offset " + blockOffset), problem);
            assertTrue(problem.contains("key group 2"), problem);
            assertTrue(problem.contains("CRC mismatch"), problem);

            final SnapshotCorruptException ex = assertThrows(SnapshotCorruptException.class,
                () -> reader.forEachInKeyGroup(2, (a, b, c, d, e, f, g, h) ->
                {
                }));
            assertTrue(ex.getMessage().contains("key group 2"), ex.getMessage());
            assertEquals(25, reader.forEachInKeyGroup(1, (a, b, c, d, e, f, g, h) ->
            {
            }), "other key groups stay readable");
        }
    }

    @Test
    void shouldDetectTruncatedFile() throws IOException
    {
        final Path path = dir.resolve("truncated.full");
        try (SnapshotFileWriter writer = SnapshotFileWriter.open(path, fullHeader(0, 3, 1)))
        {
            for (int i = 0; i < 100; i++)
            {
                write(writer, new Entry(i % 4, SnapshotFileDescriptor.ENTRY_PUT, ("key" + i).getBytes(),
                    new byte[100]));
            }
            writer.finish();
        }
        final long length = Files.size(path);
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE))
        {
            channel.truncate(length - 10);
        }

        final SnapshotCorruptException ex = assertThrows(SnapshotCorruptException.class,
            () -> SnapshotFileReader.open(path));
        assertTrue(ex.getMessage().contains(path.toString()), ex.getMessage());
        assertTrue(ex.getMessage().contains("torn or truncated"), ex.getMessage());
        final List<String> problems = SnapshotFileReader.verify(path);
        assertEquals(1, problems.size());

        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE))
        {
            channel.truncate(50);
        }
        final SnapshotCorruptException tiny = assertThrows(SnapshotCorruptException.class,
            () -> SnapshotFileReader.open(path));
        assertTrue(tiny.getMessage().contains("truncated"), tiny.getMessage());
    }

    @Test
    void shouldDetectBadMagicAndCorruptHeader() throws IOException
    {
        final Path path = dir.resolve("header.full");
        try (SnapshotFileWriter writer = SnapshotFileWriter.open(path, fullHeader(0, 3, 1)))
        {
            writer.finish();
        }
        flipByte(path, SnapshotFileDescriptor.CHECKPOINT_ID_OFFSET);
        assertTrue(SnapshotFileReader.verify(path).get(0).contains("header CRC mismatch"));
        flipByte(path, 0);
        final String problem = SnapshotFileReader.verify(path).get(0);
        assertTrue(problem.contains("bad magic at offset 0"), problem);
    }

    @Test
    void shouldRefuseAFileOfAnEarlierFormatNamingTheFileAndBothVersions() throws IOException
    {
        final Path path = dir.resolve("old.full");
        try (SnapshotFileWriter writer = SnapshotFileWriter.open(path, fullHeader(0, 3, 1)))
        {
            write(writer, new Entry(1, SnapshotFileDescriptor.ENTRY_PUT, "k".getBytes(), "v".getBytes()));
            writer.finish();
        }
        // the header as a version 1 writer left it: the version rewritten and the header CRC recomputed
        final byte[] bytes = Files.readAllBytes(path);
        final UnsafeBuffer buffer = new UnsafeBuffer(bytes);
        buffer.putInt(SnapshotFileDescriptor.VERSION_OFFSET, 1, SnapshotFileDescriptor.BYTE_ORDER);
        final java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(bytes, 0, SnapshotFileDescriptor.HEADER_CRC_OFFSET);
        buffer.putInt(SnapshotFileDescriptor.HEADER_CRC_OFFSET, (int)crc.getValue(), SnapshotFileDescriptor.BYTE_ORDER);
        Files.write(path, bytes);

        final SnapshotCorruptException ex = assertThrows(SnapshotCorruptException.class,
            () -> SnapshotFileReader.open(path));
        assertEquals(path + ": unsupported format version 1 at offset 8 (this reader supports 2): it was written by " +
            "an older Weir; restore it with that version, or start without this checkpoint", ex.getMessage());
        assertEquals(List.of(ex.getMessage()), SnapshotFileReader.verify(path));
    }

    @Test
    void shouldDetectCorruptIndex() throws IOException
    {
        final Path path = dir.resolve("index.full");
        try (SnapshotFileWriter writer = SnapshotFileWriter.open(path, fullHeader(0, 3, 1)))
        {
            write(writer, new Entry(1, SnapshotFileDescriptor.ENTRY_PUT, "k".getBytes(), "v".getBytes()));
            writer.finish();
        }
        final long length = Files.size(path);
        flipByte(path, length - SnapshotFileDescriptor.FOOTER_LENGTH - 5);
        final String problem = SnapshotFileReader.verify(path).get(0);
        assertTrue(problem.contains("index CRC mismatch"), problem);
    }

    @Test
    void shouldRejectANonZeroReservedFooterFieldWhichNoCrcCovers() throws IOException
    {
        final Path path = dir.resolve("reserved.full");
        try (SnapshotFileWriter writer = SnapshotFileWriter.open(path, fullHeader(0, 3, 1)))
        {
            write(writer, new Entry(1, SnapshotFileDescriptor.ENTRY_PUT, "k".getBytes(), "v".getBytes()));
            writer.finish();
        }
        final long reserved = Files.size(path) - SnapshotFileDescriptor.FOOTER_LENGTH +
            SnapshotFileDescriptor.FOOTER_RESERVED_OFFSET;
        flipByte(path, reserved);
        final List<String> problems = SnapshotFileReader.verify(path);
        assertEquals(List.of(path + ": offset " + reserved + ": footer reserved field is 0x5a, must be 0"), problems);
    }

    /** A crafted index record whose block offset plus length overflows a long, its CRCs recomputed. */
    @Test
    void shouldRejectABlockOffsetThatOverflowsPastTheIndexEvenWithGoodCrcs() throws IOException
    {
        final Path path = dir.resolve("overflow.full");
        try (SnapshotFileWriter writer = SnapshotFileWriter.open(path, fullHeader(0, 3, 1)))
        {
            write(writer, new Entry(1, SnapshotFileDescriptor.ENTRY_PUT, "k".getBytes(), "v".getBytes()));
            writer.finish();
        }
        final byte[] bytes = Files.readAllBytes(path);
        final UnsafeBuffer buffer = new UnsafeBuffer(bytes);
        final int footer = bytes.length - SnapshotFileDescriptor.FOOTER_LENGTH;
        final int indexOffset = (int)buffer.getLong(footer, SnapshotFileDescriptor.BYTE_ORDER);
        final int indexLength = buffer.getInt(footer + SnapshotFileDescriptor.FOOTER_INDEX_LENGTH_OFFSET,
            SnapshotFileDescriptor.BYTE_ORDER);
        final int record = indexOffset + SnapshotFileDescriptor.INDEX_HEADER_LENGTH;
        buffer.putLong(record + SnapshotFileDescriptor.INDEX_RECORD_BLOCK_OFFSET_OFFSET, Long.MAX_VALUE - 8,
            SnapshotFileDescriptor.BYTE_ORDER);
        final java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(bytes, indexOffset, indexLength);
        buffer.putInt(footer + SnapshotFileDescriptor.FOOTER_INDEX_CRC_OFFSET, (int)crc.getValue(),
            SnapshotFileDescriptor.BYTE_ORDER);
        crc.reset();
        crc.update(bytes, footer, SnapshotFileDescriptor.FOOTER_CRC_OFFSET);
        buffer.putInt(footer + SnapshotFileDescriptor.FOOTER_CRC_OFFSET, (int)crc.getValue(),
            SnapshotFileDescriptor.BYTE_ORDER);
        Files.write(path, bytes);

        final SnapshotCorruptException ex = assertThrows(SnapshotCorruptException.class,
            () -> SnapshotFileReader.open(path));
        assertTrue(ex.getMessage().startsWith(path + ": offset " + record + ": index record 0 for key group 1 " +
            "points at block offset " + (Long.MAX_VALUE - 8)), ex.getMessage());
    }

    @Test
    void shouldRejectAHeaderWhoseMaxParallelismWouldSizeHugeArrays()
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> SnapshotHeader.full("heap", 0, 0, Integer.MAX_VALUE - 2, Integer.MAX_VALUE - 1, 1, 0));
        assertTrue(ex.getMessage().contains("maxParallelism must be in 1..65536"), ex.getMessage());
    }

    /** @return {offset, keyGroup} of the first indexed block of the key group. */
    static long[] firstBlockOf(final Path path, final int keyGroup) throws IOException
    {
        final byte[] bytes = Files.readAllBytes(path);
        final UnsafeBuffer buffer = new UnsafeBuffer(bytes);
        final int footer = bytes.length - SnapshotFileDescriptor.FOOTER_LENGTH;
        final long indexOffset = buffer.getLong(footer, SnapshotFileDescriptor.BYTE_ORDER);
        final int blockCount = buffer.getInt((int)indexOffset + 4, SnapshotFileDescriptor.BYTE_ORDER);
        for (int i = 0; i < blockCount; i++)
        {
            final int record = (int)indexOffset + SnapshotFileDescriptor.INDEX_HEADER_LENGTH +
                i * SnapshotFileDescriptor.INDEX_RECORD_LENGTH;
            if (buffer.getInt(record, SnapshotFileDescriptor.BYTE_ORDER) == keyGroup)
            {
                return new long[]{ buffer.getLong(record + 8, SnapshotFileDescriptor.BYTE_ORDER), keyGroup };
            }
        }
        throw new AssertionError("no block for key group " + keyGroup);
    }

    static void flipByte(final Path path, final long offset) throws IOException
    {
        try (RandomAccessFile file = new RandomAccessFile(path.toFile(), "rw"))
        {
            file.seek(offset);
            final int b = file.read();
            file.seek(offset);
            file.write(b ^ 0x5A);
        }
    }
}
