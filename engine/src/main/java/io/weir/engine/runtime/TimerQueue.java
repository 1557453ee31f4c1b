package io.weir.engine.runtime;

import io.weir.engine.state.KeyContext;
import io.weir.engine.state.StateLayoutDescriptor;
import io.weir.state.changes.KeyLogIndex;
import org.agrona.BitUtil;
import org.agrona.BufferUtil;
import io.weir.state.spi.SmallCopy;
import io.weir.state.spi.StateKeyDescriptor;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A shard's timers of one time domain, fired in (timestamp, registration order), deduplicated per
 * (key, namespace, timestamp), in primitive arrays and off-heap records so that registering, deleting and firing
 * timers allocate nothing once they have grown to the working size.
 * <p>
 * A timer is found (to deduplicate a registration, or to delete it) in its wheel bucket, or through an
 * open-addressing index. The first {@value #SHORT_BUCKET} timers a bucket holds are left out of the index: each
 * stays among the first {@value #SHORT_BUCKET} of its bucket (it was appended when the bucket held fewer, and
 * only deletes move it), so a look-up walks that many at most. Later ones, and every heap timer, are indexed, and a
 * look-up probes the index only where the timer may be there: its bucket is longer than the walk, or the heap holds
 * timers. Where timers spread over the milliseconds (a deduplication flag's expiry, a session's end), a look-up
 * then reads the bucket array near the buckets just used instead of a random line of an index as large as the
 * queue.
 * <p>
 * Order is kept in two places, merged when polling. A timer that keeps the wheel's timers within {@code wheelSize}
 * ms of one another goes to the wheel: a bucket per millisecond ({@code timestamp & (wheelSize - 1)}), each a list
 * in registration order, with a bitmap of the buckets in use; registering, deleting and firing there are O(1).
 * Every other timer (too far ahead of or behind the wheel's) goes to a 4-ary min-heap that keeps each place's
 * timestamp and registration order in arrays of its own, in heap order. Event-time timers mostly fall within a
 * minute or two of the watermark, so most never touch the heap (whose sift was a tenth of the dedup job's time).
 * <p>
 * Each timer has a slot: a record of its fields and, for keys up to {@code keySlotBytes}, its key, one cache line
 * for the default 16 key bytes, so that a timer fired a minute after it was registered misses the cache once.
 * Longer keys are kept in a per-slot byte array.
 * <p>
 * A snapshot copy ({@link #beginCopy}) is incremental: it fixes the timers registered so far (by their registration
 * sequence) and copies nothing itself; {@link #copyStep} then copies a bounded run of slots per call, skipping free
 * slots and timers registered after the copy began. A timer of the copy that is deleted or fired before the copy
 * reached its slot is copied at that moment (its pre-image), so the copy is exactly the set at {@link #beginCopy}.
 * Owned by the shard thread: every method, the copy's included, is called on it.
 */
public final class TimerQueue
{
    private static final int EMPTY = 0;
    /** The sequence of a free slot: later than any copy's, so a copy skips it. */
    private static final long FREE = Long.MAX_VALUE;
    /** The heap place ({@link #HEAP_INDEX_OFFSET}) of a timer in the wheel. */
    private static final int IN_WHEEL = -1;
    private static final int NONE = -1;
    /** Timers a wheel bucket holds before the further ones go to the index. */
    static final int SHORT_BUCKET = 2;
    /** Milliseconds the wheel spans: the dedup job's timers lie 60-65 s ahead of the watermark. */
    public static final int WHEEL_SIZE_DEFAULT = 1 << 17;

    /**
     * A timer's record: its fields, then its key when the key fits the record (else the key is in
     * {@link #overflowKeys}). Firing a timer registered long ago then misses the cache once for the record, not
     * once per field.
     */
    private static final int TIMESTAMP_OFFSET = 0;
    private static final int NAMESPACE_OFFSET = 8;
    private static final int SEQUENCE_OFFSET = 16;
    private static final int HASH_OFFSET = 24;
    private static final int KEY_GROUP_OFFSET = 28;
    private static final int KEY_LENGTH_OFFSET = 32;
    /** The timer's heap place, or {@link #IN_WHEEL}. */
    private static final int HEAP_INDEX_OFFSET = 36;
    private static final int PREVIOUS_IN_BUCKET_OFFSET = 40;
    /** Whether the index holds the timer: {@link #INDEXED}, or 0 for one only its bucket lists. */
    private static final int INDEXED_OFFSET = 44;
    private static final int INDEXED = 1;
    private static final int KEY_OFFSET = 48;
    private static final int RECORD_ALIGNMENT = 64;

    private final int keySlotBytes;
    private final int recordBytes;
    private int capacity;
    private UnsafeBuffer records;
    /**
     * Each wheel timer's successor in its bucket, outside the records: walking the wheel in firing order then reads
     * this dense array, not one record after another, and the records of the timers it finds load in parallel.
     */
    private int[] nextInBucket;
    private byte[][] overflowKeys;

    /** Slot, timestamp and registration order of each heap place. */
    private int[] heap;
    private long[] heapTimestamps;
    private long[] heapSequences;
    private int heapSize;
    /** Timers registered, in the heap and the wheel. */
    private int size;

    /** The wheel (allocated with its first timer): bucket lists, and bitmaps of buckets and of words in use. */
    private final int wheelMask;
    private int[] bucketHeads;
    private int[] bucketTails;
    private long[] bucketBits;
    private long[] wordBits;
    /** No wheel timer is earlier; every wheel timer is earlier than {@code wheelBase + wheelSize}. */
    private long wheelBase;
    /** No wheel timer is later (the latest put in since the wheel was last empty). */
    private long wheelMax;
    private int wheelCount;
    /** The bucket of the timer a walk ({@link #walkFirst}, {@link #walkNext}) returned last. */
    private int walkBucket;
    /** Free slots, the last freed on top: its record, just read by a firing, is still in the cache. */
    private int[] freeSlots;
    private int freeCount;
    private int slotHighWater;
    private long nextSequence;

    /**
     * Open-addressing index: entries are the timer's hash in the high 32 bits and slot + 1 in the low, 0 is empty;
     * linear probing with backward-shift delete. The hash in the entry lets a probe pass other timers without
     * reading their slots, and a delete shift without reading their hashes.
     */
    private long[] index;
    private int indexMask;
    /** Timers the index holds: none, and a look-up need not probe it. */
    private int indexedCount;
    /** Timers {@link #findInBucket} looked at, at most {@link #SHORT_BUCKET}. */
    private int bucketWalked;

    /** Consumes the index entries {@link #collectKeys} loads, so that the JIT cannot drop the loads. */
    private long touchSink;
    /** The timers' slots that {@link #collectKeys} found, before it reads their records. */
    private int[] dueSlots = new int[0];
    /** The timestamp of each of {@link #dueSlots} taken from the wheel; {@code Long.MAX_VALUE} for the heap's. */
    private long[] dueTimes = new long[0];
    /** What {@link #collectedThrough} returns: how far in time the last collect's timers reach. */
    private long collectedThrough = Long.MIN_VALUE;
    private long polledTimestamp;
    private long polledNamespace;

    /** The copy in progress: timers with a sequence below copySequence in slots [copyCursor, copyEnd) are due. */
    private TimerVisitor copySink;
    private long copySequence;
    private int copyCursor;
    private int copyEnd;
    private long copied;
    private final UnsafeBuffer overflowView = new UnsafeBuffer(0, 0);

    public TimerQueue(final int initialCapacity, final int keySlotBytes)
    {
        this(initialCapacity, keySlotBytes, WHEEL_SIZE_DEFAULT);
    }

    /** @param wheelSize milliseconds the wheel spans: a power of two, at least 64. */
    public TimerQueue(final int initialCapacity, final int keySlotBytes, final int wheelSize)
    {
        if (wheelSize < 64 || Integer.bitCount(wheelSize) != 1)
        {
            throw new IllegalArgumentException("wheelSize must be a power of two of at least 64: " + wheelSize);
        }
        final int capacity = BitUtil.findNextPositivePowerOfTwo(Math.max(16, initialCapacity));
        this.wheelMask = wheelSize - 1;
        this.keySlotBytes = keySlotBytes;
        this.recordBytes = BitUtil.align(KEY_OFFSET + keySlotBytes, Long.BYTES);
        if ((long)capacity * recordBytes > Integer.MAX_VALUE)
        {
            throw new IllegalArgumentException("initial capacity of " + capacity + " timers of " + recordBytes +
                " bytes each exceeds 2 GiB");
        }
        this.capacity = capacity;
        records = new UnsafeBuffer(BufferUtil.allocateDirectAligned(capacity * recordBytes, RECORD_ALIGNMENT));
        overflowKeys = new byte[capacity][];
        nextInBucket = new int[capacity];
        heap = new int[capacity];
        heapTimestamps = new long[capacity];
        heapSequences = new long[capacity];
        freeSlots = new int[capacity];
        index = new long[capacity * 2];
        indexMask = index.length - 1;
    }

    public int size()
    {
        return size;
    }

    public boolean isEmpty()
    {
        return size == 0;
    }

    /** @return the earliest timestamp, or {@code Long.MAX_VALUE} when empty. */
    public long peekTimestamp()
    {
        if (size == 0)
        {
            return Long.MAX_VALUE;
        }
        final int slot = earliest();
        return timestampOf(slot);
    }

    /**
     * Register a timer for the key at {@code key[0, keyLength)}.
     *
     * @return false if the same (key, namespace, timestamp) timer was already registered.
     */
    public boolean add(
        final long timestamp, final long namespace, final int keyGroup, final DirectBuffer key, final int keyLength)
    {
        if (NONE != findInBucket(timestamp, namespace, key, keyLength))
        {
            return false;
        }
        final int walked = bucketWalked;
        // The hash only where the index is probed or takes the timer: most timers need neither.
        final boolean probe = mayBeIndexed(walked);
        int hash = probe ? hash(timestamp, namespace, key, keyLength) : 0;
        if (probe && find(hash, timestamp, namespace, key, keyLength) >= 0)
        {
            return false;
        }
        final boolean indexed = walked >= SHORT_BUCKET || !fitsWheel(timestamp);
        if (indexed && !probe)
        {
            hash = hash(timestamp, namespace, key, keyLength);
        }
        final int slot = store(timestamp, namespace, keyGroup, key, keyLength, indexed ? INDEXED : 0);
        if (indexed)
        {
            setHash(slot, hash);
            insertIndex(hash, slot);
            indexedCount++;
        }
        order(slot, timestamp);
        return true;
    }

    /**
     * Whether a timer {@link #findInBucket} did not find, after walking {@code walked} of its bucket, may be in the
     * index: if the bucket holds more than it walked (its later timers are indexed), or in the heap (whose timers
     * are indexed, and may have any timestamp).
     */
    private boolean mayBeIndexed(final int walked)
    {
        return indexedCount > 0 && (walked >= SHORT_BUCKET || heapSize > 0);
    }

    /**
     * The timer of this timestamp, namespace and key among the first {@link #SHORT_BUCKET} of the timestamp's wheel
     * bucket, or {@link #NONE}; sets {@link #bucketWalked}. A timer left out of the index is always found here.
     */
    private int findInBucket(final long timestamp, final long namespace, final DirectBuffer key, final int keyLength)
    {
        int walked = 0;
        if (wheelCount > 0)
        {
            int slot = bucketHeads[(int)timestamp & wheelMask];
            while (slot != NONE && walked < SHORT_BUCKET)
            {
                if (timestampOf(slot) == timestamp && namespaceOf(slot) == namespace &&
                    keyEquals(slot, key, keyLength))
                {
                    bucketWalked = walked;
                    return slot;
                }
                walked++;
                slot = nextInBucket(slot);
            }
        }
        bucketWalked = walked;
        return NONE;
    }

    /**
     * A free slot, grown into if there is none, holding the timer's fields, key and {@code indexed} flag
     * ({@link #INDEXED} or 0), but not ordered yet.
     */
    private int store(
        final long timestamp, final long namespace, final int keyGroup, final DirectBuffer key, final int keyLength,
        final int indexed)
    {
        if (size == capacity)
        {
            grow();
        }
        final int slot = freeCount > 0 ? freeSlots[--freeCount] : slotHighWater++;
        setTimestamp(slot, timestamp);
        setNamespace(slot, namespace);
        setSequence(slot, nextSequence++);
        setKeyGroup(slot, keyGroup);
        setKeyLength(slot, keyLength);
        records.putInt(recordOffset(slot) + INDEXED_OFFSET, indexed);
        if (keyLength <= keySlotBytes)
        {
            SmallCopy.copy(records, keyOffset(slot), key, 0, keyLength);
        }
        else
        {
            final byte[] bytes = new byte[keyLength];
            key.getBytes(0, bytes);
            overflowKeys[slot] = bytes;
        }
        return slot;
    }

    /** Puts a stored timer in the wheel, or, if it does not fit it, in the heap. */
    private void order(final int slot, final long timestamp)
    {
        size++;
        if (fitsWheel(timestamp))
        {
            appendToWheel(slot, timestamp);
        }
        else
        {
            place(heapSize, slot, timestamp, sequenceOf(slot));
            heapSize++;
            siftUp(heapSize - 1);
        }
    }

    /** @return false if no such timer was registered (a no-op). */
    public boolean remove(final long timestamp, final long namespace, final DirectBuffer key, final int keyLength)
    {
        int slot = findInBucket(timestamp, namespace, key, keyLength);
        if (NONE == slot)
        {
            if (!mayBeIndexed(bucketWalked))
            {
                return false;
            }
            final int position = find(hash(timestamp, namespace, key, keyLength), timestamp, namespace, key, keyLength);
            if (position < 0)
            {
                return false;
            }
            slot = slotOf(index[position]);
            deleteIndexAt(position);
            indexedCount--;
        }
        else if (isIndexed(slot))
        {
            deleteIndexAt(findSlot(slot));
            indexedCount--;
        }
        unorder(slot);
        release(slot);
        return true;
    }

    /**
     * Remove the earliest timer if its timestamp is {@code <= upTo}, make its key current in {@code keyContext},
     * and expose its timestamp and namespace through {@link #polledTimestamp()} / {@link #polledNamespace()}.
     *
     * @return true if a timer was polled.
     */
    public boolean pollDue(final long upTo, final KeyContext keyContext)
    {
        if (size == 0)
        {
            return false;
        }
        final int slot = earliest();
        if (timestampOf(slot) > upTo)
        {
            return false;
        }
        polledTimestamp = timestampOf(slot);
        polledNamespace = namespaceOf(slot);
        final int keyLength = keyLengthOf(slot);
        if (keyLength <= keySlotBytes)
        {
            keyContext.setCurrentKey(records, keyOffset(slot), keyLength, keyGroupOf(slot));
        }
        else
        {
            overflowView.wrap(overflowKeys[slot]); // the key context copies the key
            keyContext.setCurrentKey(overflowView, 0, keyLength, keyGroupOf(slot));
        }
        if (isIndexed(slot))
        {
            deleteIndexAt(findSlot(slot));
            indexedCount--;
        }
        unorder(slot);
        release(slot);
        return true;
    }

    /**
     * For a look-ahead prefetch of the state the next timers will touch: for each timer up to {@code upTo}
     * ({@code timestamp <= upTo}; the chain passes {@code Long.MAX_VALUE}, for the next timers whether due or not)
     * among the first {@code positions} timers looked at (the wheel's in firing order, and the heap's
     * first places: the earliest timers, so the ones fired next, though not in firing order; the heap's first while
     * its earliest precedes the wheel's next, else after the wheel's), write one store key per entry of {@code
     * stateIds[0, stateCount)} and one per entry of {@code namespacedIds[0, namespacedCount)} scoped by the timer's
     * namespace (entries as {@link PrefetchedStates} packs them), each at {@code i * stride} of {@code keys}, its
     * length in {@code lengths[i]}. Skips keys longer than a stride holds. Loads the queue's own memory that firing
     * those timers reads, too.
     *
     * @return the number of keys written, at most {@code maxKeys}.
     */
    public int collectKeys(
        final long upTo,
        final int positions,
        final int[] stateIds,
        final int stateCount,
        final int[] namespacedIds,
        final int namespacedCount,
        final MutableDirectBuffer keys,
        final int stride,
        final int[] lengths,
        final int maxKeys)
    {
        final int perTimer = stateCount + namespacedCount;
        final int longest = StateKeyDescriptor.KEY_OFFSET + PrefetchedStates.MARKER_BYTES +
            (namespacedCount > 0 ? StateLayoutDescriptor.NAMESPACE_LENGTH : 0);
        // First the timers' slots, from the wheel's links and bitmaps and the heap's arrays, none from the
        // records: the walk then waits for no record, and the records' loads, issued next, are in flight together.
        if (dueSlots.length < positions)
        {
            dueSlots = new int[positions];
            dueTimes = new long[positions];
        }
        final int[] dueSlots = this.dueSlots;
        final long[] dueTimes = this.dueTimes;
        int due = 0;
        int wheelSlot = walkFirst();
        int wheelVisited = 0;
        int heapPosition = 0;
        for (int i = 0; i < positions; i++)
        {
            // The wheel's timers in firing order while none of the heap's is earlier (heap timers restored or set
            // behind the wheel fire first); then the heap's first places, the earliest, though not in firing order.
            if (wheelSlot != NONE && walkTimestamp() <= upTo &&
                (heapPosition >= heapSize || walkTimestamp() <= heapTimestamps[0]))
            {
                // The first one past upTo ends the wheel's part.
                dueTimes[due] = walkTimestamp();
                dueSlots[due++] = wheelSlot;
                wheelSlot = ++wheelVisited < wheelCount ? walkNext(wheelSlot) : NONE;
            }
            else if (heapPosition < heapSize)
            {
                if (heapTimestamps[heapPosition] <= upTo)
                {
                    // A heap place says nothing of how far the timers taken reach: the later ones may lie anywhere.
                    dueTimes[due] = Long.MAX_VALUE;
                    dueSlots[due++] = heap[heapPosition];
                }
                heapPosition++;
            }
            else
            {
                break;
            }
        }
        long touched = 0;
        for (int i = 0; i < due; i++)
        {
            touched += records.getLong(recordOffset(dueSlots[i]) + HASH_OFFSET);
        }
        int count = 0;
        long through = Long.MIN_VALUE;
        for (int i = 0; i < due && count + perTimer <= maxKeys; i++)
        {
            final int slot = dueSlots[i];
            through = Math.max(through, dueTimes[i]);
            if (isIndexed(slot))
            {
                // The index entry that firing the timer looks for: loaded now, with the other timers' entries.
                touched += index[hashOfSlot(slot) & indexMask];
            }
            final int keyLength = keyLengthOf(slot);
            if (keyLength > keySlotBytes || longest + keyLength > stride)
            {
                continue;
            }
            for (int st = 0; st < stateCount; st++)
            {
                lengths[count] = PrefetchedStates.writeKey(keys, count * stride, keyGroupOf(slot), stateIds[st],
                    records, keyOffset(slot), keyLength, false, 0);
                count++;
            }
            for (int st = 0; st < namespacedCount; st++)
            {
                lengths[count] = PrefetchedStates.writeKey(keys, count * stride, keyGroupOf(slot), namespacedIds[st],
                    records, keyOffset(slot), keyLength, true, namespaceOf(slot));
                count++;
            }
        }
        touchSink += touched;
        collectedThrough = through;
        return count;
    }

    /**
     * How far in time the timers whose keys the latest {@link #collectKeys} wrote reach: the timestamp of the last
     * of them, all from the wheel, in firing order; {@code Long.MAX_VALUE} if any came from the heap, whose places
     * say nothing of where the timers not taken lie; {@code Long.MIN_VALUE} if it wrote none.
     */
    public long collectedThrough()
    {
        return collectedThrough;
    }

    public long polledTimestamp()
    {
        return polledTimestamp;
    }

    public long polledNamespace()
    {
        return polledNamespace;
    }

    /** Receives timers in no particular order; the key buffer is valid only for the call. */
    @FunctionalInterface
    public interface TimerVisitor
    {
        void onTimer(long timestamp, long namespace, int keyGroup, DirectBuffer key, int keyOffset, int keyLength);
    }

    /**
     * Start a copy of the timers registered now, to be made by {@link #copyStep} and by the deletes and firings
     * until it is done. O(1): nothing is copied here. A copy still in progress is finished first.
     *
     * @param sink receives each timer of the copy exactly once, in no particular order.
     */
    public void beginCopy(final TimerVisitor sink)
    {
        if (isCopying())
        {
            copyStep(Integer.MAX_VALUE);
        }
        copySink = sink;
        copySequence = nextSequence;
        copyCursor = 0;
        copyEnd = slotHighWater;
        if (0 == copyEnd)
        {
            copySink = null;
        }
    }

    /**
     * Copy the timers of the copy in progress among the next {@code maxSlots} slots.
     *
     * @return the slots looked at, 0 when no copy is in progress.
     */
    public int copyStep(final int maxSlots)
    {
        if (null == copySink)
        {
            return 0;
        }
        final int from = copyCursor;
        final int to = (int)Math.min(copyEnd, (long)from + maxSlots);
        for (int slot = from; slot < to; slot++)
        {
            if (sequenceOf(slot) < copySequence)
            {
                copySlot(slot);
            }
        }
        copyCursor = to;
        if (to == copyEnd)
        {
            copySink = null;
        }
        return to - from;
    }

    /** Whether a copy begun by {@link #beginCopy} still has slots to copy. */
    public boolean isCopying()
    {
        return null != copySink;
    }

    /** Stop the copy in progress, if any; what it copied so far stays with its sink. */
    public void abandonCopy()
    {
        copySink = null;
    }

    /** Timers copied by copies so far, in steps and as pre-images (for tests and counters). */
    public long timersCopied()
    {
        return copied;
    }

    private void copySlot(final int slot)
    {
        copied++;
        final byte[] overflow = keyLengthOf(slot) > keySlotBytes ? overflowKeys[slot] : null;
        if (overflow == null)
        {
            copySink.onTimer(timestampOf(slot), namespaceOf(slot), keyGroupOf(slot), records, keyOffset(slot),
                keyLengthOf(slot));
        }
        else
        {
            overflowView.wrap(overflow);
            copySink.onTimer(timestampOf(slot), namespaceOf(slot), keyGroupOf(slot), overflowView, 0, overflow.length);
        }
    }

    /** Visit every registered timer (for tests and tools). */
    public void forEach(final TimerVisitor visitor)
    {
        int wheelSlot = walkFirst();
        for (int i = 0; i < size; i++)
        {
            final int slot;
            if (i < wheelCount)
            {
                slot = wheelSlot;
                wheelSlot = i + 1 < wheelCount ? walkNext(slot) : NONE;
            }
            else
            {
                slot = heap[i - wheelCount];
            }
            final byte[] overflow = keyLengthOf(slot) > keySlotBytes ? overflowKeys[slot] : null;
            if (overflow == null)
            {
                visitor.onTimer(timestampOf(slot), namespaceOf(slot), keyGroupOf(slot), records, keyOffset(slot),
                    keyLengthOf(slot));
            }
            else
            {
                visitor.onTimer(timestampOf(slot), namespaceOf(slot), keyGroupOf(slot), new UnsafeBuffer(overflow), 0,
                    overflow.length);
            }
        }
    }

    private void release(final int slot)
    {
        if (null != copySink && slot >= copyCursor && slot < copyEnd && sequenceOf(slot) < copySequence)
        {
            copySlot(slot); // the copy has not reached it yet: its pre-image
        }
        if (keyLengthOf(slot) > keySlotBytes)
        {
            overflowKeys[slot] = null;
        }
        setSequence(slot, FREE);
        freeSlots[freeCount++] = slot;
    }

    private static int hash(final long timestamp, final long namespace, final DirectBuffer key, final int keyLength)
    {
        final long h = KeyGroups.hash(key, 0, keyLength) ^ KeyGroups.mix(timestamp * 31 + namespace);
        return (int)(h ^ (h >>> 32));
    }

    private int find(
        final int hash, final long timestamp, final long namespace, final DirectBuffer key, final int keyLength)
    {
        int position = hash & indexMask;
        while (true)
        {
            final long entry = index[position];
            if (entry == EMPTY)
            {
                return -1;
            }
            if (hashOf(entry) == hash)
            {
                final int slot = slotOf(entry);
                if (timestampOf(slot) == timestamp && namespaceOf(slot) == namespace && keyEquals(slot, key, keyLength))
                {
                    return position;
                }
            }
            position = (position + 1) & indexMask;
        }
    }

    private int findSlot(final int slot)
    {
        int position = hashOfSlot(slot) & indexMask;
        long entry;
        while (slotOf(entry = index[position]) != slot)
        {
            if (entry == EMPTY)
            {
                throw new IllegalStateException("timer slot " + slot + " is not in the timer index");
            }
            position = (position + 1) & indexMask;
        }
        return position;
    }

    private boolean keyEquals(final int slot, final DirectBuffer key, final int keyLength)
    {
        if (keyLengthOf(slot) != keyLength)
        {
            return false;
        }
        if (keyLength > keySlotBytes)
        {
            final byte[] overflow = overflowKeys[slot];
            for (int i = 0; i < keyLength; i++)
            {
                if (overflow[i] != key.getByte(i))
                {
                    return false;
                }
            }
            return true;
        }
        return KeyLogIndex.sameBytes(records, keyOffset(slot), key, 0, keyLength);
    }

    private void insertIndex(final int hash, final int slot)
    {
        int position = hash & indexMask;
        while (index[position] != EMPTY)
        {
            position = (position + 1) & indexMask;
        }
        index[position] = ((long)hash << 32) | (slot + 1L);
    }

    private static int slotOf(final long indexEntry)
    {
        return (int)indexEntry - 1;
    }

    private static int hashOf(final long indexEntry)
    {
        return (int)(indexEntry >>> 32);
    }

    private void deleteIndexAt(final int position)
    {
        int hole = position;
        int next = (hole + 1) & indexMask;
        while (index[next] != EMPTY)
        {
            final int ideal = hashOf(index[next]) & indexMask;
            // Move the entry back into the hole unless its ideal position lies cyclically in (hole, next].
            final boolean stays = hole <= next ? (hole < ideal && ideal <= next) : (hole < ideal || ideal <= next);
            if (!stays)
            {
                index[hole] = index[next];
                hole = next;
            }
            next = (next + 1) & indexMask;
        }
        index[hole] = EMPTY;
    }

    private void place(final int position, final int slot, final long timestamp, final long sequence)
    {
        heap[position] = slot;
        heapTimestamps[position] = timestamp;
        heapSequences[position] = sequence;
        setHeapIndex(slot, position);
    }

    private void siftUp(final int position)
    {
        int child = position;
        final int slot = heap[child];
        final long timestamp = heapTimestamps[child];
        final long sequence = heapSequences[child];
        while (child > 0)
        {
            final int parent = (child - 1) >>> 2;
            final long parentTimestamp = heapTimestamps[parent];
            if (parentTimestamp < timestamp || (parentTimestamp == timestamp && heapSequences[parent] < sequence))
            {
                break;
            }
            place(child, heap[parent], parentTimestamp, heapSequences[parent]);
            child = parent;
        }
        place(child, slot, timestamp, sequence);
    }

    private void siftDown(final int position)
    {
        int parent = position;
        final int slot = heap[parent];
        final long timestamp = heapTimestamps[parent];
        final long sequence = heapSequences[parent];
        while (true)
        {
            final int first = 4 * parent + 1;
            if (first >= heapSize)
            {
                break;
            }
            int least = first;
            long leastTimestamp = heapTimestamps[first];
            long leastSequence = heapSequences[first];
            for (int child = first + 1, end = Math.min(first + 4, heapSize); child < end; child++)
            {
                final long childTimestamp = heapTimestamps[child];
                if (childTimestamp < leastTimestamp ||
                    (childTimestamp == leastTimestamp && heapSequences[child] < leastSequence))
                {
                    least = child;
                    leastTimestamp = childTimestamp;
                    leastSequence = heapSequences[child];
                }
            }
            if (timestamp < leastTimestamp || (timestamp == leastTimestamp && sequence < leastSequence))
            {
                break;
            }
            place(parent, heap[least], leastTimestamp, leastSequence);
            parent = least;
        }
        place(parent, slot, timestamp, sequence);
    }

    private void removeFromHeap(final int position)
    {
        heapSize--;
        if (position == heapSize)
        {
            return;
        }
        final int moved = heap[heapSize];
        place(position, moved, heapTimestamps[heapSize], heapSequences[heapSize]);
        siftDown(position);
        if (heap[position] == moved)
        {
            siftUp(position);
        }
    }

    private void grow()
    {
        final int grown = capacity * 2;
        if ((long)grown * recordBytes > Integer.MAX_VALUE)
        {
            throw new IllegalStateException("a shard's timer queue holds at most " + capacity + " timers of " +
                recordBytes + " bytes each: register fewer timers per shard, or run more shards");
        }
        final ByteBuffer arena = BufferUtil.allocateDirectAligned(grown * recordBytes, RECORD_ALIGNMENT);
        final UnsafeBuffer grownRecords = new UnsafeBuffer(arena);
        grownRecords.putBytes(0, records, 0, capacity * recordBytes);
        records = grownRecords;
        capacity = grown;
        overflowKeys = Arrays.copyOf(overflowKeys, grown);
        nextInBucket = Arrays.copyOf(nextInBucket, grown);
        heap = Arrays.copyOf(heap, grown);
        heapTimestamps = Arrays.copyOf(heapTimestamps, grown);
        heapSequences = Arrays.copyOf(heapSequences, grown);
        freeSlots = Arrays.copyOf(freeSlots, grown);
        index = new long[grown * 2];
        indexMask = index.length - 1;
        // Every slot below the high-water mark that is not free holds a timer (all are, when the arrays are full); the
        // indexed ones go back in the index.
        for (int slot = 0; slot < slotHighWater; slot++)
        {
            if (sequenceOf(slot) != FREE && isIndexed(slot))
            {
                insertIndex(hashOfSlot(slot), slot);
            }
        }
    }

    /** The slot of the earliest timer, by (timestamp, registration order); the queue is not empty. */
    private int earliest()
    {
        int slot = firstInWheel();
        if (slot != NONE)
        {
            wheelBase = timestampOf(slot); // no wheel timer is earlier: the window may start there
        }
        if (heapSize > 0 && (slot == NONE || heapTimestamps[0] < timestampOf(slot) ||
            (heapTimestamps[0] == timestampOf(slot) && heapSequences[0] < sequenceOf(slot))))
        {
            slot = heap[0];
        }
        return slot;
    }

    /** The wheel's earliest timer, or {@link #NONE}. */
    private int firstInWheel()
    {
        return wheelCount > 0 ? bucketHeads[nextBucket((int)wheelBase & wheelMask)] : NONE;
    }

    /** Take a registered timer out of the wheel or the heap. */
    private void unorder(final int slot)
    {
        size--;
        final int position = heapIndexOf(slot);
        if (position == IN_WHEEL)
        {
            unlinkFromWheel(slot);
        }
        else
        {
            removeFromHeap(position);
        }
    }

    private boolean fitsWheel(final long timestamp)
    {
        if (wheelCount == 0)
        {
            if (null == bucketHeads)
            {
                allocateWheel();
            }
            wheelBase = timestamp;
            wheelMax = timestamp;
            return true;
        }
        // Unsigned: the difference of two longs, the later one first, cannot be negative as an unsigned value.
        if (timestamp >= wheelBase)
        {
            if (Long.compareUnsigned(timestamp - wheelBase, wheelMask) <= 0)
            {
                wheelMax = Math.max(wheelMax, timestamp);
                return true;
            }
            return false;
        }
        // Before the wheel's earliest (timers restored out of order, or a far one first): the wheel may start
        // there if its latest stays within one turn.
        if (Long.compareUnsigned(wheelMax - timestamp, wheelMask) <= 0)
        {
            wheelBase = timestamp;
            return true;
        }
        return false;
    }

    private void allocateWheel()
    {
        final int buckets = wheelMask + 1;
        bucketHeads = new int[buckets];
        bucketTails = new int[buckets];
        Arrays.fill(bucketHeads, NONE);
        Arrays.fill(bucketTails, NONE);
        bucketBits = new long[buckets >>> 6];
        wordBits = new long[Math.max(1, bucketBits.length >>> 6)];
    }

    private void appendToWheel(final int slot, final long timestamp)
    {
        final int bucket = (int)timestamp & wheelMask;
        final int tail = bucketTails[bucket];
        setNextInBucket(slot, NONE);
        setPreviousInBucket(slot, tail);
        if (tail == NONE)
        {
            bucketHeads[bucket] = slot;
            final int word = bucket >>> 6;
            if (0 == bucketBits[word])
            {
                wordBits[word >>> 6] |= 1L << word;
            }
            bucketBits[word] |= 1L << bucket;
        }
        else
        {
            setNextInBucket(tail, slot);
        }
        bucketTails[bucket] = slot;
        setHeapIndex(slot, IN_WHEEL);
        wheelCount++;
    }

    private void unlinkFromWheel(final int slot)
    {
        final int bucket = (int)timestampOf(slot) & wheelMask;
        final int previous = previousInBucket(slot);
        final int next = nextInBucket(slot);
        if (previous == NONE)
        {
            bucketHeads[bucket] = next;
        }
        else
        {
            setNextInBucket(previous, next);
        }
        if (next == NONE)
        {
            bucketTails[bucket] = previous;
        }
        else
        {
            setPreviousInBucket(next, previous);
        }
        if (bucketHeads[bucket] == NONE)
        {
            final int word = bucket >>> 6;
            bucketBits[word] &= ~(1L << bucket);
            if (0 == bucketBits[word])
            {
                wordBits[word >>> 6] &= ~(1L << word);
            }
        }
        wheelCount--;
    }

    /** Starts a walk of the wheel in firing order: its earliest timer, or {@link #NONE}. */
    private int walkFirst()
    {
        if (wheelCount == 0)
        {
            return NONE;
        }
        walkBucket = nextBucket((int)wheelBase & wheelMask);
        return bucketHeads[walkBucket];
    }

    /**
     * The wheel timer after {@code slot}, the one the walk returned last, in firing order; the wheel holds one. It
     * comes from the bucket links and bitmaps, not from the slot's record, whose load is then not waited for.
     */
    private int walkNext(final int slot)
    {
        final int next = nextInBucket(slot);
        if (next != NONE)
        {
            return next;
        }
        walkBucket = nextBucket((walkBucket + 1) & wheelMask);
        return bucketHeads[walkBucket];
    }

    /**
     * The timestamp of the timers in the bucket the walk is at, from the bucket's number alone: the wheel's timers lie
     * within one turn from {@link #wheelBase}, so each bucket in use holds one timestamp.
     */
    private long walkTimestamp()
    {
        return wheelBase + ((walkBucket - wheelBase) & wheelMask);
    }

    /**
     * The first bucket in use at or after {@code from}, going round the wheel: the earliest from there, as the
     * wheel's timers lie within one turn of {@link #wheelBase}. The wheel holds a timer.
     */
    private int nextBucket(final int from)
    {
        final int fromWord = from >>> 6;
        final long here = bucketBits[fromWord] & (-1L << from);
        if (0 != here)
        {
            return (fromWord << 6) + Long.numberOfTrailingZeros(here);
        }
        final int word = nextWord((fromWord + 1) & (bucketBits.length - 1));
        // Back at fromWord after a full turn, only its buckets before from are left.
        return (word << 6) + Long.numberOfTrailingZeros(bucketBits[word]);
    }

    /** The first word of buckets with one in use at or after {@code from}, going round; one is in use. */
    private int nextWord(final int from)
    {
        final int words = bucketBits.length;
        if (words < 64)
        {
            // One summary word, holding only the first `words` bits.
            final long summary = wordBits[0];
            final long atOrAfter = summary & (-1L << from);
            return Long.numberOfTrailingZeros(0 != atOrAfter ? atOrAfter : summary);
        }
        final int fromSummary = from >>> 6;
        long bits = wordBits[fromSummary] & (-1L << from);
        int summary = fromSummary;
        for (int i = 0; i <= wordBits.length; i++)
        {
            if (0 != bits)
            {
                return (summary << 6) + Long.numberOfTrailingZeros(bits);
            }
            summary = (summary + 1) & (wordBits.length - 1);
            bits = wordBits[summary];
        }
        throw new IllegalStateException("timer wheel bitmaps disagree: " + wheelCount + " timers, no bucket in use");
    }

    private int recordOffset(final int slot)
    {
        return slot * recordBytes;
    }

    private int keyOffset(final int slot)
    {
        return slot * recordBytes + KEY_OFFSET;
    }

    private long timestampOf(final int slot)
    {
        return records.getLong(recordOffset(slot) + TIMESTAMP_OFFSET);
    }

    private void setTimestamp(final int slot, final long timestamp)
    {
        records.putLong(recordOffset(slot) + TIMESTAMP_OFFSET, timestamp);
    }

    private long namespaceOf(final int slot)
    {
        return records.getLong(recordOffset(slot) + NAMESPACE_OFFSET);
    }

    private void setNamespace(final int slot, final long namespace)
    {
        records.putLong(recordOffset(slot) + NAMESPACE_OFFSET, namespace);
    }

    /** The timer's registration order, or {@link #FREE}. */
    private long sequenceOf(final int slot)
    {
        return records.getLong(recordOffset(slot) + SEQUENCE_OFFSET);
    }

    private void setSequence(final int slot, final long sequence)
    {
        records.putLong(recordOffset(slot) + SEQUENCE_OFFSET, sequence);
    }

    private int hashOfSlot(final int slot)
    {
        return records.getInt(recordOffset(slot) + HASH_OFFSET);
    }

    private void setHash(final int slot, final int hash)
    {
        records.putInt(recordOffset(slot) + HASH_OFFSET, hash);
    }

    private int keyGroupOf(final int slot)
    {
        return records.getInt(recordOffset(slot) + KEY_GROUP_OFFSET);
    }

    private void setKeyGroup(final int slot, final int keyGroup)
    {
        records.putInt(recordOffset(slot) + KEY_GROUP_OFFSET, keyGroup);
    }

    private int keyLengthOf(final int slot)
    {
        return records.getInt(recordOffset(slot) + KEY_LENGTH_OFFSET);
    }

    private void setKeyLength(final int slot, final int keyLength)
    {
        records.putInt(recordOffset(slot) + KEY_LENGTH_OFFSET, keyLength);
    }

    private boolean isIndexed(final int slot)
    {
        return records.getInt(recordOffset(slot) + INDEXED_OFFSET) == INDEXED;
    }

    private int heapIndexOf(final int slot)
    {
        return records.getInt(recordOffset(slot) + HEAP_INDEX_OFFSET);
    }

    private void setHeapIndex(final int slot, final int position)
    {
        records.putInt(recordOffset(slot) + HEAP_INDEX_OFFSET, position);
    }

    private int nextInBucket(final int slot)
    {
        return nextInBucket[slot];
    }

    private void setNextInBucket(final int slot, final int next)
    {
        nextInBucket[slot] = next;
    }

    private int previousInBucket(final int slot)
    {
        return records.getInt(recordOffset(slot) + PREVIOUS_IN_BUCKET_OFFSET);
    }

    private void setPreviousInBucket(final int slot, final int previous)
    {
        records.putInt(recordOffset(slot) + PREVIOUS_IN_BUCKET_OFFSET, previous);
    }
}
