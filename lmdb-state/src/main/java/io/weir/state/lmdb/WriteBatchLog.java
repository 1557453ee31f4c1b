package io.weir.state.lmdb;

import org.agrona.BitUtil;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;

/**
 * Off-heap log of the writes made in the open write transaction, so they can be replayed into a new transaction
 * after a {@code MapFullException} aborted it. Its memory is also where keys and values are copied before they
 * are handed to LMDB, so whatever buffer the caller passed (even a heap one), LMDB only ever sees direct memory.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                     type (int: PUT / REMOVE)                  |
 *  +---------------------------------------------------------------+
 *  |                         key length (int)                      |
 *  +---------------------------------------------------------------+
 *  |                value length (int, 0 for REMOVE)               |
 *  +---------------------------------------------------------------+
 *  |  key bytes ... | value bytes ... | padding to 4 bytes         ...
 *  +---------------------------------------------------------------+
 * </pre>
 * Native byte order: the log never leaves the process. Owned by the shard thread.
 */
final class WriteBatchLog
{
    static final int TYPE_PUT = 1;
    static final int TYPE_REMOVE = 2;
    static final int TYPE_OFFSET = 0;
    static final int KEY_LENGTH_OFFSET = 4;
    static final int VALUE_LENGTH_OFFSET = 8;
    static final int HEADER_LENGTH = 12;
    static final int RECORD_ALIGNMENT = 4;

    private final ExpandableDirectByteBuffer buffer;
    private int limit;
    private int records;

    WriteBatchLog(final int initialCapacityBytes)
    {
        buffer = new ExpandableDirectByteBuffer(initialCapacityBytes);
    }

    /** @return the offset of the appended record. */
    int appendPut(
        final DirectBuffer key, final int keyLength, final DirectBuffer value, final int valueOffset, final int valueLength)
    {
        final int offset = limit;
        final int recordLength = BitUtil.align(HEADER_LENGTH + keyLength + valueLength, RECORD_ALIGNMENT);
        checkCapacity(offset, recordLength);
        buffer.putInt(offset + TYPE_OFFSET, TYPE_PUT);
        buffer.putInt(offset + KEY_LENGTH_OFFSET, keyLength);
        buffer.putInt(offset + VALUE_LENGTH_OFFSET, valueLength);
        buffer.putBytes(offset + HEADER_LENGTH, key, 0, keyLength);
        if (valueLength > 0)
        {
            buffer.putBytes(offset + HEADER_LENGTH + keyLength, value, valueOffset, valueLength);
        }
        limit = offset + recordLength;
        records++;
        return offset;
    }

    /** @return the offset of the appended record. */
    int appendRemove(final DirectBuffer key, final int keyLength)
    {
        final int offset = limit;
        final int recordLength = BitUtil.align(HEADER_LENGTH + keyLength, RECORD_ALIGNMENT);
        checkCapacity(offset, recordLength);
        buffer.putInt(offset + TYPE_OFFSET, TYPE_REMOVE);
        buffer.putInt(offset + KEY_LENGTH_OFFSET, keyLength);
        buffer.putInt(offset + VALUE_LENGTH_OFFSET, 0);
        buffer.putBytes(offset + HEADER_LENGTH, key, 0, keyLength);
        limit = offset + recordLength;
        records++;
        return offset;
    }

    int type(final int recordOffset)
    {
        return buffer.getInt(recordOffset + TYPE_OFFSET);
    }

    int keyLength(final int recordOffset)
    {
        return buffer.getInt(recordOffset + KEY_LENGTH_OFFSET);
    }

    int valueLength(final int recordOffset)
    {
        return buffer.getInt(recordOffset + VALUE_LENGTH_OFFSET);
    }

    /** Absolute address of the record's key; valid until the next append (which may move the buffer). */
    long keyAddress(final int recordOffset)
    {
        return buffer.addressOffset() + recordOffset + HEADER_LENGTH;
    }

    /** Absolute address of the record's value; valid until the next append. */
    long valueAddress(final int recordOffset)
    {
        return keyAddress(recordOffset) + keyLength(recordOffset);
    }

    /** Offset of the record after the one at {@code recordOffset}. */
    int nextRecord(final int recordOffset)
    {
        return recordOffset + BitUtil.align(
            HEADER_LENGTH + keyLength(recordOffset) + valueLength(recordOffset), RECORD_ALIGNMENT);
    }

    int limit()
    {
        return limit;
    }

    int records()
    {
        return records;
    }

    boolean isEmpty()
    {
        return records == 0;
    }

    void reset()
    {
        limit = 0;
        records = 0;
    }

    private void checkCapacity(final int offset, final int recordLength)
    {
        if (recordLength < 0 || offset > Integer.MAX_VALUE - 16 - recordLength)
        {
            throw new IllegalStateException(
                "LMDB write batch log overflow: batchBytes=" + offset + " recordBytes=" + recordLength);
        }
    }
}
