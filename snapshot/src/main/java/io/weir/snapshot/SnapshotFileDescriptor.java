package io.weir.snapshot;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Layout of a snapshot data file (FULL or DELTA). Every multi-byte field is little-endian
 * ({@link #BYTE_ORDER}); every checksum is CRC32C.
 * <pre>
 *   File:
 *   +--------------------+  0
 *   |      Header        |  HEADER_LENGTH (96) bytes, own CRC
 *   +--------------------+  HEADER_LENGTH
 *   |  Block ...         |  any number, any key-group order, contiguous
 *   +--------------------+  indexOffset
 *   |      Index         |  indexLength bytes
 *   +--------------------+  fileLength - FOOTER_LENGTH
 *   |      Footer        |  FOOTER_LENGTH (40) bytes, ends with END_MAGIC
 *   +--------------------+  fileLength
 *
 *   Header:
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +---------------------------------------------------------------+
 *   |                    Magic "WEIRSNAP" (8 bytes)                 |  0
 *   +---------------------------------------------------------------+
 *   |                        Format Version                         |  8
 *   +---------------------------------------------------------------+
 *   |                   File Kind (1=FULL, 2=DELTA)                 |  12
 *   +---------------------------------------------------------------+
 *   |                           Shard Id                            |  16
 *   +---------------------------------------------------------------+
 *   |                        First Key Group                        |  20
 *   +---------------------------------------------------------------+
 *   |                   Last Key Group (inclusive)                  |  24
 *   +---------------------------------------------------------------+
 *   |                        Max Parallelism                        |  28
 *   +---------------------------------------------------------------+
 *   |                       Checkpoint Id (long)                    |  32
 *   +---------------------------------------------------------------+
 *   |            Parent Checkpoint Id (long, -1 for FULL)           |  40
 *   +---------------------------------------------------------------+
 *   |                    Creation Time Ms (long)                    |  48
 *   +---------------------------------------------------------------+
 *   |                     Backend Name Length                       |  56
 *   +---------------------------------------------------------------+
 *   |      Backend Name, ASCII, zero padded (32 bytes)             ...  60
 *   +---------------------------------------------------------------+
 *   |                 Header CRC32C (over bytes 0..91)              |  92
 *   +---------------------------------------------------------------+  96
 *
 *   Block (one key group):
 *   +---------------------------------------------------------------+
 *   |                     Block Marker "BLK1"                       |  0
 *   +---------------------------------------------------------------+
 *   |                          Key Group                            |  4
 *   +---------------------------------------------------------------+
 *   |                         Entry Count                           |  8
 *   +---------------------------------------------------------------+
 *   |                        Payload Length                         |  12
 *   +---------------------------------------------------------------+
 *   |                    Payload (entries) ...                     ...  16
 *   +---------------------------------------------------------------+
 *   |       Block CRC32C (over marker .. end of payload)            |  16 + payloadLength
 *   +---------------------------------------------------------------+
 *
 *   Entry (inside a payload, unaligned):
 *   +---------+---------------+-----------+-----------------+-------------+
 *   | type u8 | keyLength int | key bytes | valueLength int | value bytes |
 *   +---------+---------------+-----------+-----------------+-------------+
 *   PUT = 1, TOMBSTONE = 2; a tombstone stops after the key bytes.
 *
 *   Index:
 *   +---------------------------------------------------------------+
 *   |                     Index Marker "IDX1"                       |  0
 *   +---------------------------------------------------------------+
 *   |                         Block Count                           |  4
 *   +---------------------------------------------------------------+
 *   |  Index Records, INDEX_RECORD_LENGTH each, sorted by key group ...  8
 *   |  then block offset                                            |
 *   +---------------------------------------------------------------+
 *
 *   Index Record:
 *   +---------------------------------------------------------------+
 *   |                          Key Group                            |  0
 *   +---------------------------------------------------------------+
 *   |                         Entry Count                           |  4
 *   +---------------------------------------------------------------+
 *   |                      Block Offset (long)                      |  8
 *   +---------------------------------------------------------------+
 *   |            Block Length (header + payload + CRC)              |  16
 *   +---------------------------------------------------------------+
 *   |                     Reserved, must be 0                       |  20
 *   +---------------------------------------------------------------+  24
 *
 *   Footer:
 *   +---------------------------------------------------------------+
 *   |                      Index Offset (long)                      |  0
 *   +---------------------------------------------------------------+
 *   |                      Total Entries (long)                     |  8
 *   +---------------------------------------------------------------+
 *   |                         Index Length                          |  16
 *   +---------------------------------------------------------------+
 *   |                  Index CRC32C (over the index)                |  20
 *   +---------------------------------------------------------------+
 *   |                 Footer CRC32C (over bytes 0..23)              |  24
 *   +---------------------------------------------------------------+
 *   |                     Reserved, must be 0                       |  28
 *   +---------------------------------------------------------------+
 *   |                   End Magic "WEIRSEND" (8 bytes)              |  32
 *   +---------------------------------------------------------------+  40
 * </pre>
 * Every byte is covered by a check: a CRC, a magic, or (the reserved fields) must be zero. A reader bounds every
 * length and offset by the file's length before it allocates or reads, so a damaged or crafted file is reported,
 * never read past its end.
 */
public final class SnapshotFileDescriptor
{
    /** Byte order of every field in the file. */
    public static final ByteOrder BYTE_ORDER = ByteOrder.LITTLE_ENDIAN;

    /**
     * Current (and only) format version written and read. 2: entries in the per-operator layout (state ids
     * numbered per operator uid, list state in chunks), which version 1 files of the same header do not have; a
     * file of another version is refused, naming the file and both versions.
     */
    public static final int FORMAT_VERSION = 2;

    /** "WEIRSNAP" as ASCII. */
    public static final byte[] MAGIC = "WEIRSNAP".getBytes(StandardCharsets.US_ASCII);
    /** "WEIRSEND" as ASCII. */
    public static final byte[] END_MAGIC = "WEIRSEND".getBytes(StandardCharsets.US_ASCII);
    public static final int MAGIC_LENGTH = 8;

    public static final int MAGIC_OFFSET = 0;
    public static final int VERSION_OFFSET = 8;
    public static final int FILE_KIND_OFFSET = 12;
    public static final int SHARD_ID_OFFSET = 16;
    public static final int FIRST_KEY_GROUP_OFFSET = 20;
    public static final int LAST_KEY_GROUP_OFFSET = 24;
    public static final int MAX_PARALLELISM_OFFSET = 28;
    public static final int CHECKPOINT_ID_OFFSET = 32;
    public static final int PARENT_CHECKPOINT_ID_OFFSET = 40;
    public static final int CREATION_TIME_MS_OFFSET = 48;
    public static final int BACKEND_NAME_LENGTH_OFFSET = 56;
    public static final int BACKEND_NAME_OFFSET = 60;
    public static final int BACKEND_NAME_MAX_LENGTH = 32;
    public static final int HEADER_CRC_OFFSET = 92;
    public static final int HEADER_LENGTH = 96;

    /** "BLK1" read as a little-endian int. */
    public static final int BLOCK_MARKER = 0x314B4C42;
    public static final int BLOCK_MARKER_OFFSET = 0;
    public static final int BLOCK_KEY_GROUP_OFFSET = 4;
    public static final int BLOCK_ENTRY_COUNT_OFFSET = 8;
    public static final int BLOCK_PAYLOAD_LENGTH_OFFSET = 12;
    public static final int BLOCK_HEADER_LENGTH = 16;
    public static final int BLOCK_CRC_LENGTH = 4;
    /** Bytes a block adds around its payload. */
    public static final int BLOCK_FRAMING_LENGTH = BLOCK_HEADER_LENGTH + BLOCK_CRC_LENGTH;

    public static final byte ENTRY_PUT = 1;
    public static final byte ENTRY_TOMBSTONE = 2;
    public static final int ENTRY_TYPE_LENGTH = 1;
    public static final int LENGTH_FIELD_LENGTH = 4;

    /** "IDX1" read as a little-endian int. */
    public static final int INDEX_MARKER = 0x31584449;
    public static final int INDEX_MARKER_OFFSET = 0;
    public static final int INDEX_BLOCK_COUNT_OFFSET = 4;
    public static final int INDEX_HEADER_LENGTH = 8;
    public static final int INDEX_RECORD_KEY_GROUP_OFFSET = 0;
    public static final int INDEX_RECORD_ENTRY_COUNT_OFFSET = 4;
    public static final int INDEX_RECORD_BLOCK_OFFSET_OFFSET = 8;
    public static final int INDEX_RECORD_BLOCK_LENGTH_OFFSET = 16;
    public static final int INDEX_RECORD_RESERVED_OFFSET = 20;
    public static final int INDEX_RECORD_LENGTH = 24;

    public static final int FOOTER_INDEX_OFFSET_OFFSET = 0;
    public static final int FOOTER_TOTAL_ENTRIES_OFFSET = 8;
    public static final int FOOTER_INDEX_LENGTH_OFFSET = 16;
    public static final int FOOTER_INDEX_CRC_OFFSET = 20;
    public static final int FOOTER_CRC_OFFSET = 24;
    public static final int FOOTER_RESERVED_OFFSET = 28;
    public static final int FOOTER_END_MAGIC_OFFSET = 32;
    public static final int FOOTER_LENGTH = 40;

    /**
     * Largest maxParallelism a file may record: key groups are 16-bit in state keys. Bounds what a reader
     * allocates per key group.
     */
    public static final int MAX_PARALLELISM_LIMIT = 1 << 16;

    /** Smallest well-formed file: header, empty index, footer. */
    public static final int MIN_FILE_LENGTH = HEADER_LENGTH + INDEX_HEADER_LENGTH + FOOTER_LENGTH;

    /** Default payload size at which the writer flushes a key group's block. */
    public static final int DEFAULT_BLOCK_SIZE_BYTES = 64 * 1024;

    /** Suffix of a file still being written; renamed away on success. */
    public static final String TMP_SUFFIX = ".tmp";

    private SnapshotFileDescriptor()
    {
    }

    /**
     * Encoded length of one entry.
     *
     * @param entryType   {@link #ENTRY_PUT} or {@link #ENTRY_TOMBSTONE}.
     * @param keyLength   of the key in bytes.
     * @param valueLength of the value in bytes, ignored for a tombstone.
     * @return the number of bytes the entry occupies in a payload.
     */
    public static long entryLength(final byte entryType, final int keyLength, final int valueLength)
    {
        final long length = ENTRY_TYPE_LENGTH + LENGTH_FIELD_LENGTH + (long)keyLength;
        return entryType == ENTRY_PUT ? length + LENGTH_FIELD_LENGTH + valueLength : length;
    }
}
