package io.weir.snapshot;

import org.agrona.DirectBuffer;
import org.agrona.collections.IntArrayList;
import org.agrona.collections.LongArrayList;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

import static io.weir.snapshot.SnapshotFileDescriptor.*;

/**
 * Writes one snapshot data file (FULL or DELTA); see {@link SnapshotFileDescriptor} for the layout.
 * <p>
 * Entries may arrive in any key-group order. Each key group buffers up to {@code blockSizeBytes} of entries
 * and is flushed as a block when the next entry would not fit, so memory stays bounded at about
 * (key groups in range x blockSizeBytes) plus one staging buffer. An entry larger than the block size is
 * streamed as a block of its own. No allocation per entry.
 * <p>
 * The file is written as {@code name.tmp}; {@link #finish()} writes the index and footer, fsyncs, renames it to
 * its final name and fsyncs the directory. {@link #close()} without {@code finish()} deletes the temp file.
 * <p>
 * Not thread safe: owned by the snapshot-writer thread that opened it.
 */
public final class SnapshotFileWriter implements AutoCloseable
{
    /** Bytes gathered before each write to the file, unless the opener says otherwise. */
    public static final int STAGING_CAPACITY_BYTES = 256 * 1024;

    private final Path path;
    private final Path tmpPath;
    private final SnapshotHeader header;
    private final int blockSizeBytes;
    private final FileChannel channel;
    private final ByteBuffer staging;
    private final ByteBuffer crcView;
    private final UnsafeBuffer stagingBuffer;
    private final CRC32C crc = new CRC32C();
    private final UnsafeBuffer[] keyGroupBuffers;
    /** The reused buffers this writer holds, given back when it is finished or closed; null if its own. */
    private final SnapshotFileBuffers buffers;
    private final int[] keyGroupLengths;
    private final int[] keyGroupEntryCounts;
    private final IntArrayList blockKeyGroups = new IntArrayList();
    private final IntArrayList blockEntryCounts = new IntArrayList();
    private final IntArrayList blockLengths = new IntArrayList();
    private final LongArrayList blockOffsets = new LongArrayList();
    private long positionBytes;
    private long entryCount;
    private boolean finished;
    private boolean closed;

    private SnapshotFileWriter(
        final Path path,
        final SnapshotHeader header,
        final int blockSizeBytes,
        final int stagingBytes,
        final SnapshotFileBuffers buffers)
        throws IOException
    {
        this.path = path;
        this.tmpPath = SnapshotFiles.tmpPath(path);
        this.header = header;
        this.blockSizeBytes = blockSizeBytes;
        this.channel = FileChannel.open(tmpPath, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING);
        final int keyGroupCount = header.keyGroupCount();
        this.buffers = buffers;
        if (null == buffers)
        {
            this.staging = ByteBuffer.allocateDirect(stagingBytes);
            this.keyGroupBuffers = new UnsafeBuffer[keyGroupCount];
        }
        else
        {
            this.staging = buffers.staging();
            this.keyGroupBuffers = buffers.blocks();
        }
        this.crcView = staging.duplicate();
        this.stagingBuffer = new UnsafeBuffer(staging);
        this.keyGroupLengths = new int[keyGroupCount];
        this.keyGroupEntryCounts = new int[keyGroupCount];

        final UnsafeBuffer headerBuffer = new UnsafeBuffer(new byte[HEADER_LENGTH]);
        header.encode(headerBuffer);
        writeBytes(headerBuffer, 0, HEADER_LENGTH);
    }

    /**
     * Opens a writer with the default block size.
     *
     * @see #open(Path, SnapshotHeader, int)
     */
    public static SnapshotFileWriter open(final Path path, final SnapshotHeader header)
    {
        return open(path, header, DEFAULT_BLOCK_SIZE_BYTES);
    }

    /**
     * Opens a writer that writes to the file 256 KiB at a time.
     *
     * @see #open(Path, SnapshotHeader, int, int)
     */
    public static SnapshotFileWriter open(final Path path, final SnapshotHeader header, final int blockSizeBytes)
    {
        return open(path, header, blockSizeBytes, STAGING_CAPACITY_BYTES);
    }

    /**
     * Opens a writer on {@code path + ".tmp"}, replacing any leftover temp file.
     *
     * @param path           final name of the file, published by {@link #finish()}.
     * @param header         of the file; its key-group range bounds what may be written.
     * @param blockSizeBytes payload size at which a key group's block is flushed, at least 64 bytes.
     * @param stagingBytes   bytes gathered before each write to the file, at least 64: the longest write the
     *                       thread adding entries may wait for.
     * @return the writer.
     * @throws java.io.UncheckedIOException if the temp file cannot be created.
     */
    public static SnapshotFileWriter open(
        final Path path, final SnapshotHeader header, final int blockSizeBytes, final int stagingBytes)
    {
        checkSizes(blockSizeBytes, stagingBytes);
        return open(path, header, blockSizeBytes, stagingBytes, null);
    }

