package io.weir.engine.state;

import io.weir.api.codec.Codec;
import io.weir.api.state.ListState;
import io.weir.api.state.StateDescriptor;
import io.weir.state.changes.KeyLogIndex;
import io.weir.state.spi.KeyedStateStore;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.EpochClock;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import static io.weir.engine.state.StateLayoutDescriptor.*;

/**
 * A list per key as chunks of packed elements (see {@link StateLayoutDescriptor}): a head and sealed chunks of
 * at least {@link StateLayoutDescriptor#LIST_CHUNK_TARGET_BYTES} each, so every operation costs one store access
 * per chunk, not per element. The open chunk (the list's tail) lives in the head itself: {@link #add} is one read
 * and one write, and a list shorter than a chunk is one entry. With TTL each element keeps its own timestamp and
 * expires on its own; every chunk leads with its newest element's timestamp and the head with one no earlier than
 * any of the list's, so snapshot and incremental cleanup drop a chunk once all its elements expired, and the head
 * (the list) once all of the list's did. A TTL'd head of an earlier layout holds only the chunk range and no timestamp;
 * it is read as a list with an empty tail and rewritten in this layout by the list's next write.
 * <p>
 * {@link ObjectListStateView} is the {@link ListState} of it, {@link LongListStateView} the primitive
 * {@link io.weir.api.state.LongListState}: the same entries, so a state may change between the two across a restore.
 * <p>
 * Shard thread only.
 */
abstract class ListStateView<T> extends AbstractStateView
{
    /** Holes allowed in a list's chunk range beyond twice its chunk count before an update renumbers it. */
    static final int RENUMBER_SLACK = 8;

    private final Codec<T> codec;
    /** Offset of the first element in a sealed chunk's value: after the newest timestamp when TTL is on. */
    private final int chunkDataOffset;
    /** Offset of the chunk range in the head: after the list's newest timestamp when TTL is on. */
    private final int headSeqOffset;
    /** Offset of the tail in the head: after the chunk range. */
    private final int headTailOffset;
    /** Bytes before an element's payload: its timestamp (TTL) and length. */
    private final int elementHeaderLength;
    /** The head as read or about to be written: {@code [maxTs]? [firstSeq][nextSeq][tail]}. */
    private final ExpandableDirectByteBuffer headBuffer = new ExpandableDirectByteBuffer(LIST_CHUNK_TARGET_BYTES * 2);
    /** The chunk being read or sealed. */
    private final ExpandableDirectByteBuffer chunkBuffer = new ExpandableDirectByteBuffer(LIST_CHUNK_TARGET_BYTES * 2);
    /** A chunk or tail being rebuilt from kept elements. */
    private final ExpandableDirectByteBuffer keptBuffer = new ExpandableDirectByteBuffer(LIST_CHUNK_TARGET_BYTES * 2);
    /** A value of {@link #update} encoded, to compare with a stored element. */
    private final ExpandableDirectByteBuffer encodedValue = new ExpandableDirectByteBuffer(64);
    /** The cached head's key, to compare with one that TTL cleanup removes. */
    private final ExpandableDirectByteBuffer currentHeadKey = new ExpandableDirectByteBuffer(64);
    private long firstSeq;
    private long nextSeq;
    /** Bytes of {@link #headBuffer} in use: {@link #headTailOffset} plus the tail. */
    private int headLength;
    /**
     * With TTL, no earlier than the newest timestamp of the list's elements (an update or a cleanup never lowers it):
     * written at the head's start, so that the head is dropped only once every element expired.
     */
    private long maxTs;
    /**
     * The {@link KeyContext#keyGeneration} (and namespace) for which {@link #firstSeq}, {@link #nextSeq},
     * {@link #maxTs}, {@link #headLength}, {@link #headBuffer} and {@link #headPresent} hold the stored head, or -1:
     * a get followed by an add or update of the same key reads the head once. Only this view writes its key's head,
     * and only its TTL cleanup removes it (see {@link #removeExpired}), so the copy stays true until the current key
     * changes; each operation invalidates it as it starts changing the fields.
     */
    private long headGeneration = -1;
    private long headNamespace;
    private boolean headPresent;
    /** The user's values of the operation under way, as {@link Elements}. */
    private final ListElements listElements = new ListElements();
    /** Where {@link #getList} collects the elements. */
    private ArrayList<T> collected;

