package io.weir.snapshot;

import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

import static io.weir.snapshot.SnapshotFileDescriptor.*;

/**
 * Reads a snapshot data file written by {@link SnapshotFileWriter}; see {@link SnapshotFileDescriptor}.
 * <p>
 * {@link #open(Path)} validates the header, the footer and the index (so a torn or truncated file is rejected
 * at once) and keeps the index in memory. Entries are then read one block at a time by positional reads into a
 * reused buffer; every block's CRC is checked before its entries are handed out, so a reader never delivers
 * corrupt bytes. {@link #forEachInKeyGroup(int, SnapshotEntryHandler)} reads only that key group's blocks.
 * <p>
 * Not thread safe: use one reader per thread.
 */
public final class SnapshotFileReader implements AutoCloseable
{
    private final Path path;
    private final String file;
    private final FileChannel channel;
    private final long fileLengthBytes;
    private final SnapshotHeader header;
    private final long indexOffset;
    private final int indexLength;
    private final long totalEntries;
    private final int[] blockKeyGroups;
    private final int[] blockEntryCounts;
    private final long[] blockOffsets;
    private final int[] blockLengths;
    private final int[] keyGroupStarts;
    private final CRC32C crc = new CRC32C();
    private ByteBuffer blockByteBuffer;
    private final UnsafeBuffer blockBuffer = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer emptyBuffer = new UnsafeBuffer(new byte[0]);

