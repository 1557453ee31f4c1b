package io.weir.state.changes;

import io.weir.state.spi.EntryVisitor;
import org.agrona.BitUtil;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.Arrays;

/**
 * The latest value of every key a store changed in one change interval, once each: at the
 * snapshot point it is the delta, and reading it is a sequential copy.
 * <p>
 * Why. A delta used to be read by looking each changed key up in the map again (a hash, then cache misses on the
 * slot and the entry, about a microsecond a key), which at 500,000 events/s took most of a shard's spare time. The
 * shard writes the log while the entry is in its cache anyway, so keeping the value costs a sequential copy at the
 * key's first change.
 * <p>
 * A later change of the key in the interval {@linkplain #supersede supersedes} its record: the new value is
 * appended and the old record's position appended to a list of dead records. The old record itself is not
 * touched: overwriting it in place, found by the position the store keeps in the entry's header, cost a cache miss
 * per write of a hot key (unthrottled with 2 shards, interleaved: 1.88M events/s against 1.71M, medians of 6).
 * Nor is a bit set for it in the dead-record bitmap: that bitmap, 1/64 of the log, no longer stayed in a cache the
 * map's look-ups keep thrashing, and setting the bit was 9% of a shard's samples (JFR, 1M keys). The reading
 * thread sets the bits from the list before it reads. So
 * that memory stays bounded by the keys changed rather than the writes, superseding stops once dead records
 * outnumber live ones by {@code supersedeSlack}; later changes then {@linkplain #update overwrite in place}.
 * <p>
 * Records {@code [key length i32][value length i32][capacity i32][forward i32][key][value, capacity bytes]},
 * 8-byte aligned,
 * are appended to reused off-heap chunks of {@value #CHUNK_BYTES} bytes (a record larger than a chunk gets one of
 * its own). The value length is {@link #TOMBSTONE} for a removed key, or {@link #MOVED} for a record whose value
 * outgrew its capacity in an update in place: its forward field then holds the position of the key's record
 * appended in its place, with twice the capacity, so a value growing a little per write is copied O(log n) times.
 * A position packs the chunk and the offset in 8-byte units into a non-negative int, the size of the header field
 * that stores it: the log holds at most {@value #MAX_CHUNKS} chunks (16 GiB) per interval. The dead-record bitmap
 * has a bit per 8-byte unit, a {@value #BITMAP_CHUNK_BYTES}-byte chunk per log chunk, cleared when the log enters
 * the chunk; the list of dead positions is kept across intervals, like the chunks.
 * <p>
 * Memory: a log holds a copy of every value changed in its interval (twice, at most, plus the slack), and a store
 * keeps two (one frozen while a snapshot reads it). The chunks are kept for the next interval, so they are
 * allocated while the state warms up, not in steady state.
 * <p>
 * Not thread-safe. The owning shard appends and updates; once handed to a snapshot the log is frozen and read by
 * the reading thread only (which also writes the dead-record bitmap), then cleared and reused by the shard after
 * the snapshot is released.
 */
public final class DeltaLog
{
    public static final int CHUNK_BYTES = 1 << 22;
    public static final int MAX_CHUNKS = 1 << 12;
    public static final int TOMBSTONE = -1;
    public static final int MOVED = -2;

    private static final int UNIT_SHIFT = 3;
    private static final int OFFSET_BITS = 22 - UNIT_SHIFT;
    private static final int KEY_LENGTH_OFFSET = 0;
    private static final int VALUE_LENGTH_OFFSET = 4;
    private static final int CAPACITY_OFFSET = 8;
    private static final int FORWARD_OFFSET = 12;
    private static final int RECORD_HEADER_BYTES = 16;
    static final int BITMAP_CHUNK_BYTES = (CHUNK_BYTES >>> UNIT_SHIFT) / Byte.SIZE;
    private static final int NONE = -1;
    /** Dead-record bits a read step sets per record it may visit: setting one costs less than copying a record. */
    private static final int DEAD_BITS_PER_RECORD = 4;
    /** Dead records allowed beyond the live ones before later changes overwrite in place instead. */
    public static final int DEFAULT_SUPERSEDE_SLACK = 1 << 20;

    /** {@link #logChange}'s {@code logged}: the key has no entry in the store. Positions are never negative. */
    public static final int NO_ENTRY = Integer.MIN_VALUE;
    /** {@link #logChange}'s {@code logged}: the key's entry was not changed in this interval. */
    public static final int FIRST_CHANGE = Integer.MIN_VALUE + 1;