    ListStateView(
        final KeyedStateStore store,
        final KeyContext keyContext,
        final EpochClock clock,
        final RegisteredState registration,
        final StateDescriptor descriptor,
        final Codec<T> codec)
    {
        super(store, keyContext, clock, registration, descriptor);
        this.codec = codec;
        this.chunkDataOffset = ttl != null ? TTL_TIMESTAMP_LENGTH : 0;
        this.headSeqOffset = ttl != null ? TTL_TIMESTAMP_LENGTH : 0;
        this.headTailOffset = headSeqOffset + LIST_HEAD_LENGTH;
        this.elementHeaderLength = payloadOffset + LIST_ELEMENT_LENGTH_LENGTH;
    }

    public void add(final T value)
    {
        checkElement(value);
        onAccess();
        final long nowMs = nowMs();
        final int baseLength = writeBaseKey(keyBuffer);
        readHead(baseLength);
        append(baseLength, listElements.of(value), 0, nowMs);
        listElements.release();
        writeHead(baseLength);
        headCurrent();
    }

    public void addAll(final List<T> values)
    {
        Objects.requireNonNull(values, "ListState.addAll(null): pass an empty list to add nothing");
        onAccess();
        if (values.isEmpty())
        {
            return;
        }
        for (int i = 0, size = values.size(); i < size; i++)
        {
            checkElement(values.get(i));
        }
        appendAll(listElements.of(values));
        listElements.release();
    }

    /** Append {@code values} to the current key's list (at least one). */
    final void appendAll(final Elements values)
    {
        final long nowMs = nowMs();
        final int baseLength = writeBaseKey(keyBuffer);
        readHead(baseLength);
        for (int i = 0, size = values.count(); i < size; i++)
        {
            append(baseLength, values, i, nowMs);
        }
        writeHead(baseLength);
        headCurrent();
    }

    public void update(final List<T> values)
    {
        Objects.requireNonNull(values, "ListState.update(null): use clear() to empty the list");
        for (int i = 0, size = values.size(); i < size; i++)
        {
            checkElement(values.get(i));
        }
        onAccess();
        replace(listElements.of(values));
        listElements.release();
    }

    /** Replace the current key's list with {@code values}. */
    final void replace(final Elements values)
    {
        final long nowMs = nowMs();
        final int baseLength = writeBaseKey(keyBuffer);
        if (readHead(baseLength))
        {
            if (ttl == null)
            {
                updateKeepingOrder(baseLength, values, nowMs);
                headCurrent();
                return;
            }
            if (values.count() > 0)
            {
                rewriteOverChunks(baseLength, values, nowMs);
                headCurrent();
                return;
            }
            removeChunksAndHead(baseLength);
        }
        rewrite(baseLength, values, nowMs);
        headCurrent();
    }

    /**
     * With TTL, replace the stored list by {@code values} (at least one), written over its chunks from
     * {@link #firstSeq} on and into the head's tail; the chunks left over are removed. Every element is written
     * again, as it must be to take a new timestamp, but an update that keeps the list's length puts as many entries
     * as it writes (and the head once more first, when the list has chunks and its stamp moves) instead of removing
     * every chunk and the head and creating them again.
     * <p>
     * Called with the head read.
     */
    private void rewriteOverChunks(final int baseLength, final Elements values, final long nowMs)
    {
        if (firstSeq != nextSeq && maxTs < nowMs)
        {
            // The head first: stamps newer than its own must never be stored under it, even if an encode fails.
            maxTs = nowMs;
            writeHead(baseLength);
        }
        final long oldNextSeq = nextSeq;
        nextSeq = firstSeq;
        headLength = headTailOffset;
        for (int i = 0, size = values.count(); i < size; i++)
        {
            append(baseLength, values, i, nowMs);
        }
        writeHead(baseLength);
        final int chunkKeyLength = baseLength + MARKER_LENGTH + LIST_SEQ_LENGTH;
        for (long seq = nextSeq; seq < oldNextSeq; seq++)
        {
            chunkKey(baseLength, seq);
            store.remove(keyBuffer, chunkKeyLength);
        }
    }