    /**
     * Opens a writer on {@code path + ".tmp"} that writes through reused buffers, with their block and staging
     * sizes. Every buffer is allocated by now (as {@link #allocateBlockBuffers()} does), and the writer gives them
     * back when it is finished or closed.
     *
     * @throws IllegalStateException if another writer still holds the buffers.
     * @see #open(Path, SnapshotHeader, int, int)
     */
    public static SnapshotFileWriter open(final Path path, final SnapshotHeader header, final SnapshotFileBuffers buffers)
    {
        buffers.claim(header.keyGroupCount());
        boolean opened = false;
        try
        {
            final SnapshotFileWriter writer =
                open(path, header, buffers.blockSizeBytes(), buffers.stagingBytes(), buffers);
            opened = true;
            return writer;
        }
        finally
        {
            if (!opened)
            {
                buffers.release();
            }
        }
    }

    static void checkSizes(final int blockSizeBytes, final int stagingBytes)
    {
        if (stagingBytes < 64)
        {
            throw new IllegalArgumentException("stagingBytes must be >= 64: " + stagingBytes);
        }
        if (blockSizeBytes < 64)
        {
            throw new IllegalArgumentException("blockSizeBytes must be >= 64: " + blockSizeBytes);
        }
    }

    private static SnapshotFileWriter open(
        final Path path,
        final SnapshotHeader header,
        final int blockSizeBytes,
        final int stagingBytes,
        final SnapshotFileBuffers buffers)
    {
        if (header.formatVersion() != FORMAT_VERSION)
        {
            throw new IllegalArgumentException("can only write format version " + FORMAT_VERSION + ", header has " +
                header.formatVersion());
        }
        try
        {
            return new SnapshotFileWriter(path, header, blockSizeBytes, stagingBytes, buffers);
        }
        catch (final IOException ex)
        {
            SnapshotFiles.deleteQuietly(SnapshotFiles.tmpPath(path));
            throw SnapshotFiles.unchecked("cannot open snapshot file for writing " + path, ex);
        }
    }

    /**
     * Allocates every key group's block buffer now rather than at its first entry, so that the thread adding
     * entries allocates nothing (a shard writing its own state file, on a file opened by another thread).
     */
    public void allocateBlockBuffers()
    {
        for (int i = 0; i < keyGroupBuffers.length; i++)
        {
            if (null == keyGroupBuffers[i])
            {
                keyGroupBuffers[i] = new UnsafeBuffer(ByteBuffer.allocateDirect(blockSizeBytes));
            }
        }
    }

    /**
     * @return the header being written.
     */
    public SnapshotHeader header()
    {
        return header;
    }

    /**
     * @return the final path of the file.
     */
    public Path path()
    {
        return path;
    }

    /**
     * @return entries accepted so far.
     */
    public long entryCount()
    {
        return entryCount;
    }

    /**
     * Adds a PUT entry.
     *
     * @param keyGroup    of the key, within the header's range.
     * @param key         buffer holding the key.
     * @param keyOffset   of the key in {@code key}.
     * @param keyLength   of the key in bytes, may be 0.
     * @param value       buffer holding the value.
     * @param valueOffset of the value in {@code value}.
     * @param valueLength of the value in bytes, may be 0.
     * @throws IllegalArgumentException   if the key group is outside the header's range.
     * @throws java.io.UncheckedIOException if a flush to the file fails.
     */
    public void put(
        final int keyGroup,
        final DirectBuffer key,
        final int keyOffset,
        final int keyLength,
        final DirectBuffer value,
        final int valueOffset,
        final int valueLength)
    {
        append(keyGroup, ENTRY_PUT, key, keyOffset, keyLength, value, valueOffset, valueLength);
    }

    /**
     * Adds a TOMBSTONE entry: the key was deleted since the parent checkpoint.
     *
     * @see #put(int, DirectBuffer, int, int, DirectBuffer, int, int)
     */
    public void tombstone(final int keyGroup, final DirectBuffer key, final int keyOffset, final int keyLength)
    {
        append(keyGroup, ENTRY_TOMBSTONE, key, keyOffset, keyLength, null, 0, 0);
    }