    private SnapshotFileReader(final Path path, final FileChannel channel) throws IOException
    {
        this.path = path;
        this.file = path.toString();
        this.channel = channel;
        this.fileLengthBytes = channel.size();

        if (fileLengthBytes < MIN_FILE_LENGTH)
        {
            throw corrupt(fileLengthBytes, "truncated: file is " + fileLengthBytes +
                " bytes, shorter than the smallest valid snapshot file (" + MIN_FILE_LENGTH + " bytes)");
        }

        final UnsafeBuffer headerBuffer = new UnsafeBuffer(new byte[HEADER_LENGTH]);
        readFully(headerBuffer.byteArray(), 0, HEADER_LENGTH);
        this.header = SnapshotHeader.decode(headerBuffer, file);

        final long footerOffset = fileLengthBytes - FOOTER_LENGTH;
        final UnsafeBuffer footer = new UnsafeBuffer(new byte[FOOTER_LENGTH]);
        readFully(footer.byteArray(), footerOffset, FOOTER_LENGTH);
        for (int i = 0; i < MAGIC_LENGTH; i++)
        {
            if (footer.getByte(FOOTER_END_MAGIC_OFFSET + i) != END_MAGIC[i])
            {
                throw corrupt(footerOffset + FOOTER_END_MAGIC_OFFSET, "torn or truncated file: no end magic" +
                    " \"WEIRSEND\" (found \"" + SnapshotHeader.printable(footer, FOOTER_END_MAGIC_OFFSET, MAGIC_LENGTH) +
                    "\"); file length " + fileLengthBytes);
            }
        }
        crc.reset();
        crc.update(footer.byteArray(), 0, FOOTER_CRC_OFFSET);
        final int storedFooterCrc = footer.getInt(FOOTER_CRC_OFFSET, BYTE_ORDER);
        if (storedFooterCrc != (int)crc.getValue())
        {
            throw corrupt(footerOffset, "footer CRC mismatch (stored 0x" + Integer.toHexString(storedFooterCrc) +
                ", computed 0x" + Integer.toHexString((int)crc.getValue()) + ")");
        }

        final int footerReserved = footer.getInt(FOOTER_RESERVED_OFFSET, BYTE_ORDER);
        if (footerReserved != 0)
        {
            throw corrupt(footerOffset + FOOTER_RESERVED_OFFSET, "footer reserved field is 0x" +
                Integer.toHexString(footerReserved) + ", must be 0");
        }

        this.indexOffset = footer.getLong(FOOTER_INDEX_OFFSET_OFFSET, BYTE_ORDER);
        this.indexLength = footer.getInt(FOOTER_INDEX_LENGTH_OFFSET, BYTE_ORDER);
        this.totalEntries = footer.getLong(FOOTER_TOTAL_ENTRIES_OFFSET, BYTE_ORDER);
        // Bounded by the file before anything is allocated: the index lies between the header and the footer.
        if (indexOffset < HEADER_LENGTH || indexLength < INDEX_HEADER_LENGTH ||
            indexOffset > footerOffset - indexLength || indexOffset + indexLength != footerOffset)
        {
            throw corrupt(footerOffset, "footer points at index offset " + indexOffset + " length " + indexLength +
                " but the footer starts at " + footerOffset);
        }
        if (totalEntries < 0)
        {
            throw corrupt(footerOffset + FOOTER_TOTAL_ENTRIES_OFFSET, "footer records " + totalEntries + " entries");
        }

        final UnsafeBuffer index = new UnsafeBuffer(new byte[indexLength]);
        readFully(index.byteArray(), indexOffset, indexLength);
        crc.reset();
        crc.update(index.byteArray(), 0, indexLength);
        final int storedIndexCrc = footer.getInt(FOOTER_INDEX_CRC_OFFSET, BYTE_ORDER);
        if (storedIndexCrc != (int)crc.getValue())
        {
            throw corrupt(indexOffset, "index CRC mismatch (stored 0x" + Integer.toHexString(storedIndexCrc) +
                ", computed 0x" + Integer.toHexString((int)crc.getValue()) + ")");
        }
        if (index.getInt(INDEX_MARKER_OFFSET, BYTE_ORDER) != INDEX_MARKER)
        {
            throw corrupt(indexOffset, "bad index marker");
        }
        final int blockCount = index.getInt(INDEX_BLOCK_COUNT_OFFSET, BYTE_ORDER);
        if (blockCount < 0 || (long)blockCount * INDEX_RECORD_LENGTH + INDEX_HEADER_LENGTH != indexLength)
        {
            throw corrupt(indexOffset + INDEX_BLOCK_COUNT_OFFSET, "index block count " + blockCount +
                " does not fit index length " + indexLength);
        }

        blockKeyGroups = new int[blockCount];
        blockEntryCounts = new int[blockCount];
        blockOffsets = new long[blockCount];
        blockLengths = new int[blockCount];
        keyGroupStarts = new int[header.keyGroupCount() + 1];
        for (int i = 0; i < blockCount; i++)
        {
            final int recordOffset = INDEX_HEADER_LENGTH + i * INDEX_RECORD_LENGTH;
            final int keyGroup = index.getInt(recordOffset + INDEX_RECORD_KEY_GROUP_OFFSET, BYTE_ORDER);
            final int entryCount = index.getInt(recordOffset + INDEX_RECORD_ENTRY_COUNT_OFFSET, BYTE_ORDER);
            final long blockOffset = index.getLong(recordOffset + INDEX_RECORD_BLOCK_OFFSET_OFFSET, BYTE_ORDER);
            final int blockLength = index.getInt(recordOffset + INDEX_RECORD_BLOCK_LENGTH_OFFSET, BYTE_ORDER);
            final long at = indexOffset + recordOffset;
            if (!header.containsKeyGroup(keyGroup) || (i > 0 && keyGroup < blockKeyGroups[i - 1]))
            {
                throw corrupt(at, "index record " + i + " has key group " + keyGroup +
                    " outside the range or out of order");
            }
            if (blockOffset < HEADER_LENGTH || blockLength < BLOCK_FRAMING_LENGTH ||
                blockOffset > indexOffset - blockLength || entryCount < 0)
            {
                throw corrupt(at, "index record " + i + " for key group " + keyGroup + " points at block offset " +
                    blockOffset + " length " + blockLength + " outside the block region [" + HEADER_LENGTH + ", " +
                    indexOffset + ")");
            }
            final int reserved = index.getInt(recordOffset + INDEX_RECORD_RESERVED_OFFSET, BYTE_ORDER);
            if (reserved != 0)
            {
                throw corrupt(at + INDEX_RECORD_RESERVED_OFFSET, "index record " + i + " reserved field is 0x" +
                    Integer.toHexString(reserved) + ", must be 0");
            }
            blockKeyGroups[i] = keyGroup;
            blockEntryCounts[i] = entryCount;
            blockOffsets[i] = blockOffset;
            blockLengths[i] = blockLength;
            keyGroupStarts[keyGroup - header.firstKeyGroup() + 1]++;
        }
        for (int i = 0; i < header.keyGroupCount(); i++)
        {
            keyGroupStarts[i + 1] += keyGroupStarts[i];
        }
    }