    /** The current key's visible elements, decoded into a new list. */
    final List<T> getList()
    {
        onAccess();
        final ArrayList<T> out = new ArrayList<>();
        collected = out;
        try
        {
            scan(writeBaseKey(keyBuffer), nowMs(), true);
        }
        finally
        {
            collected = null;
        }
        headCurrent();
        return out;
    }

    public int size()
    {
        onAccess();
        final int size = scan(writeBaseKey(keyBuffer), nowMs(), false);
        headCurrent();
        return size;
    }

    /** Visit the current key's visible elements through {@link #collect}; returns their number. */
    final int collectAll()
    {
        onAccess();
        final int size = scan(writeBaseKey(keyBuffer), nowMs(), true);
        headCurrent();
        return size;
    }

    /** One visible element of a scan that collects, its encoded bytes at {@code src[offset, offset + length)}. */
    void collect(final DirectBuffer src, final int offset, final int length)
    {
        collected.add(codec.decode(src, offset, length, null));
    }

    public void clear()
    {
        onAccess();
        clearList(writeBaseKey(keyBuffer));
        headCurrent();
    }

    /** The head fields hold the stored head of the current key: the next operation may skip reading it. */
    private void headCurrent()
    {
        headGeneration = keyContext.keyGeneration();
        headNamespace = currentNamespace();
    }

    /**
     * Replace the list with {@code values} while keeping, in place, the stored elements that begin it in order: a
     * stored element equal (byte for byte, encoded) to the next value still to place is kept; any other is dropped;
     * the values left over are appended. A chunk that keeps all its elements is not written; one that loses some is
     * rewritten once, or removed when it loses all.
     * <p>
     * Why: a function that prunes its history calls {@code get} and then {@code update} with what it keeps, often on
     * every event (the velocity job drops the oldest of its timestamps). Only without TTL: there {@code update} must
     * give every element a new timestamp, so each one is rewritten.
     * <p>
     * Called with the head read.
     */
    private void updateKeepingOrder(final int baseLength, final Elements values, final long nowMs)
    {
        final int chunkKeyLength = baseLength + MARKER_LENGTH + LIST_SEQ_LENGTH;
        final long oldFirstSeq = firstSeq;
        final long oldNextSeq = nextSeq;
        final int size = values.count();
        int placed = 0;
        long firstKept = -1;
        int chunksKept = 0;
        for (long seq = oldFirstSeq; seq < oldNextSeq; seq++)
        {
            chunkKey(baseLength, seq);
            final int length = store.get(keyBuffer, chunkKeyLength, chunkBuffer);
            if (length == KeyedStateStore.MISSING)
            {
                continue;
            }
            final int keptLength = keepMatching(chunkBuffer, 0, length, values, placed);
            placed = matched;
            if (keptLength == 0)
            {
                store.remove(keyBuffer, chunkKeyLength);
                continue;
            }
            if (keptLength != length)
            {
                store.put(keyBuffer, chunkKeyLength, keptBuffer, 0, keptLength);
            }
            if (firstKept < 0)
            {
                firstKept = seq;
            }
            chunksKept++;
        }
        final int keptTail = keepMatching(headBuffer, headTailOffset, headLength - headTailOffset, values, placed);
        placed = matched;
        final boolean tailChanged = keptTail != headLength - headTailOffset;
        if (tailChanged)
        {
            headBuffer.putBytes(headTailOffset, keptBuffer, 0, keptTail);
            headLength = headTailOffset + keptTail;
        }
        firstSeq = firstKept >= 0 ? firstKept : oldNextSeq;
        final boolean appended = placed < size;
        while (placed < size)
        {
            append(baseLength, values, placed++, nowMs);
        }
        chunksKept += (int)(nextSeq - oldNextSeq);
        if (nextSeq - firstSeq > 2L * chunksKept + RENUMBER_SLACK)
        {
            // Chunks emptied after a kept one stay behind as holes, which every later get and update reads past.
            // Once they outnumber the chunks, renumber from 0: a rewrite, paid for by the updates that made them.
            removeChunksAndHead(baseLength);
            rewrite(baseLength, values, nowMs);
            return;
        }
        if (firstSeq == nextSeq)
        {
            firstSeq = 0;
            nextSeq = 0;
        }
        if (firstSeq == nextSeq && headLength == headTailOffset)
        {
            removeHead(baseLength);
        }
        else if (tailChanged || appended || firstSeq != oldFirstSeq || nextSeq != oldNextSeq)
        {
            writeHead(baseLength);
        }
    }

