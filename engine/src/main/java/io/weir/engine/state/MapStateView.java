package io.weir.engine.state;

import io.weir.api.codec.Codec;
import io.weir.api.state.MapState;
import io.weir.api.state.MapState.EntryVisitor;
import io.weir.api.state.MapStateDescriptor;
import io.weir.state.spi.KeyedStateStore;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.concurrent.EpochClock;

import java.nio.ByteOrder;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import static io.weir.engine.state.StateLayoutDescriptor.*;

/**
 * {@link MapState} over point operations only, so it works on unordered key-value stores (see
 * {@link StateLayoutDescriptor}). A small map is one packed entry ({@link PackedMapEntry}): every operation reads
 * that one entry, and a change writes it back on the same look-up. A map that outgrows
 * {@link PackedMapEntry#MAX_ELEMENTS} or {@link PackedMapEntry#MAX_BYTES} spills, in the same order, into a head
 * {@code [count]}, one by-key entry {@code [slot][value]} per user key and a dense slot directory
 * {@code slot -> userKey} for iteration, and stays there until cleared. There, put of an existing key is one get
 * and one put; a new key adds the by-key entry, its slot and the head; remove swap-removes the last slot into the
 * freed one (a packed map does the same with its elements). Every operation is O(1) in the map's size except
 * iteration and clear. A spilled map's operations read the absent packed entry first.
 * <p>
 * Shard thread only.
 */
final class MapStateView<UK, UV> extends AbstractStateView implements MapState<UK, UV>
{
    private static final int SCAN_ENTRIES = 0;
    private static final int SCAN_KEYS = 1;
    private static final int SCAN_VALUES = 2;
    private static final int SCAN_ANY = 3;
    private static final int SCAN_VISIT = 4;

    private final Codec<UK> userKeyCodec;
    private final Codec<UV> valueCodec;
    /** Offset of the slot field in a by-key value; the user value follows it. */
    private final int slotFieldOffset;
    private final int userValueOffset;
    private final ExpandableDirectByteBuffer slotKeyBuffer;
    private final ExpandableDirectByteBuffer slotValueBuffer = new ExpandableDirectByteBuffer(64);
    private final ExpandableDirectByteBuffer movedKeyBuffer;
    private final ExpandableDirectByteBuffer movedValueBuffer = new ExpandableDirectByteBuffer(128);
    private final ExpandableDirectByteBuffer headBuffer = new ExpandableDirectByteBuffer(MAP_HEAD_LENGTH * 2);
    /** The packed entry read last; {@link #packed} indexes it. */
    private final ExpandableDirectByteBuffer packedIn = new ExpandableDirectByteBuffer(256);
    private final ExpandableDirectByteBuffer packedOut = new ExpandableDirectByteBuffer(256);
    private final PackedMapEntry packed;
    /** The visitor of the {@link #forEach} in progress. */
    private EntryVisitor<UK, UV> visitor;
    /** Instances {@link #forEach} decodes every entry into, where the codecs fill one. */
    private UK reusableKey;
    private UV reusableValue;
    /** Length of {@code [prefix][namespace?]} of the operation in progress; the same in every key buffer. */
    private int baseLength;

    MapStateView(
        final KeyedStateStore store,
        final KeyContext keyContext,
        final EpochClock clock,
        final RegisteredState registration,
        final MapStateDescriptor<UK, UV> descriptor)
    {
        super(store, keyContext, clock, registration, descriptor);
        this.userKeyCodec = descriptor.userKeyCodec();
        this.valueCodec = descriptor.valueCodec();
        this.slotFieldOffset = payloadOffset;
        this.userValueOffset = payloadOffset + MAP_SLOT_LENGTH;
        this.slotKeyBuffer = new ExpandableDirectByteBuffer(keyBuffer.capacity());
        this.movedKeyBuffer = new ExpandableDirectByteBuffer(keyBuffer.capacity());
        this.packed = new PackedMapEntry(ttl != null);
    }

    public UV get(final UK key)
    {
        onAccess();
        final int keyLength = byKey(beginOperation(), key);
        if (readPacked())
        {
            final int index = visiblePacked(keyLength);
            return index < 0 ? null :
                valueCodec.decode(packedIn, packed.valueOffset(index), packed.valueLength(index), null);
        }
        final int length = readVisible(keyBuffer, keyLength, valueBuffer, nowMs(), true);
        return length == KeyedStateStore.MISSING ? null :
            valueCodec.decode(valueBuffer, userValueOffset, length - MAP_SLOT_LENGTH, null);
    }