    /**
     * Opens and validates header, footer and index.
     *
     * @param path of the file.
     * @return the reader.
     * @throws SnapshotCorruptException     if the file is missing, truncated, torn or its header/footer/index is bad.
     * @throws java.io.UncheckedIOException on other I/O failures.
     */
    public static SnapshotFileReader open(final Path path)
    {
        FileChannel channel = null;
        try
        {
            channel = FileChannel.open(path, StandardOpenOption.READ);
            return new SnapshotFileReader(path, channel);
        }
        catch (final NoSuchFileException ex)
        {
            throw new SnapshotCorruptException(path + ": file is missing");
        }
        catch (final IOException ex)
        {
            closeQuietly(channel);
            throw SnapshotFiles.unchecked("cannot read snapshot file " + path, ex);
        }
        catch (final RuntimeException ex)
        {
            closeQuietly(channel);
            throw ex;
        }
    }

    /**
     * Verifies a file completely without throwing: header, footer, index and every block.
     *
     * @param path of the file.
     * @return the problems found, each naming the file, the offset and what is wrong; empty if the file is good.
     */
    public static List<String> verify(final Path path)
    {
        try (SnapshotFileReader reader = open(path))
        {
            return reader.verify();
        }
        catch (final SnapshotCorruptException ex)
        {
            return List.of(ex.getMessage());
        }
        catch (final RuntimeException ex)
        {
            return List.of(path + ": " + ex);
        }
    }

    /**
     * @return the file's header.
     */
    public SnapshotHeader header()
    {
        return header;
    }

    /**
     * @return path of the file.
     */
    public Path path()
    {
        return path;
    }

    /**
     * @return length of the file in bytes.
     */
    public long fileLengthBytes()
    {
        return fileLengthBytes;
    }

    /**
     * @return total entries as recorded in the footer.
     */
    public long totalEntries()
    {
        return totalEntries;
    }

    /**
     * @return number of blocks in the file.
     */
    public int blockCount()
    {
        return blockOffsets.length;
    }

    /**
     * @param keyGroup in the header's range.
     * @return number of entries the index records for that key group.
     */
    public long entryCount(final int keyGroup)
    {
        checkKeyGroup(keyGroup);
        final int index = keyGroup - header.firstKeyGroup();
        long count = 0;
        for (int i = keyGroupStarts[index]; i < keyGroupStarts[index + 1]; i++)
        {
            count += blockEntryCounts[i];
        }
        return count;
    }

    /**
     * Delivers every entry, ordered by key group; within a key group in the order written.
     *
     * @param handler for the entries.
     * @return number of entries delivered.
     * @throws SnapshotCorruptException if a block is corrupt; entries before it have been delivered.
     */
    public long forEach(final SnapshotEntryHandler handler)
    {
        long count = 0;
        for (int i = 0; i < blockOffsets.length; i++)
        {
            count += readBlock(i, handler);
        }
        return count;
    }

    /**
     * Delivers the entries of one key group in the order written, reading only its blocks.
     *
     * @param keyGroup in the header's range.
     * @param handler  for the entries.
     * @return number of entries delivered.
     * @throws SnapshotCorruptException if a block is corrupt.
     */
    public long forEachInKeyGroup(final int keyGroup, final SnapshotEntryHandler handler)
    {
        checkKeyGroup(keyGroup);
        final int index = keyGroup - header.firstKeyGroup();
        long count = 0;
        for (int i = keyGroupStarts[index]; i < keyGroupStarts[index + 1]; i++)
        {
            count += readBlock(i, handler);
        }
        return count;
    }