    /** Set by {@link #keepMatching}: the index of the next value still to place. */
    private int matched;

    /**
     * Copy into {@link #keptBuffer} the elements of {@code src[offset, offset + length)} that match {@code values}
     * in order from {@code placed}; {@link #matched} is set to the next value to place.
     *
     * @return the kept bytes.
     */
    private int keepMatching(
        final DirectBuffer src, final int offset, final int length, final Elements values, final int placed)
    {
        final int size = values.count();
        int next = placed;
        int encodedLength = -1;
        int kept = 0;
        final int end = offset + length;
        int position = offset;
        while (position < end)
        {
            final int elementLength = elementLength(src, position, end);
            final int payload = position + elementHeaderLength;
            if (next < size)
            {
                if (encodedLength < 0)
                {
                    encodedLength = values.encode(next, encodedValue, 0);
                }
                if (elementLength == encodedLength && KeyLogIndex.sameBytes(src, payload, encodedValue, 0, elementLength))
                {
                    keptBuffer.putBytes(kept, src, position, elementHeaderLength + elementLength);
                    kept += elementHeaderLength + elementLength;
                    next++;
                    encodedLength = -1;
                }
            }
            position = payload + elementLength;
        }
        matched = next;
        return kept;
    }

    /** Write {@code values} as a new list (the list is empty: head and chunks removed). */
    private void rewrite(final int baseLength, final Elements values, final long nowMs)
    {
        firstSeq = 0;
        nextSeq = 0;
        headLength = headTailOffset;
        maxTs = Long.MIN_VALUE;
        if (values.count() == 0)
        {
            return;
        }
        for (int i = 0, size = values.count(); i < size; i++)
        {
            append(baseLength, values, i, nowMs);
        }
        writeHead(baseLength);
    }

    /** Append one element to the head's tail, sealing the tail as the next chunk once it reaches the target size. */
    private void append(final int baseLength, final Elements values, final int index, final long nowMs)
    {
        headLength = writeElement(headBuffer, headLength, values, index, nowMs);
        if (headLength - headTailOffset >= LIST_CHUNK_TARGET_BYTES)
        {
            final int tailLength = headLength - headTailOffset;
            chunkKey(baseLength, nextSeq++);
            final int chunkKeyLength = baseLength + MARKER_LENGTH + LIST_SEQ_LENGTH;
            if (ttl == null)
            {
                store.put(keyBuffer, chunkKeyLength, headBuffer, headTailOffset, tailLength);
            }
            else
            {
                chunkBuffer.putLong(0, newestStamp(headBuffer, headTailOffset, headLength), ByteOrder.BIG_ENDIAN);
                chunkBuffer.putBytes(chunkDataOffset, headBuffer, headTailOffset, tailLength);
                store.put(keyBuffer, chunkKeyLength, chunkBuffer, 0, chunkDataOffset + tailLength);
            }
            headLength = headTailOffset;
        }
    }

    /** The newest timestamp of the TTL'd elements at {@code src[from, end)}. */
    private long newestStamp(final DirectBuffer src, final int from, final int end)
    {
        long newest = Long.MIN_VALUE;
        int position = from;
        while (position < end)
        {
            newest = Math.max(newest, src.getLong(position, ByteOrder.BIG_ENDIAN));
            position += elementHeaderLength + elementLength(src, position, end);
        }
        return newest;
    }

    /** {@code [ts]? [length][payload]} at {@code offset}; returns the offset after it. */
    private int writeElement(
        final MutableDirectBuffer dst, final int offset, final Elements values, final int index, final long nowMs)
    {
        if (ttl != null)
        {
            dst.putLong(offset, nowMs, ByteOrder.BIG_ENDIAN);
            maxTs = Math.max(maxTs, nowMs);
        }
        final int payload = offset + elementHeaderLength;
        final int length = values.encode(index, dst, payload);
        dst.putInt(offset + payloadOffset, length, ByteOrder.BIG_ENDIAN);
        return payload + length;
    }

