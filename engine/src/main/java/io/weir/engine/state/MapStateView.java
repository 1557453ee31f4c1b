package io.weir.engine.state;

import io.weir.api.codec.Codec;
import io.weir.api.state.MapState;
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
 * {@link MapState} over point operations only, so it works on unordered key-value stores: a head {@code [count]},
 * one by-key entry {@code [slot][value]} per user key and a dense slot directory {@code slot -> userKey} for
 * iteration (see {@link StateLayoutDescriptor}). Put of an existing key is one get and one put; a new key adds
 * the by-key entry, its slot and the head; remove swap-removes the last slot into the freed one. Every operation
 * is O(1) in the map's size except iteration and clear.
 * <p>
 * Shard thread only.
 */
final class MapStateView<UK, UV> extends AbstractStateView implements MapState<UK, UV>
{
    private static final int SCAN_ENTRIES = 0;
    private static final int SCAN_KEYS = 1;
    private static final int SCAN_VALUES = 2;
    private static final int SCAN_ANY = 3;

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
    }

    public UV get(final UK key)
    {
        onAccess();
        final int keyLength = byKey(beginOperation(), key);
        final int length = readVisible(keyBuffer, keyLength, valueBuffer, nowMs(), true);
        return length == KeyedStateStore.MISSING ? null :
            valueCodec.decode(valueBuffer, userValueOffset, length - MAP_SLOT_LENGTH, null);
    }

    public boolean contains(final UK key)
    {
        onAccess();
        final int keyLength = byKey(beginOperation(), key);
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
        scan(SCAN_ENTRIES, nowMs(), out);
        return out;
    }

    public List<UK> keys()
    {
        onAccess();
        beginOperation();
        final ArrayList<UK> out = new ArrayList<>();
        scan(SCAN_KEYS, nowMs(), out);
        return out;
    }

    public List<UV> values()
    {
        onAccess();
        beginOperation();
        final ArrayList<UV> out = new ArrayList<>();
        scan(SCAN_VALUES, nowMs(), out);
        return out;
    }

    public void clear()
    {
        onAccess();
        beginOperation();
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

    /** Removes the by-key entry in {@code key} and frees its slot, whose number is in {@code value}. */
    void removeExpired(final DirectBuffer key, final int keyLength, final DirectBuffer value)
    {
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
        final int existingLength = store.get(keyBuffer, keyLength, valueBuffer);
        final long slot;
        if (existingLength == KeyedStateStore.MISSING)
        {
            // The head written right after it is read: a store may reuse the read's look-up (Chronicle does).
            final long count = readCount();
            writeCount(count + 1);
            slot = count;
            slotKey(slot);
            final int userKeyLength = keyLength - baseLength - MARKER_LENGTH;
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
            final int length = readVisible(keyBuffer, keyLength, valueBuffer, nowMs, true);
            if (lastReadOutcome == ABSENT)
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
                if (movedLength != KeyedStateStore.MISSING)
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

    /** Write the base key into the key and slot buffers; returns its length. */
    private int beginOperation()
    {
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