    /**
     * Checks every block against the index: offsets tile the block region, markers, key groups, counts,
     * lengths, CRCs and entry framing, and that the entry counts add up to the footer's total.
     *
     * @return the problems found, each naming the file, the offset and what is wrong; empty if the file is good.
     */
    public List<String> verify()
    {
        final List<String> problems = new ArrayList<>();
        final int blockCount = blockOffsets.length;
        final Integer[] byOffset = new Integer[blockCount];
        for (int i = 0; i < blockCount; i++)
        {
            byOffset[i] = i;
        }
        java.util.Arrays.sort(byOffset, (a, b) -> Long.compare(blockOffsets[a], blockOffsets[b]));
        long expectedOffset = HEADER_LENGTH;
        for (final int i : byOffset)
        {
            if (blockOffsets[i] != expectedOffset)
            {
                problems.add(file + ": offset " + expectedOffset + ": index does not describe bytes up to block" +
                    " at offset " + blockOffsets[i] + " (gap or overlap between blocks)");
            }
            expectedOffset = blockOffsets[i] + blockLengths[i];
        }
        if (expectedOffset != indexOffset)
        {
            problems.add(file + ": offset " + expectedOffset + ": blocks end before the index at " + indexOffset);
        }

        long entries = 0;
        for (int i = 0; i < blockCount; i++)
        {
            try
            {
                entries += readBlock(i, null);
            }
            catch (final SnapshotCorruptException ex)
            {
                problems.add(ex.getMessage());
                entries += blockEntryCounts[i];
            }
            catch (final RuntimeException ex)
            {
                problems.add(file + ": offset " + blockOffsets[i] + ": cannot read block for key group " +
                    blockKeyGroups[i] + ": " + ex);
            }
        }
        if (entries != totalEntries)
        {
            problems.add(file + ": offset " + (fileLengthBytes - FOOTER_LENGTH + FOOTER_TOTAL_ENTRIES_OFFSET) +
                ": footer records " + totalEntries + " entries but the blocks hold " + entries);
        }
        return problems;
    }

    /**
     * Verifies the file and throws if anything is wrong.
     *
     * @throws SnapshotCorruptException listing every problem found.
     */
    public void checkVerified()
    {
        final List<String> problems = verify();
        if (!problems.isEmpty())
        {
            throw new SnapshotCorruptException(String.join("\n", problems));
        }
    }

    public void close()
    {
        closeQuietly(channel);
    }

    private int readBlock(final int blockIndex, final SnapshotEntryHandler handler)
    {
        final long offset = blockOffsets[blockIndex];
        final int length = blockLengths[blockIndex];
        final int keyGroup = blockKeyGroups[blockIndex];
        final ByteBuffer byteBuffer = blockByteBuffer(length);
        try
        {
            readFully(byteBuffer, offset);
        }
        catch (final IOException ex)
        {
            throw SnapshotFiles.unchecked("cannot read block at offset " + offset + " of " + file, ex);
        }
        final UnsafeBuffer block = blockBuffer;
        block.wrap(byteBuffer, 0, length);

        if (block.getInt(BLOCK_MARKER_OFFSET, BYTE_ORDER) != BLOCK_MARKER)
        {
            throw corrupt(offset, "bad block marker in block for key group " + keyGroup);
        }
        final int payloadLength = block.getInt(BLOCK_PAYLOAD_LENGTH_OFFSET, BYTE_ORDER);
        final int storedCrc = block.getInt(length - BLOCK_CRC_LENGTH, BYTE_ORDER);
        byteBuffer.limit(length - BLOCK_CRC_LENGTH).position(0);
        crc.reset();
        crc.update(byteBuffer);
        final int computedCrc = (int)crc.getValue();
        if (storedCrc != computedCrc)
        {
            throw corrupt(offset, "CRC mismatch in block at offset " + offset + " for key group " + keyGroup +
                " (stored 0x" + Integer.toHexString(storedCrc) + ", computed 0x" + Integer.toHexString(computedCrc) +
                ", block length " + length + ")");
        }
        final int blockKeyGroup = block.getInt(BLOCK_KEY_GROUP_OFFSET, BYTE_ORDER);
        final int entryCount = block.getInt(BLOCK_ENTRY_COUNT_OFFSET, BYTE_ORDER);
        if (blockKeyGroup != keyGroup || entryCount != blockEntryCounts[blockIndex] ||
            payloadLength != length - BLOCK_FRAMING_LENGTH)
        {
            throw corrupt(offset, "block disagrees with index: block has key group " + blockKeyGroup + ", " +
                entryCount + " entries, payload " + payloadLength + " bytes; index says key group " + keyGroup + ", " +
                blockEntryCounts[blockIndex] + " entries, block length " + length);
        }

        final int end = BLOCK_HEADER_LENGTH + payloadLength;
        int position = BLOCK_HEADER_LENGTH;
        for (int i = 0; i < entryCount; i++)
        {
            final int entryOffset = position;
            if (position + ENTRY_TYPE_LENGTH + LENGTH_FIELD_LENGTH > end)
            {
                throw corruptEntry(offset, entryOffset, keyGroup, i, "entry header runs past the payload");
            }
            final byte entryType = block.getByte(position);
            position += ENTRY_TYPE_LENGTH;
            if (entryType != ENTRY_PUT && entryType != ENTRY_TOMBSTONE)
            {
                throw corruptEntry(offset, entryOffset, keyGroup, i, "unknown entry type " + entryType);
            }
            final int keyLength = block.getInt(position, BYTE_ORDER);
            position += LENGTH_FIELD_LENGTH;
            if (keyLength < 0 || keyLength > end - position)
            {
                throw corruptEntry(offset, entryOffset, keyGroup, i, "key length " + keyLength +
                    " runs past the payload");
            }
            final int keyOffset = position;
            position += keyLength;
            int valueOffset = 0;
            int valueLength = 0;
            if (entryType == ENTRY_PUT)
            {
                if (position + LENGTH_FIELD_LENGTH > end)
                {
                    throw corruptEntry(offset, entryOffset, keyGroup, i, "value length runs past the payload");
                }
                valueLength = block.getInt(position, BYTE_ORDER);
                position += LENGTH_FIELD_LENGTH;
                if (valueLength < 0 || valueLength > end - position)
                {
                    throw corruptEntry(offset, entryOffset, keyGroup, i, "value length " + valueLength +
                        " runs past the payload");
                }
                valueOffset = position;
                position += valueLength;
            }
            if (handler != null)
            {
                handler.onEntry(keyGroup, entryType, block, keyOffset, keyLength,
                    entryType == ENTRY_PUT ? block : emptyBuffer, valueOffset, valueLength);
            }
        }
        if (position != end)
        {
            throw corrupt(offset, "block for key group " + keyGroup + " has " + (end - position) +
                " bytes after its last entry");
        }
        return entryCount;
    }