    /** The payload length of the element at {@code position}, checked against {@code end}. */
    private int elementLength(final DirectBuffer src, final int position, final int end)
    {
        if (end - position < elementHeaderLength)
        {
            throw corrupt("a list chunk's element header", end - position);
        }
        final int length = src.getInt(position + payloadOffset, ByteOrder.BIG_ENDIAN);
        if (length < 0 || length > end - position - elementHeaderLength)
        {
            throw corrupt("a list element", length);
        }
        return length;
    }

    /**
     * Visit the chunks and the tail, skipping missing chunks and hidden elements; writes the head when it trims the
     * chunk range past holes, when the tail changed, or when a read refreshed a timestamp.
     */
    private int scan(final int baseLength, final long nowMs, final boolean out)
    {
        if (!readHead(baseLength))
        {
            return 0;
        }
        int visible = 0;
        long firstPresent = -1;
        boolean headChanged = false;
        final int chunkKeyLength = baseLength + MARKER_LENGTH + LIST_SEQ_LENGTH;
        for (long seq = firstSeq; seq < nextSeq; seq++)
        {
            chunkKey(baseLength, seq);
            final int length = store.get(keyBuffer, chunkKeyLength, chunkBuffer);
            if (length == KeyedStateStore.MISSING)
            {
                continue;
            }
            if (ttl == null)
            {
                visible += decodeElements(chunkBuffer, 0, length, out);
            }
            else
            {
                if (length < chunkDataOffset)
                {
                    throw corrupt("a list chunk", length);
                }
                visible += scanTtlElements(chunkBuffer, chunkDataOffset, length, nowMs, out);
                if (elementsChanged)
                {
                    if (newestRaised)
                    {
                        // The head's newer stamp first, so a chunk never holds stamps newer than the stored head's
                        // even if a later decode fails.
                        writeHead(baseLength);
                        chunkKey(baseLength, seq);
                    }
                    if (keptEnd == 0)
                    {
                        store.remove(keyBuffer, chunkKeyLength);
                        continue;
                    }
                    chunkBuffer.putLong(0, keptMaxTs, ByteOrder.BIG_ENDIAN);
                    chunkBuffer.putBytes(chunkDataOffset, keptBuffer, 0, keptEnd);
                    store.put(keyBuffer, chunkKeyLength, chunkBuffer, 0, chunkDataOffset + keptEnd);
                }
            }
            if (firstPresent < 0)
            {
                firstPresent = seq;
            }
        }
        if (ttl == null)
        {
            visible += decodeElements(headBuffer, headTailOffset, headLength - headTailOffset, out);
        }
        else
        {
            visible += scanTtlElements(headBuffer, headTailOffset, headLength, nowMs, out);
            if (elementsChanged)
            {
                headBuffer.putBytes(headTailOffset, keptBuffer, 0, keptEnd);
                headLength = headTailOffset + keptEnd;
                headChanged = true;
            }
        }
        if (firstPresent < 0 && headLength == headTailOffset)
        {
            removeHead(baseLength);
            return visible;
        }
        if (firstPresent < 0 && firstSeq != nextSeq)
        {
            firstSeq = 0;
            nextSeq = 0;
            headChanged = true;
        }
        else if (firstPresent > firstSeq)
        {
            firstSeq = firstPresent;
            headChanged = true;
        }
        if (headChanged)
        {
            writeHead(baseLength);
        }
        return visible;
    }

    /** Set by {@link #scanTtlElements}: an element was dropped or re-stamped, so its entry must be rewritten. */
    private boolean elementsChanged;
    /** Set by {@link #scanTtlElements}: a read re-stamped an element later than {@link #maxTs}, which it raised. */
    private boolean newestRaised;
    /** Set by {@link #scanTtlElements}: the end of the elements it kept in {@link #keptBuffer}, from 0. */
    private int keptEnd;
    /** Set by {@link #scanTtlElements}: the newest timestamp of the elements it kept. */
    private long keptMaxTs;

