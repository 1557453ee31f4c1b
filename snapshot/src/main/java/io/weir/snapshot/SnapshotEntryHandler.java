package io.weir.snapshot;

import org.agrona.DirectBuffer;

/**
 * Receives entries read from a snapshot file. The buffers are only valid during the call;
 * copy what must be kept.
 */
@FunctionalInterface
public interface SnapshotEntryHandler
{
    /**
     * @param keyGroup    the entry belongs to.
     * @param entryType   {@link SnapshotFileDescriptor#ENTRY_PUT} or {@link SnapshotFileDescriptor#ENTRY_TOMBSTONE}.
     * @param key         buffer holding the key.
     * @param keyOffset   of the key in {@code key}.
     * @param keyLength   of the key in bytes.
     * @param value       buffer holding the value; for a tombstone any buffer with valueLength 0.
     * @param valueOffset of the value in {@code value}.
     * @param valueLength of the value in bytes; 0 for a tombstone.
     */
    void onEntry(
        int keyGroup,
        byte entryType,
        DirectBuffer key,
        int keyOffset,
        int keyLength,
        DirectBuffer value,
        int valueOffset,
        int valueLength);
}