    /**
     * {@link #lastChange}: a record was appended for a value (an insert, a first change of an entry, or a later
     * change superseding the record).
     */
    public static final int APPENDED = 1;
    /** {@link #lastChange}: the record of a key that has an entry was overwritten in place. */
    public static final int UPDATED = 2;
    /** {@link #lastChange}: the record of a key removed earlier in the interval took its new value. */
    public static final int UPDATED_REMOVED = 3;
    /** {@link #lastChange}: the change was a removal. */
    public static final int REMOVED = 4;
    /** {@link #lastChange}: the removal of a key inserted in the interval dropped its record ({@link #discardInserted}). */
    public static final int DISCARDED = 5;

    /**
     * Keys removed in the interval: with no entry they have no header to keep their record's position in, so this
     * does, for an insert of the key later in the interval. Inserts are not indexed: their entry's header names
     * their record.
     */
    public final KeyLogIndex absentKeys = new KeyLogIndex();
    private int lastChange;

    private final ReusedChunks chunks = new ReusedChunks(CHUNK_BYTES);
    /** Bytes used in each chunk before {@link #currentChunk}; the current one's is {@link #currentOffset}. */
    private int[] chunkLengths = new int[8];
    private int currentChunk = -1;
    private int currentOffset = CHUNK_BYTES;

    /** A bit per 8-byte unit of each log chunk: set for a superseded record. */
    private final ReusedChunks deadBits = new ReusedChunks(BITMAP_CHUNK_BYTES);
    private final int supersedeSlack;
    /** Positions of superseded records, in the order they were superseded; the first {@link #deadRecords} are valid. */
    private final ExpandableDirectByteBuffer deadPositions = new ExpandableDirectByteBuffer(1 << 12);
    /** How many of {@link #deadPositions} the reading thread has set in {@link #deadBits}. */
    private int deadBitsSet;
    private int records;
    private int deadRecords;
    /** Position of the last record appended, for {@link #discardLast}. */
    private int lastAppended = NONE;

    public DeltaLog()
    {
        this(DEFAULT_SUPERSEDE_SLACK);
    }

    public DeltaLog(final int supersedeSlack)
    {
        this.supersedeSlack = supersedeSlack;
    }

    /**
     * Log a change of a key, as a store writes it: the decision both backends make, from what the key's entry says.
     * <ul>
     *   <li>No entry (an insert): the key was absent at the snapshot point, or removed since. If a removal in this
     *       interval left a record (indexed in {@link #absentKeys}), it takes the value; otherwise a record is
     *       appended. Only removals index keys: once inserted, the entry's stamp names its record (indexing every
     *       insert cost a hash-table insert per new key).</li>
     *   <li>An entry not changed in this interval: a record is appended (a tombstone for a removal).</li>
     *   <li>An entry changed in this interval, whose stamp names its record: a change {@linkplain #supersede
     *       supersedes} it (a removal with a tombstone) while that is allowed, else overwrites it in place.</li>
     * </ul>
     * A removal indexes the key's record in {@link #absentKeys}: without an entry the key has no stamp for the rest
     * of the interval, and the position it had may since have been superseded.
     *
     * @param logged      the position of the key's record if its entry's stamp is of this interval, else
     *                    {@link #FIRST_CHANGE}, or {@link #NO_ENTRY} when the key has no entry (never for a removal).
     * @param valueLength the new value's length, or {@link #TOMBSTONE} for a removal.
     * @return the position of the key's record, for the stamp of the entry written next. {@link #lastChange} tells
     * what was done.
     */
    public int logChange(
        final DirectBuffer key,
        final int keyLength,
        final int logged,
        final DirectBuffer value,
        final int valueOffset,
        final int valueLength)
    {
        if (NO_ENTRY == logged)
        {
            final int removed = absentKeys.isEmpty() ? KeyLogIndex.MISSING : absentKeys.get(key, keyLength);
            if (KeyLogIndex.MISSING != removed)
            {
                lastChange = UPDATED_REMOVED;
                return update(removed, value, valueOffset, valueLength);
            }
            lastChange = APPENDED;
            return append(key, keyLength, value, valueOffset, valueLength);
        }
        if (TOMBSTONE == valueLength)
        {
            return logRemoval(key, keyLength, logged, 0);
        }
        final int position;
        if (FIRST_CHANGE == logged || maySupersede())
        {
            // Superseding: appending costs less than a cache miss on the old record (see above).
            position = FIRST_CHANGE == logged ?
                append(key, keyLength, value, valueOffset, valueLength) :
                supersede(logged, key, keyLength, value, valueOffset, valueLength);
            lastChange = APPENDED;
        }
        else
        {
            position = update(logged, value, valueOffset, valueLength);
            lastChange = UPDATED;
        }
        return position;
    }

