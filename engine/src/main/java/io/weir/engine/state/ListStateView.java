package io.weir.engine.state;

import io.weir.api.codec.Codec;
import io.weir.api.state.ListState;
import io.weir.api.state.ListStateDescriptor;
import io.weir.state.changes.KeyLogIndex;
import io.weir.state.spi.KeyedStateStore;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.concurrent.EpochClock;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import static io.weir.engine.state.StateLayoutDescriptor.*;

/**
 * {@link ListState} as a head {@code [firstSeq][nextSeq]} and one entry per element keyed by sequence (see
 * {@link StateLayoutDescriptor}). {@link #add} writes one element and the head. Shard thread only.
 */
final class ListStateView<T> extends AbstractStateView implements ListState<T>
{
    private final Codec<T> codec;
    private final ExpandableDirectByteBuffer headBuffer = new ExpandableDirectByteBuffer(LIST_HEAD_LENGTH * 2);
    /** Holes allowed in a list's sequence range beyond twice its length before an update renumbers it. */
    static final int RENUMBER_SLACK = 8;
    /** A value of {@link #update} encoded, to compare with a stored element. */
    private final ExpandableDirectByteBuffer encodedValue = new ExpandableDirectByteBuffer(64);
    private long firstSeq;
    private long nextSeq;

    ListStateView(
        final KeyedStateStore store,
        final KeyContext keyContext,
        final EpochClock clock,
        final RegisteredState registration,
        final ListStateDescriptor<T> descriptor)
    {
        super(store, keyContext, clock, registration, descriptor);
        this.codec = descriptor.elementCodec();
    }

    public void add(final T value)
    {
        checkElement(value);
        onAccess();
        final long nowMs = nowMs();
        final int baseLength = writeBaseKey(keyBuffer);
        readHead(baseLength);
        writeElement(baseLength, nextSeq++, value, nowMs);
        writeHead(baseLength);
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
        final long nowMs = nowMs();
        final int baseLength = writeBaseKey(keyBuffer);
        readHead(baseLength);
        appendAll(baseLength, values, nowMs);
    }

    public void update(final List<T> values)
    {
        Objects.requireNonNull(values, "ListState.update(null): use clear() to empty the list");
        for (int i = 0, size = values.size(); i < size; i++)
        {
            checkElement(values.get(i));
        }
        onAccess();
        final long nowMs = nowMs();
        final int baseLength = writeBaseKey(keyBuffer);
        if (null == ttl && readHead(baseLength))
        {
            updateKeepingOrder(baseLength, values, nowMs);
            return;
        }
        clearList(baseLength);
        firstSeq = 0;
        nextSeq = 0;
        if (!values.isEmpty())
        {
            appendAll(baseLength, values, nowMs);
        }
    }

    /**
     * Replace the list with {@code values} while keeping, in place, the stored elements that begin it in
     * order: a stored element equal (byte for byte, encoded) to the next value still to place is kept; any other
     * is removed; the values left over are appended. The result is {@code values} whatever they are, but a list
     * filtered or appended to costs one read per stored element and a write per element dropped or added.
     * <p>
     * Why: a function that prunes its history calls {@code get} and then {@code update} with what it keeps, often
     * on every event (the velocity job drops one or two of about 150 timestamps). A rewrite removes and re-inserts
     * every element, two writes each with their change-log records, where this reads them. Only without TTL:
     * there {@code update} must give every element a new write timestamp, so each one is rewritten.
     * <p>
     * Called with the head read ({@link #firstSeq}, {@link #nextSeq} current).
     */
    private void updateKeepingOrder(final int baseLength, final List<T> values, final long nowMs)
    {
        final int elementKeyLength = baseLength + MARKER_LENGTH + LIST_SEQ_LENGTH;
        final long oldFirstSeq = firstSeq;
        final long oldNextSeq = nextSeq;
        final int size = values.size();
        int placed = 0;
        int encodedLength = -1;
        long firstKept = -1;
        for (long seq = oldFirstSeq; seq < oldNextSeq; seq++)
        {
            elementKey(baseLength, seq);
            final int length = store.get(keyBuffer, elementKeyLength, valueBuffer);
            if (length == KeyedStateStore.MISSING)
            {
                continue;
            }
            if (placed < size)
            {
                if (encodedLength < 0)
                {
                    encodedLength = codec.encode(values.get(placed), encodedValue, 0);
                }
                if (length == encodedLength && KeyLogIndex.sameBytes(valueBuffer, 0, encodedValue, 0, length))
                {
                    if (firstKept < 0)
                    {
                        firstKept = seq;
                    }
                    placed++;
                    encodedLength = -1;
                    continue;
                }
            }
            store.remove(keyBuffer, elementKeyLength);
        }
        firstSeq = firstKept >= 0 ? firstKept : oldNextSeq;
        while (placed < size)
        {
            writeElement(baseLength, nextSeq++, values.get(placed++), nowMs);
        }
        if (nextSeq - firstSeq > 2L * size + RENUMBER_SLACK)
        {
            // Elements removed after a kept one stay behind as holes, which every later get and update reads past
            // (keeping the first element while replacing the last, over and over, would make one per update).
            // Once they outnumber the elements, renumber from 0: a rewrite, paid for by the updates that made them.
            removeElementsAndHead(baseLength);
            firstSeq = 0;
            nextSeq = 0;
            appendAll(baseLength, values, nowMs);
            return;
        }
        if (firstSeq == nextSeq)
        {
            firstSeq = 0;
            nextSeq = 0;
            keyBuffer.putByte(baseLength, HEAD_MARKER);
            store.remove(keyBuffer, baseLength + MARKER_LENGTH);
        }
        else if (firstSeq != oldFirstSeq || nextSeq != oldNextSeq)
        {
            writeHead(baseLength);
        }
    }