    public boolean contains(final UK key)
    {
        onAccess();
        final int keyLength = byKey(beginOperation(), key);
        if (readPacked())
        {
            return visiblePacked(keyLength) >= 0;
        }
        return readVisible(keyBuffer, keyLength, valueBuffer, nowMs(), true) != KeyedStateStore.MISSING;
    }

    public void put(final UK key, final UV value)
    {
        onAccess();
        putEntry(key, value, nowMs());
    }

    public void putAll(final Map<UK, UV> map)
    {
        onAccess();
        final long nowMs = nowMs();
        for (final Map.Entry<UK, UV> entry : map.entrySet())
        {
            putEntry(entry.getKey(), entry.getValue(), nowMs);
        }
    }

    public void remove(final UK key)
    {
        onAccess();
        final int keyLength = byKey(beginOperation(), key);
        if (readPacked())
        {
            final int index = packed.indexOf(keyBuffer, baseLength + MARKER_LENGTH, userKeyLength(keyLength));
            if (index >= 0)
            {
                storePackedWithout(index, nowMs(), ttl != null && !ttl.returnExpired);
            }
            return;
        }
        final int length = store.get(keyBuffer, keyLength, valueBuffer);
        if (length != KeyedStateStore.MISSING)
        {
            removeExpired(keyBuffer, keyLength, valueBuffer);
        }
    }

    public boolean isEmpty()
    {
        onAccess();
        beginOperation();
        if (readPacked())
        {
            return scanPacked(SCAN_ANY, nowMs(), null) == 0;
        }
        if (ttl == null)
        {
            return readCount() == 0;
        }
        return scan(SCAN_ANY, nowMs(), null) == 0;
    }

    public List<Map.Entry<UK, UV>> entries()
    {
        onAccess();
        beginOperation();
        final ArrayList<Map.Entry<UK, UV>> out = new ArrayList<>();
        if (readPacked())
        {
            scanPacked(SCAN_ENTRIES, nowMs(), out);
        }
        else
        {
            scan(SCAN_ENTRIES, nowMs(), out);
        }
        return out;
    }

    public void forEach(final EntryVisitor<UK, UV> visitor)
    {
        onAccess();
        beginOperation();
        this.visitor = visitor;
        try
        {
            if (readPacked())
            {
                scanPacked(SCAN_VISIT, nowMs(), null);
            }
            else
            {
                scan(SCAN_VISIT, nowMs(), null);
            }
        }
        finally
        {
            this.visitor = null;
        }
    }

    public List<UK> keys()
    {
        onAccess();
        beginOperation();
        final ArrayList<UK> out = new ArrayList<>();
        if (readPacked())
        {
            scanPacked(SCAN_KEYS, nowMs(), out);
        }
        else
        {
            scan(SCAN_KEYS, nowMs(), out);
        }
        return out;
    }

    public List<UV> values()
    {
        onAccess();
        beginOperation();
        final ArrayList<UV> out = new ArrayList<>();
        if (readPacked())
        {
            scanPacked(SCAN_VALUES, nowMs(), out);
        }
        else
        {
            scan(SCAN_VALUES, nowMs(), out);
        }
        return out;
    }

    public void clear()
    {
        onAccess();
        beginOperation();
        if (store.remove(slotKeyBuffer, packedKey()))
        {
            return;
        }
        // The head and each slot removed right after they are read: a store may reuse the read's look-up
        // (Chronicle does).
        final long count = readCount();
        store.remove(slotKeyBuffer, baseLength + MARKER_LENGTH);
        final int slotKeyLength = baseLength + MARKER_LENGTH + MAP_SLOT_LENGTH;
        for (long slot = 0; slot < count; slot++)
        {
            slotKey(slot);
            final int userKeyLength = store.get(slotKeyBuffer, slotKeyLength, slotValueBuffer);
            if (userKeyLength != KeyedStateStore.MISSING)
            {
                store.remove(slotKeyBuffer, slotKeyLength);
                store.remove(keyBuffer, byKeyFromSlotValue(keyBuffer, userKeyLength));
            }
        }
    }