    /**
     * {@link #logChange} of a removal, whose tombstone, if appended, keeps room for a value of {@code roomForValue}
     * bytes: a key removed and inserted again in the interval (a session closed and reopened) then takes its value
     * in place rather than in a record appended for it.
     * <p>
     * A key written earlier in the interval has its record superseded by the tombstone (while that is allowed),
     * like a write: that record was written long enough ago to be out of the cache (a window fired, a dedup flag
     * expired).
     */
    public int logRemoval(final DirectBuffer key, final int keyLength, final int logged, final int roomForValue)
    {
        if (NO_ENTRY == logged || roomForValue < 0)
        {
            throw new IllegalArgumentException("a removal needs the key's entry (logged=" + logged +
                ") and room of at least 0 bytes (" + roomForValue + ")");
        }
        final int position;
        if (FIRST_CHANGE == logged)
        {
            position = append(key, 0, keyLength, null, 0, TOMBSTONE, roomForValue);
        }
        else if (maySupersede())
        {
            position = append(key, 0, keyLength, null, 0, TOMBSTONE, roomForValue);
            markDead(logged);
        }
        else
        {
            position = updateTombstone(logged);
        }
        absentKeys.put(key, keyLength, position);
        lastChange = REMOVED;
        return position;
    }

    /**
     * Shard: the removal of a key whose entry was inserted in this interval, when it had none at the interval's
     * start (the store knows from the entry's header). Neither the previous snapshot nor this one holds the key, so
     * the delta need not mention it: its record, at {@code position}, is marked dead, and no tombstone is appended
     * nor the key indexed (an insert of it later in the interval appends a new record, as for any absent key). A
     * window or a dedup flag that lives within one interval costs the log nothing once it is gone.
     */
    public void discardInserted(final int position)
    {
        markDead(position);
        lastChange = DISCARDED;
    }

    /**
     * What the last change did: {@link #APPENDED}, {@link #UPDATED}, {@link #UPDATED_REMOVED}, {@link #REMOVED} or
     * {@link #DISCARDED}. An {@link #APPENDED} change of a key with no entry ({@link #NO_ENTRY}) is an insert of a key
     * the interval started without.
     */
    public int lastChange()
    {
        return lastChange;
    }

    /** Shard: the key's first change in the interval; returns the record's position. */
    public int append(final DirectBuffer key, final int keyLength, final DirectBuffer value, final int offset, final int length)
    {
        return append(key, 0, keyLength, value, offset, length, length);
    }

    /** Shard: the key's first change in the interval is its removal; returns the record's position. */
    public int appendTombstone(final DirectBuffer key, final int keyLength)
    {
        return append(key, 0, keyLength, null, 0, TOMBSTONE, 0);
    }

    /**
     * Shard: whether a later change may {@link #supersede} the key's record rather than {@link #update} it in place:
     * until dead records outnumber live ones by the slack.
     */
    public boolean maySupersede()
    {
        return deadRecords - (records - deadRecords) < supersedeSlack;
    }

    /**
     * Shard: a later change of the key whose latest record is at {@code position} (the one the entry's header
     * names); appends the new value and marks that record dead, without reading or writing it.
     *
     * @return the key's record position from now on.
     */
    public int supersede(
        final int position,
        final DirectBuffer key,
        final int keyLength,
        final DirectBuffer value,
        final int offset,
        final int length)
    {
        // Appended first: if the log is full, the old record stays live and the key keeps a record.
        final int appended = append(key, 0, keyLength, value, offset, length, length);
        markDead(position);
        return appended;
    }

    /**
     * Shard: a later change of the key whose record is at {@code position} (or was, before it moved); overwrites
     * the value in place if it fits.
     *
     * @return the key's record position from now on.
     */
    public int update(final int position, final DirectBuffer value, final int offset, final int length)
    {
        final int live = resolve(position);
        final UnsafeBuffer chunk = chunk(live);
        final int at = offset(live);
        final int capacity = chunk.getInt(at + CAPACITY_OFFSET);
        final int keyLength = chunk.getInt(at + KEY_LENGTH_OFFSET);
        if (length <= capacity)
        {
            chunk.putInt(at + VALUE_LENGTH_OFFSET, length);
            if (length > 0)
            {
                chunk.putBytes(at + RECORD_HEADER_BYTES + keyLength, value, offset, length);
            }
            return live;
        }
        final int moved = append(
            chunk, at + RECORD_HEADER_BYTES, keyLength, value, offset, length, Math.max(length, 2 * capacity));
        // append may have started a chunk, but never moves one: the old record is where it was.
        chunk.putInt(at + VALUE_LENGTH_OFFSET, MOVED);
        chunk.putInt(at + FORWARD_OFFSET, moved);
        return moved;
    }