    /**
     * Read the TTL'd elements at {@code src[from, end)} (a chunk's or the tail's): expired ones are hidden and, with
     * cleanup on access, dropped; live ones are re-stamped when reads refresh. The elements kept are copied to
     * {@link #keptBuffer}; {@link #elementsChanged} says whether the entry must be rewritten with them.
     */
    private int scanTtlElements(
        final DirectBuffer src, final int from, final int end, final long nowMs, final boolean out)
    {
        int visible = 0;
        boolean changed = false;
        boolean refreshed = false;
        int kept = 0;
        long newest = Long.MIN_VALUE;
        int position = from;
        while (position < end)
        {
            final int elementLength = elementLength(src, position, end);
            final int payload = position + elementHeaderLength;
            long ts = src.getLong(position, ByteOrder.BIG_ENDIAN);
            boolean keep = true;
            boolean show = true;
            if (ttl.isExpired(ts, nowMs))
            {
                show = ttl.returnExpired;
                keep = !ttl.cleanupOnAccess;
            }
            else if (ttl.refreshOnRead && ts != nowMs)
            {
                ts = nowMs;
                changed = true;
                refreshed = true;
            }
            if (show)
            {
                visible++;
                if (out)
                {
                    collect(src, payload, elementLength);
                }
            }
            if (keep)
            {
                keptBuffer.putBytes(kept, src, position, elementHeaderLength + elementLength);
                keptBuffer.putLong(kept, ts, ByteOrder.BIG_ENDIAN);
                kept += elementHeaderLength + elementLength;
                newest = Math.max(newest, ts);
            }
            else
            {
                changed = true;
            }
            position = payload + elementLength;
        }
        newestRaised = refreshed && nowMs > maxTs;
        if (newestRaised)
        {
            maxTs = nowMs;
        }
        elementsChanged = changed;
        keptEnd = kept;
        keptMaxTs = newest;
        return visible;
    }

    private int decodeElements(final DirectBuffer src, final int offset, final int length, final boolean out)
    {
        int count = 0;
        final int end = offset + length;
        int position = offset;
        while (position < end)
        {
            final int elementLength = elementLength(src, position, end);
            final int payload = position + elementHeaderLength;
            if (out)
            {
                collect(src, payload, elementLength);
            }
            count++;
            position = payload + elementLength;
        }
        return count;
    }

    private void clearList(final int baseLength)
    {
        if (readHead(baseLength))
        {
            removeChunksAndHead(baseLength);
        }
    }

    /** Remove every chunk of {@link #firstSeq}..{@link #nextSeq}, and the head. */
    private void removeChunksAndHead(final int baseLength)
    {
        final int chunkKeyLength = baseLength + MARKER_LENGTH + LIST_SEQ_LENGTH;
        for (long seq = firstSeq; seq < nextSeq; seq++)
        {
            chunkKey(baseLength, seq);
            store.remove(keyBuffer, chunkKeyLength);
        }
        removeHead(baseLength);
    }

    private void removeHead(final int baseLength)
    {
        keyBuffer.putByte(baseLength, LIST_HEAD_MARKER);
        store.remove(keyBuffer, baseLength + MARKER_LENGTH);
        firstSeq = 0;
        nextSeq = 0;
        headLength = headTailOffset;
        maxTs = Long.MIN_VALUE;
        headPresent = false;
    }

    /** TTL cleanup removing the cached head must not leave {@link #headGeneration} vouching for it. */
    void removeExpired(final DirectBuffer key, final int keyLength, final DirectBuffer value)
    {
        if (headGeneration == keyContext.keyGeneration())
        {
            // The cached head's key: the current key, under the namespace it was read with.
            final int baseLength = writeBaseKey(currentHeadKey, headNamespace);
            if (keyLength == baseLength + MARKER_LENGTH && key.getByte(baseLength) == LIST_HEAD_MARKER &&
                KeyLogIndex.sameBytes(key, 0, currentHeadKey, 0, baseLength))
            {
                headGeneration = -1;
            }
        }
        super.removeExpired(key, keyLength, value);
    }

