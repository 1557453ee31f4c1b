package io.weir.snapshot;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

import static io.weir.snapshot.SnapshotFileDescriptor.*;

/**
 * Immutable header of a snapshot data file; see {@link SnapshotFileDescriptor} for the layout.
 *
 * @param formatVersion      of the file; {@link SnapshotFileDescriptor#FORMAT_VERSION} when writing.
 * @param fileKind           FULL or DELTA.
 * @param backendName        short ASCII name of the state backend that wrote it, e.g. "chronicle".
 * @param shardId            shard that wrote the file.
 * @param firstKeyGroup      first key group held, inclusive.
 * @param lastKeyGroup       last key group held, inclusive.
 * @param maxParallelism     number of key groups of the job.
 * @param checkpointId       checkpoint this file belongs to.
 * @param parentCheckpointId checkpoint a DELTA applies on top of; -1 for a FULL file.
 * @param creationTimeMs     wall-clock time the file was started, ms since the epoch.
 */
public record SnapshotHeader(
    int formatVersion,
    SnapshotFileKind fileKind,
    String backendName,
    int shardId,
    int firstKeyGroup,
    int lastKeyGroup,
    int maxParallelism,
    long checkpointId,
    long parentCheckpointId,
    long creationTimeMs)
{
    /** Parent id of a FULL file. */
    public static final long NO_PARENT = -1;

    /**
     * Validates every field; called for headers being written and headers read.
     */
    public SnapshotHeader
    {
        if (fileKind == null)
        {
            throw new IllegalArgumentException("fileKind must not be null");
        }
        if (backendName == null || backendName.isEmpty() || backendName.length() > BACKEND_NAME_MAX_LENGTH ||
            !StandardCharsets.US_ASCII.newEncoder().canEncode(backendName))
        {
            throw new IllegalArgumentException(
                "backendName must be 1.." + BACKEND_NAME_MAX_LENGTH + " ASCII chars: " + backendName);
        }
        if (maxParallelism <= 0 || maxParallelism > MAX_PARALLELISM_LIMIT)
        {
            throw new IllegalArgumentException("maxParallelism must be in 1.." + MAX_PARALLELISM_LIMIT + ": " +
                maxParallelism);
        }
        if (firstKeyGroup < 0 || lastKeyGroup < firstKeyGroup || lastKeyGroup >= maxParallelism)
        {
            throw new IllegalArgumentException("invalid key-group range [" + firstKeyGroup + ", " + lastKeyGroup +
                "] for maxParallelism " + maxParallelism);
        }
        if (checkpointId < 0)
        {
            throw new IllegalArgumentException("checkpointId must be >= 0: " + checkpointId);
        }
        if (fileKind == SnapshotFileKind.FULL && parentCheckpointId != NO_PARENT)
        {
            throw new IllegalArgumentException("a FULL file has no parent, parentCheckpointId=" + parentCheckpointId);
        }
        if (fileKind == SnapshotFileKind.DELTA && parentCheckpointId < 0)
        {
            throw new IllegalArgumentException("a DELTA file needs a parent checkpoint id, got " + parentCheckpointId);
        }
    }

    /**
     * Header of a FULL file in the current format version.
     */
    public static SnapshotHeader full(
        final String backendName,
        final int shardId,
        final int firstKeyGroup,
        final int lastKeyGroup,
        final int maxParallelism,
        final long checkpointId,
        final long creationTimeMs)
    {
        return new SnapshotHeader(FORMAT_VERSION, SnapshotFileKind.FULL, backendName, shardId, firstKeyGroup,
            lastKeyGroup, maxParallelism, checkpointId, NO_PARENT, creationTimeMs);
    }

    /**
     * Header of a DELTA file in the current format version.
     */
    public static SnapshotHeader delta(
        final String backendName,
        final int shardId,
        final int firstKeyGroup,
        final int lastKeyGroup,
        final int maxParallelism,
        final long checkpointId,
        final long parentCheckpointId,
        final long creationTimeMs)
    {
        return new SnapshotHeader(FORMAT_VERSION, SnapshotFileKind.DELTA, backendName, shardId, firstKeyGroup,
            lastKeyGroup, maxParallelism, checkpointId, parentCheckpointId, creationTimeMs);
    }

    /**
     * @return number of key groups in the range.
     */
    public int keyGroupCount()
    {
        return lastKeyGroup - firstKeyGroup + 1;
    }

    /**
     * @param keyGroup to test.
     * @return true if the key group is in [firstKeyGroup, lastKeyGroup].
     */
    public boolean containsKeyGroup(final int keyGroup)
    {
        return keyGroup >= firstKeyGroup && keyGroup <= lastKeyGroup;
    }

    /**
     * Encodes the header, CRC included, into {@link SnapshotFileDescriptor#HEADER_LENGTH} bytes.
     *
     * @param buffer backed by a byte array of at least HEADER_LENGTH bytes at offset 0.
     */
    void encode(final MutableDirectBuffer buffer)
    {
        buffer.setMemory(0, HEADER_LENGTH, (byte)0);
        buffer.putBytes(MAGIC_OFFSET, MAGIC);
        buffer.putInt(VERSION_OFFSET, formatVersion, BYTE_ORDER);
        buffer.putInt(FILE_KIND_OFFSET, fileKind.code(), BYTE_ORDER);
        buffer.putInt(SHARD_ID_OFFSET, shardId, BYTE_ORDER);
        buffer.putInt(FIRST_KEY_GROUP_OFFSET, firstKeyGroup, BYTE_ORDER);
        buffer.putInt(LAST_KEY_GROUP_OFFSET, lastKeyGroup, BYTE_ORDER);
        buffer.putInt(MAX_PARALLELISM_OFFSET, maxParallelism, BYTE_ORDER);
        buffer.putLong(CHECKPOINT_ID_OFFSET, checkpointId, BYTE_ORDER);
        buffer.putLong(PARENT_CHECKPOINT_ID_OFFSET, parentCheckpointId, BYTE_ORDER);
        buffer.putLong(CREATION_TIME_MS_OFFSET, creationTimeMs, BYTE_ORDER);
        buffer.putInt(BACKEND_NAME_LENGTH_OFFSET, backendName.length(), BYTE_ORDER);
        buffer.putStringWithoutLengthAscii(BACKEND_NAME_OFFSET, backendName);
        buffer.putInt(HEADER_CRC_OFFSET, crc(buffer), BYTE_ORDER);
    }

    /**
     * Decodes and validates a header.
     *
     * @param buffer holding HEADER_LENGTH bytes at offset 0, backed by a byte array.
     * @param file   named in exception messages.
     * @return the header.
     * @throws SnapshotCorruptException on bad magic, CRC mismatch, unknown version or kind, or bad fields.
     */
    static SnapshotHeader decode(final DirectBuffer buffer, final String file)
    {
        for (int i = 0; i < MAGIC_LENGTH; i++)
        {
            if (buffer.getByte(MAGIC_OFFSET + i) != MAGIC[i])
            {
                throw new SnapshotCorruptException(file + ": bad magic at offset 0, not a Weir snapshot file" +
                    " (expected \"WEIRSNAP\", found \"" + printable(buffer, MAGIC_OFFSET, MAGIC_LENGTH) + "\")");
            }
        }
        final int storedCrc = buffer.getInt(HEADER_CRC_OFFSET, BYTE_ORDER);
        final int computedCrc = crc(buffer);
        if (storedCrc != computedCrc)
        {
            throw new SnapshotCorruptException(file + ": header CRC mismatch at offset " + HEADER_CRC_OFFSET +
                " (stored 0x" + Integer.toHexString(storedCrc) + ", computed 0x" +
                Integer.toHexString(computedCrc) + ")");
        }
        final int version = buffer.getInt(VERSION_OFFSET, BYTE_ORDER);
        if (version != FORMAT_VERSION)
        {
            throw new SnapshotCorruptException(file + ": unsupported format version " + version + " at offset " +
                VERSION_OFFSET + " (this reader supports " + FORMAT_VERSION + ")" + (version < FORMAT_VERSION ?
                ": it was written by an older Weir; restore it with that version, or start without this checkpoint" :
                ""));
        }
        final int kindCode = buffer.getInt(FILE_KIND_OFFSET, BYTE_ORDER);
        final SnapshotFileKind kind = SnapshotFileKind.fromCode(kindCode);
        if (kind == null)
        {
            throw new SnapshotCorruptException(file + ": unknown file kind " + kindCode + " at offset " +
                FILE_KIND_OFFSET);
        }
        final int nameLength = buffer.getInt(BACKEND_NAME_LENGTH_OFFSET, BYTE_ORDER);
        if (nameLength <= 0 || nameLength > BACKEND_NAME_MAX_LENGTH)
        {
            throw new SnapshotCorruptException(file + ": backend name length " + nameLength + " at offset " +
                BACKEND_NAME_LENGTH_OFFSET + " outside 1.." + BACKEND_NAME_MAX_LENGTH);
        }
        try
        {
            return new SnapshotHeader(
                version,
                kind,
                buffer.getStringWithoutLengthAscii(BACKEND_NAME_OFFSET, nameLength),
                buffer.getInt(SHARD_ID_OFFSET, BYTE_ORDER),
                buffer.getInt(FIRST_KEY_GROUP_OFFSET, BYTE_ORDER),
                buffer.getInt(LAST_KEY_GROUP_OFFSET, BYTE_ORDER),
                buffer.getInt(MAX_PARALLELISM_OFFSET, BYTE_ORDER),
                buffer.getLong(CHECKPOINT_ID_OFFSET, BYTE_ORDER),
                buffer.getLong(PARENT_CHECKPOINT_ID_OFFSET, BYTE_ORDER),
                buffer.getLong(CREATION_TIME_MS_OFFSET, BYTE_ORDER));
        }
        catch (final IllegalArgumentException ex)
        {
            throw new SnapshotCorruptException(file + ": invalid header at offset 0: " + ex.getMessage(), ex);
        }
    }

    private static int crc(final DirectBuffer buffer)
    {
        final CRC32C crc = new CRC32C();
        crc.update(buffer.byteArray(), buffer.wrapAdjustment(), HEADER_CRC_OFFSET);
        return (int)crc.getValue();
    }

    static String printable(final DirectBuffer buffer, final int offset, final int length)
    {
        final StringBuilder sb = new StringBuilder(length);
        for (int i = 0; i < length; i++)
        {
            final byte b = buffer.getByte(offset + i);
            sb.append(b >= 0x20 && b < 0x7f ? (char)b : '?');
        }
        return sb.toString();
    }
}
