package io.weir.state.changes;

import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;

/**
 * An append-only list of byte-string keys in a reused arena of {@code [length i32][bytes]} records: appending
 * is a sequential copy, with no hashing or probing, so it stays cheap however many keys it holds. It does not
 * deduplicate: a store appends a key at most once per change interval, for instance by testing an interval
 * stamp kept in the key's value first. {@link #clear()} keeps the capacity for the next interval. The arena is
 * off-heap: it grows while the state warms up, and a growing heap array would be copied by the collector.
 * <p>
 * Not thread-safe. The owning shard appends; once handed to a snapshot it is frozen and read by the snapshot
 * thread only.
 */
public final class KeyLog
{
    private static final int LENGTH_BYTES = 4;

    @FunctionalInterface
    public interface KeyConsumer
    {
        void onKey(DirectBuffer buffer, int offset, int length);
    }

    private final ExpandableDirectByteBuffer arena = new ExpandableDirectByteBuffer(4096);
    private int arenaLength;
    private int size;

    public int size()
    {
        return size;
    }

    public void append(final DirectBuffer key, final int length)
    {
        final int offset = arenaLength;
        arena.putInt(offset, length);
        arena.putBytes(offset + LENGTH_BYTES, key, 0, length);
        arenaLength = offset + LENGTH_BYTES + length;
        size++;
    }

    /** Visit the keys in append order; the buffer is the arena and is valid only for the call. */
    public void forEach(final KeyConsumer consumer)
    {
        int offset = 0;
        while (offset < arenaLength)
        {
            final int length = arena.getInt(offset);
            consumer.onKey(arena, offset + LENGTH_BYTES, length);
            offset += LENGTH_BYTES + length;
        }
    }

    /**
     * Visit at most {@code maxKeys} keys in append order, starting at {@code position} (0 for the first key),
     * and return the position after the last one visited: a reader that works through the log a few keys at a
     * time resumes from it. The log is complete when the returned position equals {@link #endPosition()}.
     */
    public int forEach(final int position, final int maxKeys, final KeyConsumer consumer)
    {
        int offset = position;
        int visited = 0;
        while (offset < arenaLength && visited < maxKeys)
        {
            final int length = arena.getInt(offset);
            consumer.onKey(arena, offset + LENGTH_BYTES, length);
            offset += LENGTH_BYTES + length;
            visited++;
        }
        return offset;
    }

    /** The position after the last key: where {@link #forEach(int, int, KeyConsumer)} ends. */
    public int endPosition()
    {
        return arenaLength;
    }

    public void clear()
    {
        arenaLength = 0;
        size = 0;
    }
}
