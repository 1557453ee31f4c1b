package io.weir.state.spi;

import org.agrona.DirectBuffer;

/** Receives entries of a {@link KeyedStateStore} or {@link StoreSnapshot}; buffers are valid only for the call. */
@FunctionalInterface
public interface EntryVisitor
{
    /**
     * @param value the value, or null for a tombstone (a key removed since the parent snapshot of a delta).
     */
    void onEntry(DirectBuffer key, int keyLength, DirectBuffer value, int valueLength);
}