    /**
     * Load the head into the head fields, from the store unless they still hold it (see {@link #headGeneration}).
     *
     * @return whether the list has a head.
     */
    private boolean readHead(final int baseLength)
    {
        final boolean current = headGeneration == keyContext.keyGeneration() &&
            (!namespaced || headNamespace == currentNamespace());
        headGeneration = -1;
        if (current)
        {
            return headPresent;
        }
        keyBuffer.putByte(baseLength, LIST_HEAD_MARKER);
        final int length = store.get(keyBuffer, baseLength + MARKER_LENGTH, headBuffer);
        if (length == KeyedStateStore.MISSING)
        {
            firstSeq = 0;
            nextSeq = 0;
            headLength = headTailOffset;
            maxTs = Long.MIN_VALUE;
            headPresent = false;
            return false;
        }
        headPresent = true;
        if (ttl != null && length == LIST_HEAD_LENGTH)
        {
            // A TTL'd head of layout 3 or earlier: the chunk range alone, all elements in chunks. It leads with the
            // newest of their stamps once written; the clock may be behind them after a restore elsewhere.
            firstSeq = headBuffer.getLong(LIST_HEAD_FIRST_SEQ_OFFSET, ByteOrder.BIG_ENDIAN);
            nextSeq = headBuffer.getLong(LIST_HEAD_NEXT_SEQ_OFFSET, ByteOrder.BIG_ENDIAN);
            headLength = headTailOffset;
            maxTs = clock.time();
            final int chunkKeyLength = baseLength + MARKER_LENGTH + LIST_SEQ_LENGTH;
            for (long seq = firstSeq; seq < nextSeq; seq++)
            {
                chunkKey(baseLength, seq);
                if (store.get(keyBuffer, chunkKeyLength, chunkBuffer) >= TTL_TIMESTAMP_LENGTH)
                {
                    maxTs = Math.max(maxTs, chunkBuffer.getLong(0, ByteOrder.BIG_ENDIAN));
                }
            }
            return true;
        }
        if (length < headTailOffset)
        {
            throw corrupt("the list head", length);
        }
        if (ttl != null)
        {
            maxTs = headBuffer.getLong(0, ByteOrder.BIG_ENDIAN);
        }
        firstSeq = headBuffer.getLong(headSeqOffset + LIST_HEAD_FIRST_SEQ_OFFSET, ByteOrder.BIG_ENDIAN);
        nextSeq = headBuffer.getLong(headSeqOffset + LIST_HEAD_NEXT_SEQ_OFFSET, ByteOrder.BIG_ENDIAN);
        headLength = length;
        return true;
    }

    private void writeHead(final int baseLength)
    {
        keyBuffer.putByte(baseLength, LIST_HEAD_MARKER);
        if (ttl != null)
        {
            headBuffer.putLong(0, maxTs, ByteOrder.BIG_ENDIAN);
        }
        headBuffer.putLong(headSeqOffset + LIST_HEAD_FIRST_SEQ_OFFSET, firstSeq, ByteOrder.BIG_ENDIAN);
        headBuffer.putLong(headSeqOffset + LIST_HEAD_NEXT_SEQ_OFFSET, nextSeq, ByteOrder.BIG_ENDIAN);
        store.put(keyBuffer, baseLength + MARKER_LENGTH, headBuffer, 0, headLength);
        headPresent = true;
    }

    private void chunkKey(final int baseLength, final long seq)
    {
        keyBuffer.putByte(baseLength, LIST_CHUNK_MARKER);
        keyBuffer.putLong(baseLength + MARKER_LENGTH, seq, ByteOrder.BIG_ENDIAN);
    }

    private void checkElement(final T value)
    {
        if (value == null)
        {
            throw new NullPointerException("state '" + registration.name() + "': list elements must not be null");
        }
    }

    /** The elements an add or update writes, by index: a user's {@link List}, one value, or primitives. */
    interface Elements
    {
        int count();

        /** Encode element {@code index} at {@code dst[offset]}; returns its length. */
        int encode(int index, MutableDirectBuffer dst, int offset);
    }

    /** A user's list or single value through the element codec; re-pointed per operation, released after it. */
    private final class ListElements implements Elements
    {
        private List<T> list;
        private T single;

        ListElements of(final List<T> values)
        {
            list = values;
            single = null;
            return this;
        }

        ListElements of(final T value)
        {
            list = null;
            single = value;
            return this;
        }

        void release()
        {
            list = null;
            single = null;
        }

        public int count()
        {
            return list != null ? list.size() : 1;
        }

        public int encode(final int index, final MutableDirectBuffer dst, final int offset)
        {
            return codec.encode(list != null ? list.get(index) : single, dst, offset);
        }
    }
}