    /**
     * Removes the by-key entry in {@code key} and frees its slot, whose number is in {@code value}; or removes the
     * packed entry in {@code key}.
     */
    void removeExpired(final DirectBuffer key, final int keyLength, final DirectBuffer value)
    {
        if (keyLength == baseLength + MARKER_LENGTH && key.getByte(baseLength) == MAP_PACKED_MARKER)
        {
            store.remove(key, keyLength);   // a packed entry whose newest element expired
            return;
        }
        final long slot = value.getLong(slotFieldOffset, ByteOrder.BIG_ENDIAN);
        store.remove(key, keyLength);
        removeSlot(slot);
    }

    int cleanupIfExpired(final DirectBuffer src, final int offset, final int length)
    {
        keyBuffer.putBytes(0, src, offset, length);
        baseLength = StateLayoutDescriptor.baseLength(keyBuffer, namespaced);
        slotKeyBuffer.putBytes(0, keyBuffer, 0, baseLength);
        return super.cleanupIfExpired(src, offset, length);
    }

    private void putEntry(final UK key, final UV value, final long nowMs)
    {
        Objects.requireNonNull(key, "MapState user keys must not be null");
        Objects.requireNonNull(value, "MapState values must not be null: use remove(key) to delete an entry");
        final int keyLength = byKey(beginOperation(), key);
        final int userKeyLength = userKeyLength(keyLength);
        if (readPacked())
        {
            putPacked(packed.indexOf(keyBuffer, baseLength + MARKER_LENGTH, userKeyLength), userKeyLength, value,
                nowMs);
            return;
        }
        // A spilled map's existing key is updated without reading the head; only a new key tells an empty map
        // (which starts packed) from a spilled one.
        final int existingLength = store.get(keyBuffer, keyLength, valueBuffer);
        final long slot;
        if (existingLength == KeyedStateStore.MISSING)
        {
            // The head written right after it is read: a store may reuse the read's look-up (Chronicle does).
            final long count = readCount();
            if (count == 0)
            {
                packed.reset();
                putPacked(-1, userKeyLength, value, nowMs);
                return;
            }
            writeCount(count + 1);
            slot = count;
            slotKey(slot);
            store.put(slotKeyBuffer, baseLength + MARKER_LENGTH + MAP_SLOT_LENGTH,
                keyBuffer, baseLength + MARKER_LENGTH, userKeyLength);
        }
        else
        {
            if (existingLength < userValueOffset)
            {
                throw corrupt("a map entry", existingLength);
            }
            slot = valueBuffer.getLong(slotFieldOffset, ByteOrder.BIG_ENDIAN);
        }
        stamp(valueBuffer, nowMs);
        valueBuffer.putLong(slotFieldOffset, slot, ByteOrder.BIG_ENDIAN);
        final int valueLength = valueCodec.encode(value, valueBuffer, userValueOffset);
        store.put(keyBuffer, keyLength, valueBuffer, 0, userValueOffset + valueLength);
    }