    public List<T> get()
    {
        onAccess();
        final ArrayList<T> out = new ArrayList<>();
        scan(writeBaseKey(keyBuffer), nowMs(), out);
        return out;
    }

    public int size()
    {
        onAccess();
        return scan(writeBaseKey(keyBuffer), nowMs(), null);
    }

    public void clear()
    {
        onAccess();
        clearList(writeBaseKey(keyBuffer));
    }

    private void appendAll(final int baseLength, final List<T> values, final long nowMs)
    {
        for (int i = 0, size = values.size(); i < size; i++)
        {
            writeElement(baseLength, nextSeq++, values.get(i), nowMs);
        }
        writeHead(baseLength);
    }

    /** Visit elements firstSeq..nextSeq-1, skipping missing and hidden ones; trims the head past removed ones. */
    private int scan(final int baseLength, final long nowMs, final ArrayList<T> out)
    {
        if (!readHead(baseLength))
        {
            return 0;
        }
        int visible = 0;
        long firstPresent = -1;
        final int elementKeyLength = baseLength + MARKER_LENGTH + LIST_SEQ_LENGTH;
        for (long seq = firstSeq; seq < nextSeq; seq++)
        {
            elementKey(baseLength, seq);
            final int length = readVisible(keyBuffer, elementKeyLength, valueBuffer, nowMs, true);
            if (lastReadOutcome == PRESENT && firstPresent < 0)
            {
                firstPresent = seq;
            }
            if (length != KeyedStateStore.MISSING)
            {
                visible++;
                if (out != null)
                {
                    out.add(codec.decode(valueBuffer, payloadOffset, length, null));
                }
            }
        }
        if (firstPresent < 0)
        {
            keyBuffer.putByte(baseLength, HEAD_MARKER);
            store.remove(keyBuffer, baseLength + MARKER_LENGTH);
        }
        else if (firstPresent > firstSeq)
        {
            firstSeq = firstPresent;
            writeHead(baseLength);
        }
        return visible;
    }

    private void clearList(final int baseLength)
    {
        if (readHead(baseLength))
        {
            removeElementsAndHead(baseLength);
        }
    }

    /** Remove every element entry of {@link #firstSeq}..{@link #nextSeq}, and the head. */
    private void removeElementsAndHead(final int baseLength)
    {
        final int elementKeyLength = baseLength + MARKER_LENGTH + LIST_SEQ_LENGTH;
        for (long seq = firstSeq; seq < nextSeq; seq++)
        {
            elementKey(baseLength, seq);
            store.remove(keyBuffer, elementKeyLength);
        }
        keyBuffer.putByte(baseLength, HEAD_MARKER);
        store.remove(keyBuffer, baseLength + MARKER_LENGTH);
    }

    private boolean readHead(final int baseLength)
    {
        keyBuffer.putByte(baseLength, HEAD_MARKER);
        final int length = store.get(keyBuffer, baseLength + MARKER_LENGTH, headBuffer);
        if (length == KeyedStateStore.MISSING)
        {
            firstSeq = 0;
            nextSeq = 0;
            return false;
        }
        if (length != LIST_HEAD_LENGTH)
        {
            throw corrupt("the list head", length);
        }
        firstSeq = headBuffer.getLong(LIST_HEAD_FIRST_SEQ_OFFSET, ByteOrder.BIG_ENDIAN);
        nextSeq = headBuffer.getLong(LIST_HEAD_NEXT_SEQ_OFFSET, ByteOrder.BIG_ENDIAN);
        return true;
    }

    private void writeHead(final int baseLength)
    {
        keyBuffer.putByte(baseLength, HEAD_MARKER);
        headBuffer.putLong(LIST_HEAD_FIRST_SEQ_OFFSET, firstSeq, ByteOrder.BIG_ENDIAN);
        headBuffer.putLong(LIST_HEAD_NEXT_SEQ_OFFSET, nextSeq, ByteOrder.BIG_ENDIAN);
        store.put(keyBuffer, baseLength + MARKER_LENGTH, headBuffer, 0, LIST_HEAD_LENGTH);
    }

    private void writeElement(final int baseLength, final long seq, final T value, final long nowMs)
    {
        elementKey(baseLength, seq);
        stamp(valueBuffer, nowMs);
        final int length = codec.encode(value, valueBuffer, payloadOffset);
        store.put(keyBuffer, baseLength + MARKER_LENGTH + LIST_SEQ_LENGTH, valueBuffer, 0, payloadOffset + length);
    }

    private void elementKey(final int baseLength, final long seq)
    {
        keyBuffer.putByte(baseLength, LIST_ELEMENT_MARKER);
        keyBuffer.putLong(baseLength + MARKER_LENGTH, seq, ByteOrder.BIG_ENDIAN);
    }

    private void checkElement(final T value)
    {
        if (value == null)
        {
            throw new NullPointerException("state '" + registration.name() + "': list elements must not be null");
        }
    }
}