    /** Shard: a later change of the key whose record is at {@code position} removes it. */
    public int updateTombstone(final int position)
    {
        final int live = resolve(position);
        chunk(live).putInt(offset(live) + VALUE_LENGTH_OFFSET, TOMBSTONE);
        return live;
    }

    /**
     * Shard: drop the record just appended at {@code position} (its write to the map failed). A record it
     * superseded stays dead: the failed write may have dropped the entry, and the retry then logs the key as an
     * insert; otherwise it supersedes the same record again.
     */
    public void discardLast(final int position)
    {
        if (position != lastAppended)
        {
            throw new IllegalStateException("record " + position + " is not the last one appended");
        }
        currentOffset = offset(position);
        records--;
        lastAppended = NONE;
    }

    /** Shard: forget every record; the chunks stay for the next interval. */
    public void clear()
    {
        absentKeys.clear();
        currentChunk = -1;
        currentOffset = CHUNK_BYTES;
        records = 0;
        deadRecords = 0;
        deadBitsSet = 0;
        lastAppended = NONE;
    }

    /** Records appended in the interval, and how many of them were superseded (for tests and diagnostics). */
    public int records()
    {
        return records;
    }

    public int deadRecords()
    {
        return deadRecords;
    }

    /** Reading thread: a cursor at the first record. */
    public static long start()
    {
        return 0;
    }

    /**
     * Reading thread, once the log is frozen: visit up to {@code maxRecords} keys from {@code cursor} (their latest
     * value, or a tombstone), in the order of their latest record: a key whose record was superseded, or whose value
     * outgrew its record, comes where its latest record was appended. The first steps may visit nothing: they mark
     * the records superseded in the interval, up to {@code 4 × maxRecords} a step.
     *
     * @return the cursor after the last record visited; {@link #isEnd} once every record was visited.
     */
    public long read(final long cursor, final int maxRecords, final EntryVisitor visitor, final UnsafeBuffer keyView,
        final UnsafeBuffer valueView)
    {
        if (deadBitsSet < deadRecords)
        {
            // In steps, as records are read: a shard that writes its own file reads between events, and setting
            // 100,000 bits at once (a second's supersedes at 500k events/s) stalled it for milliseconds.
            setDeadBits(maxRecords > Integer.MAX_VALUE / DEAD_BITS_PER_RECORD ?
                Integer.MAX_VALUE : maxRecords * DEAD_BITS_PER_RECORD);
            if (deadBitsSet < deadRecords)
            {
                return cursor;
            }
        }
        int chunkIndex = (int)(cursor >>> 32);
        int at = (int)cursor;
        int visited = 0;
        while (chunkIndex <= currentChunk && visited < maxRecords)
        {
            final int end = chunkIndex == currentChunk ? currentOffset : chunkLengths[chunkIndex];
            if (at >= end)
            {
                chunkIndex++;
                at = 0;
                continue;
            }
            final UnsafeBuffer chunk = chunks.get(chunkIndex);
            final int keyLength = chunk.getInt(at + KEY_LENGTH_OFFSET);
            final int valueLength = chunk.getInt(at + VALUE_LENGTH_OFFSET);
            final int capacity = chunk.getInt(at + CAPACITY_OFFSET);
            if (valueLength != MOVED && !isDead(chunkIndex, at))
            {
                keyView.wrap(chunk, at + RECORD_HEADER_BYTES, keyLength);
                if (valueLength == TOMBSTONE)
                {
                    visitor.onEntry(keyView, keyLength, null, 0);
                }
                else
                {
                    valueView.wrap(chunk, at + RECORD_HEADER_BYTES + keyLength, valueLength);
                    visitor.onEntry(keyView, keyLength, valueView, valueLength);
                }
                visited++;
            }
            at += recordLength(keyLength, capacity);
        }
        return ((long)chunkIndex << 32) | at;
    }

    /** Whether {@code cursor} is past the last record. */
    public boolean isEnd(final long cursor)
    {
        final int chunkIndex = (int)(cursor >>> 32);
        return chunkIndex > currentChunk || (chunkIndex == currentChunk && (int)cursor >= currentOffset);
    }