    /**
     * Visit slots 0..count-1. A slot whose by-key entry is gone (dropped by a TTL-filtered snapshot) or that was
     * cleaned up on access is swap-removed, and the same slot number is visited again.
     *
     * @return the number of visible entries (for {@link #SCAN_ANY}: 0 or 1).
     */
    @SuppressWarnings("unchecked")
    private int scan(final int mode, final long nowMs, final ArrayList<?> out)
    {
        long count = readCount();
        int visible = 0;
        long slot = 0;
        final int slotKeyLength = baseLength + MARKER_LENGTH + MAP_SLOT_LENGTH;
        while (slot < count)
        {
            slotKey(slot);
            final int userKeyLength = store.get(slotKeyBuffer, slotKeyLength, slotValueBuffer);
            if (userKeyLength == KeyedStateStore.MISSING)
            {
                removeSlot(slot);
                count--;
                continue;
            }
            final int keyLength = byKeyFromSlotValue(keyBuffer, userKeyLength);
            // Flink's isEmpty() refreshes nothing: only a scan that returns entries counts as reading them.
            final int length = readVisible(keyBuffer, keyLength, valueBuffer, nowMs, mode != SCAN_ANY);
            if (lastReadOutcome == ABSENT ||
                (lastReadOutcome == PRESENT && valueBuffer.getLong(slotFieldOffset, ByteOrder.BIG_ENDIAN) != slot))
            {
                removeSlot(slot);
                count--;
                continue;
            }
            if (lastReadOutcome == REMOVED_EXPIRED)
            {
                count--;
            }
            else
            {
                slot++;
            }
            if (length == KeyedStateStore.MISSING)
            {
                continue;
            }
            visible++;
            switch (mode)
            {
                case SCAN_ANY:
                    return visible;
                case SCAN_KEYS:
                    ((ArrayList<UK>)out).add(decodeUserKey(userKeyLength));
                    break;
                case SCAN_VALUES:
                    ((ArrayList<UV>)out).add(decodeValue(length));
                    break;
                case SCAN_VISIT:
                    reusableKey = userKeyCodec.decode(
                        keyBuffer, baseLength + MARKER_LENGTH, userKeyLength, reusableKey);
                    reusableValue = valueCodec.decode(
                        valueBuffer, userValueOffset, length - MAP_SLOT_LENGTH, reusableValue);
                    visitor.visit(reusableKey, reusableValue);
                    break;
                default:
                    ((ArrayList<Map.Entry<UK, UV>>)out).add(new AbstractMap.SimpleImmutableEntry<>(
                        decodeUserKey(userKeyLength), decodeValue(length)));
                    break;
            }
        }
        return visible;
    }

    /** The user key from the by-key key in the key buffer: a cleanup may have reused the slot value buffer. */
    private UK decodeUserKey(final int userKeyLength)
    {
        return userKeyCodec.decode(keyBuffer, baseLength + MARKER_LENGTH, userKeyLength, null);
    }

    private UV decodeValue(final int payloadLength)
    {
        return valueCodec.decode(valueBuffer, userValueOffset, payloadLength - MAP_SLOT_LENGTH, null);
    }

    /**
     * Free {@code slot}: move the last slot's user key into it (fixing that key's slot field) and shrink the count.
     * Uses the slot and moved-entry buffers only, so the caller's key and value buffers stay intact.
     */
    private void removeSlot(final long slot)
    {
        final long count = readCount();
        if (slot < 0 || slot >= count)
        {
            throw new IllegalStateException("state '" + registration.name() + "': map slot " + slot +
                " is outside the directory of " + count + " entries; the map's entries are inconsistent");
        }
        final long last = count - 1;
        // The head written right after it is read: a store may reuse the read's look-up (Chronicle does).
        writeCount(last);
        final int slotKeyLength = baseLength + MARKER_LENGTH + MAP_SLOT_LENGTH;
        if (slot != last)
        {
            slotKey(last);
            final int movedUserKeyLength = store.get(slotKeyBuffer, slotKeyLength, slotValueBuffer);
            store.remove(slotKeyBuffer, slotKeyLength);
            slotKey(slot);
            if (movedUserKeyLength == KeyedStateStore.MISSING)
            {
                store.remove(slotKeyBuffer, slotKeyLength);
            }
            else
            {
                store.put(slotKeyBuffer, slotKeyLength, slotValueBuffer, 0, movedUserKeyLength);
                movedKeyBuffer.putBytes(0, keyBuffer, 0, baseLength);
                final int movedKeyLength = byKeyFromSlotValue(movedKeyBuffer, movedUserKeyLength);
                final int movedLength = store.get(movedKeyBuffer, movedKeyLength, movedValueBuffer);
                if (movedLength != KeyedStateStore.MISSING &&
                    movedValueBuffer.getLong(slotFieldOffset, ByteOrder.BIG_ENDIAN) == last)
                {
                    movedValueBuffer.putLong(slotFieldOffset, slot, ByteOrder.BIG_ENDIAN);
                    store.put(movedKeyBuffer, movedKeyLength, movedValueBuffer, 0, movedLength);
                }
            }
        }
        else
        {
            slotKey(slot);
            store.remove(slotKeyBuffer, slotKeyLength);
        }
    }