    /**
     * Flushes every buffered block, writes the index and footer, fsyncs, renames the temp file to its final name
     * and fsyncs the directory. The writer is closed afterwards.
     *
     * @return what was published.
     * @throws java.io.UncheckedIOException if any step fails; the temp file is then deleted.
     */
    public SnapshotFileResult finish()
    {
        checkOpen();
        try
        {
            for (int i = 0; i < keyGroupLengths.length; i++)
            {
                if (keyGroupEntryCounts[i] > 0)
                {
                    flushBlock(i);
                }
            }

            final long indexOffset = positionBytes;
            final int indexCrc = writeIndex();
            final int indexLength = (int)(positionBytes - indexOffset);

            final UnsafeBuffer footer = new UnsafeBuffer(new byte[FOOTER_LENGTH]);
            footer.putLong(FOOTER_INDEX_OFFSET_OFFSET, indexOffset, BYTE_ORDER);
            footer.putLong(FOOTER_TOTAL_ENTRIES_OFFSET, entryCount, BYTE_ORDER);
            footer.putInt(FOOTER_INDEX_LENGTH_OFFSET, indexLength, BYTE_ORDER);
            footer.putInt(FOOTER_INDEX_CRC_OFFSET, indexCrc, BYTE_ORDER);
            final CRC32C footerCrc = new CRC32C();
            footerCrc.update(footer.byteArray(), 0, FOOTER_CRC_OFFSET);
            footer.putInt(FOOTER_CRC_OFFSET, (int)footerCrc.getValue(), BYTE_ORDER);
            footer.putBytes(FOOTER_END_MAGIC_OFFSET, END_MAGIC);
            writeBytes(footer, 0, FOOTER_LENGTH);
            drainStaging();

            channel.force(true);
            channel.close();
            SnapshotFiles.publish(tmpPath, path);
            finished = true;
            closed = true;
            releaseBuffers();

            return new SnapshotFileResult(path, positionBytes, entryCount, blockOffsets.size(), indexCrc);
        }
        catch (final IOException ex)
        {
            close();
            throw SnapshotFiles.unchecked("cannot finish snapshot file " + path, ex);
        }
    }

    /**
     * Abandons an unfinished file, deleting the temp file; no effect after {@link #finish()}.
     */
    public void close()
    {
        if (!closed)
        {
            closed = true;
            try
            {
                channel.close();
            }
            catch (final IOException ignore)
            {
                // the file is being abandoned
            }
            finally
            {
                releaseBuffers();
            }
            SnapshotFiles.deleteQuietly(tmpPath);
        }
    }

    private void releaseBuffers()
    {
        if (null != buffers)
        {
            buffers.release();
        }
    }

