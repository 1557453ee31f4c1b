package io.weir.state.offheap;

import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;

/**
 * An append-only list of byte-string keys in a reused arena of {@code [length i32][bytes]} records: appending
 * is a sequential copy, with no hashing or probing, so it stays cheap however many keys it holds. It does not
 * deduplicate; {@link ChronicleKeyedStateStore} appends a key at most once per change interval by testing the
 * entry's interval stamp first. {@link #clear()} keeps the capacity for the next interval. The arena is
 * off-heap: it grows while the state warms up, and a growing heap array would be copied by the collector.
 * <p>
 * Not thread-safe. The owning shard appends; once handed to a snapshot it is frozen and read by the snapshot
 * thread only.
 */
final class KeyLog
{
    private static final int LENGTH_BYTES = 4;

    @FunctionalInterface
    interface KeyConsumer
    {
        void onKey(DirectBuffer buffer, int offset, int length);
    }

    private final ExpandableDirectByteBuffer arena = new ExpandableDirectByteBuffer(4096);
    private int arenaLength;
    private int size;

    int size()
    {
        return size;
    }

    void append(final DirectBuffer key, final int length)
    {
        final int offset = arenaLength;
        arena.putInt(offset, length);
        arena.putBytes(offset + LENGTH_BYTES, key, 0, length);
        arenaLength = offset + LENGTH_BYTES + length;
        size++;
    }

    /** Visit the keys in append order; the buffer is the arena and is valid only for the call. */
    void forEach(final KeyConsumer consumer)
    {
        int offset = 0;
        while (offset < arenaLength)
        {
            final int length = arena.getInt(offset);
            consumer.onKey(arena, offset + LENGTH_BYTES, length);
            offset += LENGTH_BYTES + length;
        }
    }

    void clear()
    {
        arenaLength = 0;
        size = 0;
    }
}