    /** Read the current key's packed entry into {@link #packedIn} and index it; false when the map has none. */
    private boolean readPacked()
    {
        final int length = store.get(slotKeyBuffer, packedKey(), packedIn);
        if (length == KeyedStateStore.MISSING)
        {
            return false;
        }
        if (!packed.wrap(packedIn, length))
        {
            throw corrupt("a packed map entry", length);
        }
        return true;
    }

    /**
     * The index, among the packed elements just read, of the user key in the key buffer, with TTL applied as for a
     * by-key entry: an expired element is removed when cleanup on access is on (its bytes stay readable in
     * {@link #packedIn}) and found only with {@code RETURN_EXPIRED_IF_NOT_CLEANED_UP}; a live one is re-stamped
     * when reads refresh.
     *
     * @return the index, or -1 when absent or hidden.
     */
    private int visiblePacked(final int keyLength)
    {
        final int index = packed.indexOf(keyBuffer, baseLength + MARKER_LENGTH, userKeyLength(keyLength));
        if (index < 0 || ttl == null)
        {
            return index;
        }
        final long nowMs = nowMs();
        final long lastAccessMs = packed.timestamp(index);
        if (ttl.isExpired(lastAccessMs, nowMs))
        {
            if (ttl.cleanupOnAccess)
            {
                // Expired elements no read may return go at once; with RETURN_EXPIRED_IF_NOT_CLEANED_UP only the
                // one read is cleaned up, as in a spilled map.
                storePackedWithout(ttl.returnExpired ? index : -1, nowMs, !ttl.returnExpired);
            }
            return ttl.returnExpired ? index : -1;
        }
        if (ttl.refreshOnRead && lastAccessMs != nowMs)
        {
            packed.restamp(packedIn, index, nowMs);
            store.put(slotKeyBuffer, packedKey(), packedIn, 0, packed.length());
        }
        return index;
    }

    /**
     * Visit the packed elements just read, in order, as {@link #scan} visits slots; expired elements are dropped
     * from the entry when cleanup on access is on.
     */
    @SuppressWarnings("unchecked")
    private int scanPacked(final int mode, final long nowMs, final ArrayList<?> out)
    {
        int visible = 0;
        boolean expired = false;
        boolean restamped = false;
        for (int i = 0, count = packed.count(); i < count; i++)
        {
            if (ttl != null)
            {
                final long lastAccessMs = packed.timestamp(i);
                if (ttl.isExpired(lastAccessMs, nowMs))
                {
                    expired = true;
                    if (!ttl.returnExpired)
                    {
                        continue;
                    }
                }
                else if (ttl.refreshOnRead && lastAccessMs != nowMs && mode != SCAN_ANY)
                {
                    packed.restamp(packedIn, i, nowMs);
                    restamped = true;
                }
            }
            visible++;
            switch (mode)
            {
                case SCAN_ANY:
                    return visible;
                case SCAN_KEYS:
                    ((ArrayList<UK>)out).add(decodePackedKey(i));
                    break;
                case SCAN_VALUES:
                    ((ArrayList<UV>)out).add(decodePackedValue(i));
                    break;
                case SCAN_VISIT:
                    reusableKey = userKeyCodec.decode(
                        packedIn, packed.keyOffset(i), packed.keyLength(i), reusableKey);
                    reusableValue = valueCodec.decode(
                        packedIn, packed.valueOffset(i), packed.valueLength(i), reusableValue);
                    visitor.visit(reusableKey, reusableValue);
                    break;
                default:
                    ((ArrayList<Map.Entry<UK, UV>>)out).add(
                        new AbstractMap.SimpleImmutableEntry<>(decodePackedKey(i), decodePackedValue(i)));
                    break;
            }
        }
        if (expired && ttl.cleanupOnAccess)
        {
            storePackedWithout(-1, nowMs, true);
        }
        else if (restamped)
        {
            store.put(slotKeyBuffer, packedKey(), packedIn, 0, packed.length());
        }
        return visible;
    }

    private UK decodePackedKey(final int index)
    {
        return userKeyCodec.decode(packedIn, packed.keyOffset(index), packed.keyLength(index), null);
    }

    private UV decodePackedValue(final int index)
    {
        return valueCodec.decode(packedIn, packed.valueOffset(index), packed.valueLength(index), null);
    }