    private int append(
        final DirectBuffer key,
        final int keyOffset,
        final int keyLength,
        final DirectBuffer value,
        final int valueOffset,
        final int valueLength,
        final int capacity)
    {
        final int recordLength = recordLength(keyLength, capacity);
        if (currentOffset + recordLength > CHUNK_BYTES)
        {
            nextChunk(recordLength);
        }
        final UnsafeBuffer chunk = chunks.get(currentChunk);
        final int at = currentOffset;
        chunk.putInt(at + KEY_LENGTH_OFFSET, keyLength);
        chunk.putInt(at + VALUE_LENGTH_OFFSET, valueLength);
        chunk.putInt(at + CAPACITY_OFFSET, capacity);
        chunk.putBytes(at + RECORD_HEADER_BYTES, key, keyOffset, keyLength);
        if (valueLength > 0)
        {
            chunk.putBytes(at + RECORD_HEADER_BYTES + keyLength, value, valueOffset, valueLength);
        }
        currentOffset = at + recordLength;
        records++;
        lastAppended = (currentChunk << OFFSET_BITS) | (at >>> UNIT_SHIFT);
        return lastAppended;
    }

    private void markDead(final int position)
    {
        final int count = deadRecords;
        // The retry of a failed write supersedes the same record again, right after (see discardLast).
        if (count > 0 && deadPositions.getInt((count - 1) << 2) == position)
        {
            return;
        }
        deadPositions.putInt(count << 2, position);
        deadRecords = count + 1;
    }

    /** Reading thread: set the bits of up to {@code budget} of the records superseded since the last read. */
    private void setDeadBits(final int budget)
    {
        final int count = deadRecords - deadBitsSet > budget ? deadBitsSet + budget : deadRecords;
        for (int i = deadBitsSet; i < count; i++)
        {
            final int position = deadPositions.getInt(i << 2);
            final UnsafeBuffer bits = deadBits.get(position >>> OFFSET_BITS);
            final int unit = position & ((1 << OFFSET_BITS) - 1);
            final int word = bitWordOffset(unit);
            bits.putLong(word, bits.getLong(word) | (1L << unit));
        }
        deadBitsSet = count;
    }

    private boolean isDead(final int chunkIndex, final int at)
    {
        final int unit = at >>> UNIT_SHIFT;
        return (deadBits.get(chunkIndex).getLong(bitWordOffset(unit)) & (1L << unit)) != 0;
    }

    /** Byte offset, in a bitmap chunk, of the long holding the bit of the 8-byte unit {@code unit}. */
    private static int bitWordOffset(final int unit)
    {
        return (unit >>> 6) << 3;
    }

    private int resolve(final int position)
    {
        int live = position;
        while (chunk(live).getInt(offset(live) + VALUE_LENGTH_OFFSET) == MOVED)
        {
            live = chunk(live).getInt(offset(live) + FORWARD_OFFSET);
        }
        return live;
    }

    private static int recordLength(final int keyLength, final int capacity)
    {
        return BitUtil.align(RECORD_HEADER_BYTES + keyLength + capacity, 1 << UNIT_SHIFT);
    }

    private UnsafeBuffer chunk(final int position)
    {
        return chunks.get(position >>> OFFSET_BITS);
    }

    private static int offset(final int position)
    {
        return (position & ((1 << OFFSET_BITS) - 1)) << UNIT_SHIFT;
    }

    private void nextChunk(final int recordLength)
    {
        final int index = currentChunk + 1;
        if (index == MAX_CHUNKS)
        {
            // Its own type: the store must not read this as its map being full and grow the map.
            throw new DeltaLogFullException("the changes of one checkpoint interval outgrew the delta log (" +
                MAX_CHUNKS + " log chunks of " + CHUNK_BYTES + " bytes): take checkpoints more often, or keep " +
                "smaller values");
        }
        if (index == chunkLengths.length)
        {
            chunkLengths = Arrays.copyOf(chunkLengths, index * 2);
        }
        if (currentChunk >= 0)
        {
            chunkLengths[currentChunk] = currentOffset;
        }
        // Chunks are aligned, so every record is on an 8-byte boundary and its position fits the packed form.
        chunks.prepare(index, recordLength);
        // The bitmap chunk may hold the bits of an earlier interval: clear it as the log enters it, a 64 KiB fill
        // per 4 MiB of records rather than a pause at the snapshot point.
        deadBits.prepare(index, 0).setMemory(0, BITMAP_CHUNK_BYTES, (byte)0);
        currentChunk = index;
        currentOffset = 0;
    }
}