    private ByteBuffer blockByteBuffer(final int length)
    {
        if (blockByteBuffer == null || blockByteBuffer.capacity() < length)
        {
            blockByteBuffer = ByteBuffer.allocateDirect(Math.max(length, DEFAULT_BLOCK_SIZE_BYTES + 1024));
        }
        blockByteBuffer.clear().limit(length);
        return blockByteBuffer;
    }

    private void readFully(final byte[] dst, final long offset, final int length) throws IOException
    {
        readFully(ByteBuffer.wrap(dst, 0, length), offset);
    }

    private void readFully(final ByteBuffer dst, final long offset) throws IOException
    {
        long position = offset;
        while (dst.hasRemaining())
        {
            final int read = channel.read(dst, position);
            if (read < 0)
            {
                throw corrupt(position, "truncated: end of file at " + position + " while reading " +
                    dst.remaining() + " more bytes");
            }
            position += read;
        }
    }

    private void checkKeyGroup(final int keyGroup)
    {
        if (!header.containsKeyGroup(keyGroup))
        {
            throw new IllegalArgumentException("key group " + keyGroup + " outside the file's range [" +
                header.firstKeyGroup() + ", " + header.lastKeyGroup() + "]: " + file);
        }
    }

    private SnapshotCorruptException corrupt(final long offset, final String problem)
    {
        return new SnapshotCorruptException(file + ": offset " + offset + ": " + problem);
    }

    private SnapshotCorruptException corruptEntry(
        final long blockOffset, final int entryOffset, final int keyGroup, final int entryIndex, final String problem)
    {
        return corrupt(blockOffset + entryOffset, "entry " + entryIndex + " of block at offset " + blockOffset +
            " for key group " + keyGroup + ": " + problem);
    }

    private static void closeQuietly(final FileChannel channel)
    {
        if (channel != null)
        {
            try
            {
                channel.close();
            }
            catch (final IOException ignore)
            {
                // nothing more to do on a read-only channel
            }
        }
    }
}