    /**
     * Store the packed elements just read without element {@code removed} (-1: none), whose place the last element
     * takes, and, with {@code dropExpired}, without those expired at {@code nowMs}; an entry left empty is removed.
     */
    private void storePackedWithout(final int removed, final long nowMs, final boolean dropExpired)
    {
        final int length = packed.copyWithout(packedOut, removed, dropExpired && ttl != null ? ttl.ttlMs : 0, nowMs);
        if (packed.countOf(packedOut) == 0)
        {
            store.remove(slotKeyBuffer, packedKey());
            return;
        }
        store.put(slotKeyBuffer, packedKey(), packedOut, 0, length);
    }

    /**
     * Store the packed elements just read with the user key in the key buffer mapped to {@code value}: element
     * {@code index} replaced, or appended when {@code index} is -1. A value as long as the one it replaces is written
     * over it in place; otherwise the entry is rebuilt without the expired elements no read may return, and a map
     * that no longer fits a packed entry spills into the slot directory.
     */
    private void putPacked(final int index, final int userKeyLength, final UV value, final long nowMs)
    {
        int encodedLength = -1;
        if (index >= 0)
        {
            // A value of the same length is written over the old one in the entry read (expired elements stay
            // until a rewrite: they are invisible unless they may be returned, and then they must stay).
            final int length = valueCodec.encode(value, valueBuffer, 0);
            encodedLength = length;
            if (length == packed.valueLength(index))
            {
                packedIn.putBytes(packed.valueOffset(index), valueBuffer, 0, length);
                if (ttl != null)
                {
                    packed.restamp(packedIn, index, nowMs);
                }
                store.put(slotKeyBuffer, packedKey(), packedIn, 0, packed.length());
                return;
            }
        }
        final int count = packed.count();
        int position = packed.beginValue();
        int elements = 0;
        long maxTimestampMs = nowMs;
        for (int i = 0; i < count; i++)
        {
            if (i == index)
            {
                position = appendNewPacked(position, userKeyLength, encodedLength, value, nowMs);
            }
            else
            {
                if (ttl != null)
                {
                    final long lastAccessMs = packed.timestamp(i);
                    if (!ttl.returnExpired && ttl.isExpired(lastAccessMs, nowMs))
                    {
                        continue;
                    }
                    maxTimestampMs = Math.max(maxTimestampMs, lastAccessMs);
                }
                position = packed.appendElement(packedOut, position, i);
            }
            elements++;
        }
        if (index < 0)
        {
            position = appendNewPacked(position, userKeyLength, -1, value, nowMs);
            elements++;
        }
        final int length = packed.finishValue(packedOut, position, elements, maxTimestampMs);
        if (elements > PackedMapEntry.MAX_ELEMENTS || length > PackedMapEntry.MAX_BYTES)
        {
            spill(length);
        }
        else
        {
            store.put(slotKeyBuffer, packedKey(), packedOut, 0, length);
        }
    }

    /**
     * Append the element of the user key in the key buffer and {@code value} to {@link #packedOut}: the value's
     * bytes are the {@code encodedLength} already encoded in the value buffer, or encoded now when that is -1.
     */
    private int appendNewPacked(
        final int position, final int userKeyLength, final int encodedLength, final UV value, final long nowMs)
    {
        final int userKeyOffset = baseLength + MARKER_LENGTH;
        final int valueOffset = packed.appendNewElement(
            packedOut, position, nowMs, keyBuffer, userKeyOffset, userKeyLength);
        if (encodedLength >= 0)
        {
            packedOut.putBytes(valueOffset, valueBuffer, 0, encodedLength);
            return PackedMapEntry.endNewElement(packedOut, valueOffset, encodedLength);
        }
        return PackedMapEntry.endNewElement(packedOut, valueOffset, valueCodec.encode(value, packedOut, valueOffset));
    }