    private void append(
        final int keyGroup,
        final byte entryType,
        final DirectBuffer key,
        final int keyOffset,
        final int keyLength,
        final DirectBuffer value,
        final int valueOffset,
        final int valueLength)
    {
        checkOpen();
        if (!header.containsKeyGroup(keyGroup))
        {
            throw new IllegalArgumentException("key group " + keyGroup + " outside the file's range [" +
                header.firstKeyGroup() + ", " + header.lastKeyGroup() + "]: " + path);
        }
        if (keyLength < 0 || valueLength < 0)
        {
            throw new IllegalArgumentException("negative length: keyLength=" + keyLength + " valueLength=" +
                valueLength);
        }

        final int index = keyGroup - header.firstKeyGroup();
        final long entryLength = entryLength(entryType, keyLength, valueLength);
        try
        {
            if (keyGroupLengths[index] > 0 && keyGroupLengths[index] + entryLength > blockSizeBytes)
            {
                flushBlock(index);
            }

            if (entryLength > blockSizeBytes)
            {
                writeSingleEntryBlock(keyGroup, entryType, key, keyOffset, keyLength, value, valueOffset, valueLength,
                    entryLength);
            }
            else
            {
                UnsafeBuffer buffer = keyGroupBuffers[index];
                if (buffer == null)
                {
                    buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(blockSizeBytes));
                    keyGroupBuffers[index] = buffer;
                }
                int offset = keyGroupLengths[index];
                buffer.putByte(offset, entryType);
                offset += ENTRY_TYPE_LENGTH;
                buffer.putInt(offset, keyLength, BYTE_ORDER);
                offset += LENGTH_FIELD_LENGTH;
                buffer.putBytes(offset, key, keyOffset, keyLength);
                offset += keyLength;
                if (entryType == ENTRY_PUT)
                {
                    buffer.putInt(offset, valueLength, BYTE_ORDER);
                    offset += LENGTH_FIELD_LENGTH;
                    buffer.putBytes(offset, value, valueOffset, valueLength);
                    offset += valueLength;
                }
                keyGroupLengths[index] = offset;
                keyGroupEntryCounts[index]++;
            }
            entryCount++;
        }
        catch (final IOException ex)
        {
            close();
            throw SnapshotFiles.unchecked("cannot write snapshot file " + tmpPath, ex);
        }
    }

    private void flushBlock(final int index) throws IOException
    {
        final int keyGroup = header.firstKeyGroup() + index;
        final int payloadLength = keyGroupLengths[index];
        beginBlock(keyGroup, keyGroupEntryCounts[index], payloadLength);
        writeBytes(keyGroupBuffers[index], 0, payloadLength);
        endBlock();
        keyGroupLengths[index] = 0;
        keyGroupEntryCounts[index] = 0;
    }

    private void writeSingleEntryBlock(
        final int keyGroup,
        final byte entryType,
        final DirectBuffer key,
        final int keyOffset,
        final int keyLength,
        final DirectBuffer value,
        final int valueOffset,
        final int valueLength,
        final long entryLength) throws IOException
    {
        if (entryLength > Integer.MAX_VALUE - BLOCK_FRAMING_LENGTH)
        {
            throw new IllegalArgumentException("entry of " + entryLength + " bytes is too large for a block");
        }
        beginBlock(keyGroup, 1, (int)entryLength);
        writeByte(entryType);
        writeInt(keyLength);
        writeBytes(key, keyOffset, keyLength);
        if (entryType == ENTRY_PUT)
        {
            writeInt(valueLength);
            writeBytes(value, valueOffset, valueLength);
        }
        endBlock();
    }

    private void beginBlock(final int keyGroup, final int entryCount, final int payloadLength) throws IOException
    {
        blockKeyGroups.addInt(keyGroup);
        blockEntryCounts.addInt(entryCount);
        blockLengths.addInt(payloadLength + BLOCK_FRAMING_LENGTH);
        blockOffsets.addLong(positionBytes);
        crc.reset();
        writeInt(BLOCK_MARKER);
        writeInt(keyGroup);
        writeInt(entryCount);
        writeInt(payloadLength);
    }

    private void endBlock() throws IOException
    {
        writeInt((int)crc.getValue());
    }

    private int writeIndex() throws IOException
    {
        final int blockCount = blockOffsets.size();
        final int keyGroupCount = header.keyGroupCount();
        final int[] starts = new int[keyGroupCount + 1];
        for (int i = 0; i < blockCount; i++)
        {
            starts[blockKeyGroups.getInt(i) - header.firstKeyGroup() + 1]++;
        }
        for (int i = 0; i < keyGroupCount; i++)
        {
            starts[i + 1] += starts[i];
        }
        final int[] order = new int[blockCount];
        for (int i = 0; i < blockCount; i++)
        {
            order[starts[blockKeyGroups.getInt(i) - header.firstKeyGroup()]++] = i;
        }

        crc.reset();
        writeInt(INDEX_MARKER);
        writeInt(blockCount);
        for (final int i : order)
        {
            writeInt(blockKeyGroups.getInt(i));
            writeInt(blockEntryCounts.getInt(i));
            writeLong(blockOffsets.getLong(i));
            writeInt(blockLengths.getInt(i));
            writeInt(0);
        }
        return (int)crc.getValue();
    }

    private void writeByte(final byte value) throws IOException
    {
        ensureStaging(1);
        final int position = staging.position();
        stagingBuffer.putByte(position, value);
        advance(position, 1);
    }

    private void writeInt(final int value) throws IOException
    {
        ensureStaging(4);
        final int position = staging.position();
        stagingBuffer.putInt(position, value, BYTE_ORDER);
        advance(position, 4);
    }

    private void writeLong(final long value) throws IOException
    {
        ensureStaging(8);
        final int position = staging.position();
        stagingBuffer.putLong(position, value, BYTE_ORDER);
        advance(position, 8);
    }

    private void writeBytes(final DirectBuffer source, final int offset, final int length) throws IOException
    {
        int remaining = length;
        int sourceOffset = offset;
        while (remaining > 0)
        {
            if (!staging.hasRemaining())
            {
                drainStaging();
            }
            final int chunk = Math.min(remaining, staging.remaining());
            final int position = staging.position();
            stagingBuffer.putBytes(position, source, sourceOffset, chunk);
            advance(position, chunk);
            sourceOffset += chunk;
            remaining -= chunk;
        }
    }

    private void ensureStaging(final int length) throws IOException
    {
        if (staging.remaining() < length)
        {
            drainStaging();
        }
    }

    private void advance(final int position, final int length)
    {
        crcView.limit(position + length).position(position);
        crc.update(crcView);
        staging.position(position + length);
        positionBytes += length;
    }

    private void drainStaging() throws IOException
    {
        staging.flip();
        while (staging.hasRemaining())
        {
            channel.write(staging);
        }
        staging.clear();
    }

    private void checkOpen()
    {
        if (closed)
        {
            throw new IllegalStateException((finished ? "already finished: " : "closed after a failure: ") + path);
        }
    }
}