    /**
     * Move the packed map built in {@link #packedOut} into the slot directory, element i into slot i, and remove
     * the packed entry (if there was one).
     */
    private void spill(final int length)
    {
        if (!packed.wrap(packedOut, length))
        {
            throw new IllegalStateException("state '" + registration.name() + "': a packed map of " + length +
                " bytes built for spilling does not fit its own layout");
        }
        final int count = packed.count();
        final int slotKeyLength = baseLength + MARKER_LENGTH + MAP_SLOT_LENGTH;
        movedKeyBuffer.putBytes(0, keyBuffer, 0, baseLength);
        movedKeyBuffer.putByte(baseLength, MAP_BY_KEY_MARKER);
        for (int i = 0; i < count; i++)
        {
            final int userKeyLength = packed.keyLength(i);
            movedKeyBuffer.putBytes(baseLength + MARKER_LENGTH, packedOut, packed.keyOffset(i), userKeyLength);
            stamp(movedValueBuffer, ttl != null ? packed.timestamp(i) : 0L);
            movedValueBuffer.putLong(slotFieldOffset, i, ByteOrder.BIG_ENDIAN);
            final int valueLength = packed.valueLength(i);
            movedValueBuffer.putBytes(userValueOffset, packedOut, packed.valueOffset(i), valueLength);
            store.put(movedKeyBuffer, baseLength + MARKER_LENGTH + userKeyLength,
                movedValueBuffer, 0, userValueOffset + valueLength);
            slotKey(i);
            store.put(slotKeyBuffer, slotKeyLength, packedOut, packed.keyOffset(i), userKeyLength);
        }
        writeCount(count);
        store.remove(slotKeyBuffer, packedKey());
    }

    private int packedKey()
    {
        slotKeyBuffer.putByte(baseLength, MAP_PACKED_MARKER);
        return baseLength + MARKER_LENGTH;
    }

    private int userKeyLength(final int byKeyLength)
    {
        return byKeyLength - baseLength - MARKER_LENGTH;
    }

    /** Write the base key into the key and slot buffers; returns its length. */
    private int beginOperation()
    {
        if (null != visitor)
        {
            // The scan in progress holds this view's buffers, slot count and packed entry.
            throw new IllegalStateException("map state '" + registration.name() + "' was used from within its own " +
                "forEach visitor: collect what the visitor needs, and change or read the state after forEach");
        }
        baseLength = writeBaseKey(keyBuffer);
        slotKeyBuffer.putBytes(0, keyBuffer, 0, baseLength);
        return baseLength;
    }

    private int byKey(final int baseLength, final UK userKey)
    {
        Objects.requireNonNull(userKey, "MapState user keys must not be null");
        keyBuffer.putByte(baseLength, MAP_BY_KEY_MARKER);
        return baseLength + MARKER_LENGTH + userKeyCodec.encode(userKey, keyBuffer, baseLength + MARKER_LENGTH);
    }

    /** Build {@code [base][0x02][userKey]} in {@code dst} from the user key held in the slot value buffer. */
    private int byKeyFromSlotValue(final ExpandableDirectByteBuffer dst, final int userKeyLength)
    {
        dst.putByte(baseLength, MAP_BY_KEY_MARKER);
        dst.putBytes(baseLength + MARKER_LENGTH, slotValueBuffer, 0, userKeyLength);
        return baseLength + MARKER_LENGTH + userKeyLength;
    }

    private void slotKey(final long slot)
    {
        slotKeyBuffer.putByte(baseLength, MAP_BY_SLOT_MARKER);
        slotKeyBuffer.putLong(baseLength + MARKER_LENGTH, slot, ByteOrder.BIG_ENDIAN);
    }

    private long readCount()
    {
        slotKeyBuffer.putByte(baseLength, HEAD_MARKER);
        final int length = store.get(slotKeyBuffer, baseLength + MARKER_LENGTH, headBuffer);
        if (length == KeyedStateStore.MISSING)
        {
            return 0;
        }
        if (length != MAP_HEAD_LENGTH)
        {
            throw corrupt("the map head", length);
        }
        return headBuffer.getLong(MAP_HEAD_COUNT_OFFSET, ByteOrder.BIG_ENDIAN);
    }

    private void writeCount(final long count)
    {
        slotKeyBuffer.putByte(baseLength, HEAD_MARKER);
        if (count == 0)
        {
            store.remove(slotKeyBuffer, baseLength + MARKER_LENGTH);
        }
        else
        {
            headBuffer.putLong(MAP_HEAD_COUNT_OFFSET, count, ByteOrder.BIG_ENDIAN);
            store.put(slotKeyBuffer, baseLength + MARKER_LENGTH, headBuffer, 0, MAP_HEAD_LENGTH);
        }
    }
}
