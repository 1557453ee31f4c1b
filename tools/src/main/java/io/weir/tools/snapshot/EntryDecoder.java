package io.weir.tools.snapshot;

import io.weir.api.codec.Hex;
import io.weir.engine.state.PackedMapEntry;
import io.weir.snapshot.CheckpointManifest;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.weir.engine.state.StateLayoutDescriptor.HEAD_MARKER;
import static io.weir.engine.state.StateLayoutDescriptor.LIST_CHUNK_MARKER;
import static io.weir.engine.state.StateLayoutDescriptor.LIST_ELEMENT_LENGTH_LENGTH;
import static io.weir.engine.state.StateLayoutDescriptor.LIST_HEAD_LENGTH;
import static io.weir.engine.state.StateLayoutDescriptor.LIST_HEAD_MARKER;
import static io.weir.engine.state.StateLayoutDescriptor.LIST_SEQ_LENGTH;
import static io.weir.engine.state.StateLayoutDescriptor.MAP_BY_KEY_MARKER;
import static io.weir.engine.state.StateLayoutDescriptor.MAP_BY_SLOT_MARKER;
import static io.weir.engine.state.StateLayoutDescriptor.MAP_PACKED_MARKER;
import static io.weir.engine.state.StateLayoutDescriptor.MAP_SLOT_LENGTH;
import static io.weir.engine.state.StateLayoutDescriptor.NAMESPACE_LENGTH;
import static io.weir.engine.state.StateLayoutDescriptor.TTL_TIMESTAMP_LENGTH;
import static io.weir.state.spi.StateKeyDescriptor.KEY_LENGTH_OFFSET;
import static io.weir.state.spi.StateKeyDescriptor.KEY_OFFSET;
import static io.weir.state.spi.StateKeyDescriptor.STATE_ID_OFFSET;

/**
 * Decodes resolved snapshot entries, whose keys are composite keys of {@code StateKeyDescriptor} laid out as in
 * {@code StateLayoutDescriptor}, with the codecs a manifest records.
 * <ul>
 *   <li>State id 0 is the timers' reserved id: shown as state {@code timers}, key and value in hex.</li>
 *   <li>VALUE, REDUCING, AGGREGATING: one entry per key, subkey empty.</li>
 *   <li>LIST: one row per element, subkey = the element's index among the key's live elements; a chunk entry (and
 *       the head, which holds the list's tail) gives a row for each element it packs.</li>
 *   <li>MAP: one row per user key, subkey = the user key decoded with the user-key codec; a packed map entry gives
 *       a row for each user key it packs.</li>
 *   <li>Map heads, the map slot directory and a list head without elements are bookkeeping and are skipped.</li>
 *   <li>A TTL'd state's data values start with an 8-byte last-access timestamp, which is split off.</li>
 *   <li>Namespaced states (windows) carry an 8-byte namespace after the key, shown as {@code ns=N} in the
 *       subkey. The manifest has no flag for it: property {@code state.NAME.namespaced = true|false} decides when
 *       present, otherwise the layout is inferred per entry, trying the plain layout first.</li>
 *   <li>Anything that does not fit the layout is shown in hex rather than dropped.</li>
 * </ul>
 * Not thread safe: it tracks the list element index across consecutive entries of one key group.
 */
final class EntryDecoder
{
    static final String TIMERS_STATE_NAME = "timers";
    static final int TIMERS_STATE_ID = 0;

    private static final ByteOrder ORDER = ByteOrder.BIG_ENDIAN;

    private final Map<Integer, CheckpointManifest.StateDescriptor> statesById = new HashMap<>();
    private final Map<Integer, Boolean> namespacedById = new HashMap<>();
    private final UnsafeBuffer keyBuffer = new UnsafeBuffer(new byte[0]);
    private final UnsafeBuffer valueBuffer = new UnsafeBuffer(new byte[0]);
    private final PackedMapEntry packedWithTtl = new PackedMapEntry(true);
    private final PackedMapEntry packedWithoutTtl = new PackedMapEntry(false);
    private byte[] listBase = new byte[0];
    private int listIndex;

    EntryDecoder(final CheckpointManifest manifest)
    {
        for (final CheckpointManifest.StateDescriptor state : manifest.states())
        {
            statesById.put(state.stateId(), state);
            final String namespaced = manifest.properties().get("state." + state.name() + ".namespaced");
            if (namespaced != null)
            {
                namespacedById.put(state.stateId(), Boolean.parseBoolean(namespaced));
            }
        }
    }

    /** Name of the state with this id as {@link #decode} reports it. */
    String stateName(final int stateId)
    {
        final CheckpointManifest.StateDescriptor state = statesById.get(stateId);
        if (isTimers(stateId, state))
        {
            return TIMERS_STATE_NAME;
        }
        return state == null ? "#" + stateId : state.name();
    }

    /**
     * @return the entry's only row, or null for bookkeeping entries (map heads, map slot directory, list heads
     * without elements).
     * @throws IllegalArgumentException for an entry that packs several rows (a list chunk, a packed map): use
     * {@link #decodeAll}.
     */
    DecodedEntry decode(final int keyGroup, final byte[] key, final byte[] value)
    {
        final List<DecodedEntry> rows = decodeAll(keyGroup, key, value);
        if (rows.size() > 1)
        {
            throw new IllegalArgumentException("the entry holds " + rows.size() + " rows");
        }
        return rows.isEmpty() ? null : rows.get(0);
    }

    /**
     * @return the entry's rows: none for bookkeeping entries, one per element for list chunks and packed maps, else
     * one.
     */
    List<DecodedEntry> decodeAll(final int keyGroup, final byte[] key, final byte[] value)
    {
        keyBuffer.wrap(key);
        valueBuffer.wrap(value);
        if (key.length < KEY_LENGTH_OFFSET)
        {
            return List.of(raw("?", keyGroup, 0, value));
        }
        final int stateId = keyBuffer.getShort(STATE_ID_OFFSET, ORDER) & 0xFFFF;
        final CheckpointManifest.StateDescriptor state = statesById.get(stateId);
        if (state == null || isTimers(stateId, state))
        {
            return List.of(raw(stateName(stateId), keyGroup, KEY_LENGTH_OFFSET, value));
        }
        if (key.length < KEY_OFFSET)
        {
            return List.of(raw(state.name(), keyGroup, KEY_LENGTH_OFFSET, value));
        }
        final int keyLength = keyBuffer.getShort(KEY_LENGTH_OFFSET, ORDER) & 0xFFFF;
        final int suffixOffset = KEY_OFFSET + keyLength;
        if (suffixOffset > key.length)
        {
            return List.of(raw(state.name(), keyGroup, KEY_LENGTH_OFFSET, value));
        }
        final String userKey = CodecFormats.format(state.keyCodecId(), keyBuffer, KEY_OFFSET, keyLength);
        final Boolean namespaced = namespacedById.get(stateId);
        List<DecodedEntry> entry = null;
        if (namespaced == null || !namespaced)
        {
            entry = decodeSuffix(state, keyGroup, userKey, key, suffixOffset, value, false);
        }
        if (entry == null && (namespaced == null || namespaced))
        {
            entry = decodeSuffix(state, keyGroup, userKey, key, suffixOffset, value, true);
        }
        if (entry == null)
        {
            return List.of(new DecodedEntry(state.name(), keyGroup, userKey,
                Hex.format(keyBuffer, suffixOffset, key.length - suffixOffset), Hex.format(valueBuffer, 0, value.length),
                DecodedEntry.NO_TTL_TIMESTAMP));
        }
        return entry;
    }

    private static final List<DecodedEntry> BOOKKEEPING = List.of();
    private static final DecodedEntry MAP_BOOKKEEPING = new DecodedEntry("", 0, "", "", "", 0);

    /**
     * @return the rows, {@link #BOOKKEEPING}, or null if the suffix does not fit the layout.
     */
    private List<DecodedEntry> decodeSuffix(
        final CheckpointManifest.StateDescriptor state,
        final int keyGroup,
        final String userKey,
        final byte[] key,
        final int suffixOffset,
        final byte[] value,
        final boolean namespaced)
    {
        final int markerOffset = suffixOffset + (namespaced ? NAMESPACE_LENGTH : 0);
        if (markerOffset > key.length)
        {
            return null;
        }
        final String namespace = namespaced ? "ns=" + keyBuffer.getLong(suffixOffset, ORDER) : "";
        switch (state.kind())
        {
            case "LIST":
                return decodeListEntry(state, keyGroup, userKey, key, markerOffset, value, namespace);
            case "MAP":
            {
                if (key.length == markerOffset + 1 && key[markerOffset] == MAP_PACKED_MARKER)
                {
                    return decodePackedMap(state, keyGroup, userKey, value, namespace);
                }
                final DecodedEntry entry = decodeMapEntry(state, keyGroup, userKey, key, markerOffset, value, namespace);
                if (entry == null)
                {
                    return null;
                }
                return entry == MAP_BOOKKEEPING ? BOOKKEEPING : List.of(entry);
            }
            default:
                if (markerOffset != key.length)
                {
                    return null;
                }
                return List.of(dataEntry(state, keyGroup, userKey, namespace, value, 0));
        }
    }

    private List<DecodedEntry> decodeListEntry(
        final CheckpointManifest.StateDescriptor state,
        final int keyGroup,
        final String userKey,
        final byte[] key,
        final int markerOffset,
        final byte[] value,
        final String namespace)
    {
        final int suffixLength = key.length - markerOffset;
        final int elementsOffset;
        if (suffixLength == 1 && key[markerOffset] == LIST_HEAD_MARKER)
        {
            // With TTL, the list's newest timestamp leads, unless the head is of layout 3 or earlier: the range alone.
            final int rangeOffset = state.ttlMs() > 0 && value.length != LIST_HEAD_LENGTH ? TTL_TIMESTAMP_LENGTH : 0;
            if (value.length < rangeOffset + LIST_HEAD_LENGTH)
            {
                return null;
            }
            elementsOffset = rangeOffset + LIST_HEAD_LENGTH;
        }
        else if (suffixLength == 1 + LIST_SEQ_LENGTH && key[markerOffset] == LIST_CHUNK_MARKER)
        {
            elementsOffset = state.ttlMs() > 0 ? TTL_TIMESTAMP_LENGTH : 0;
        }
        else
        {
            return null;
        }
        final boolean ttl = state.ttlMs() > 0;
        final int headerLength = (ttl ? TTL_TIMESTAMP_LENGTH : 0) + LIST_ELEMENT_LENGTH_LENGTH;
        // a key's chunks sort together, in sequence order, followed by its head (which holds the list's tail)
        if (!Arrays.equals(listBase, 0, listBase.length, key, 0, markerOffset))
        {
            listBase = Arrays.copyOf(key, markerOffset);
            listIndex = 0;
        }
        final List<DecodedEntry> rows = new ArrayList<>();
        int position = elementsOffset;
        while (position < value.length)
        {
            if (value.length - position < headerLength)
            {
                return null;
            }
            final int length = valueBuffer.getInt(position + headerLength - LIST_ELEMENT_LENGTH_LENGTH, ORDER);
            final int payload = position + headerLength;
            if (length < 0 || length > value.length - payload)
            {
                return null;
            }
            rows.add(new DecodedEntry(state.name(), keyGroup, userKey, join(namespace, Integer.toString(listIndex++)),
                CodecFormats.format(state.valueCodecId(), valueBuffer, payload, length),
                ttl ? valueBuffer.getLong(position, ORDER) : DecodedEntry.NO_TTL_TIMESTAMP));
            position = payload + length;
        }
        return rows;
    }

    /**
     * The rows of a packed map ({@link PackedMapEntry}), each with its own TTL stamp: null if the bytes do not fit
     * that layout.
     */
    private List<DecodedEntry> decodePackedMap(
        final CheckpointManifest.StateDescriptor state,
        final int keyGroup,
        final String userKey,
        final byte[] value,
        final String namespace)
    {
        final boolean ttl = state.ttlMs() > 0;
        final PackedMapEntry packed = ttl ? packedWithTtl : packedWithoutTtl;
        if (!packed.wrap(valueBuffer, value.length))
        {
            return null;
        }
        final int fixedLength = CodecFormats.fixedLength(state.userKeyCodecId());
        final List<DecodedEntry> rows = new ArrayList<>(packed.count());
        for (int i = 0; i < packed.count(); i++)
        {
            if (fixedLength >= 0 && packed.keyLength(i) != fixedLength)
            {
                return null;
            }
            rows.add(new DecodedEntry(state.name(), keyGroup, userKey,
                join(namespace, CodecFormats.format(state.userKeyCodecId(), valueBuffer, packed.keyOffset(i),
                    packed.keyLength(i))),
                CodecFormats.format(state.valueCodecId(), valueBuffer, packed.valueOffset(i), packed.valueLength(i)),
                ttl ? packed.timestamp(i) : DecodedEntry.NO_TTL_TIMESTAMP));
        }
        return rows;
    }

    private DecodedEntry decodeMapEntry(
        final CheckpointManifest.StateDescriptor state,
        final int keyGroup,
        final String userKey,
        final byte[] key,
        final int markerOffset,
        final byte[] value,
        final String namespace)
    {
        final int suffixLength = key.length - markerOffset;
        if (suffixLength < 1)
        {
            return null;
        }
        final byte marker = key[markerOffset];
        if (marker == HEAD_MARKER)
        {
            return suffixLength == 1 ? MAP_BOOKKEEPING : null;
        }
        if (marker == MAP_BY_SLOT_MARKER)
        {
            return suffixLength == 1 + MAP_SLOT_LENGTH ? MAP_BOOKKEEPING : null;
        }
        if (marker != MAP_BY_KEY_MARKER)
        {
            return null;
        }
        final int mapKeyLength = suffixLength - 1;
        final int fixedLength = CodecFormats.fixedLength(state.userKeyCodecId());
        if (fixedLength >= 0 && mapKeyLength != fixedLength)
        {
            return null;
        }
        final String mapKey = CodecFormats.format(state.userKeyCodecId(), keyBuffer, markerOffset + 1, mapKeyLength);
        return dataEntry(state, keyGroup, userKey, join(namespace, mapKey), value, MAP_SLOT_LENGTH);
    }

    /**
     * @param skipBytes after the optional TTL timestamp and before the value (the map slot).
     */
    private DecodedEntry dataEntry(
        final CheckpointManifest.StateDescriptor state,
        final int keyGroup,
        final String userKey,
        final String subkey,
        final byte[] value,
        final int skipBytes)
    {
        final boolean ttl = state.ttlMs() > 0;
        final int valueOffset = (ttl ? TTL_TIMESTAMP_LENGTH : 0) + skipBytes;
        if (value.length < valueOffset)
        {
            return new DecodedEntry(state.name(), keyGroup, userKey, subkey, Hex.format(valueBuffer, 0, value.length),
                DecodedEntry.NO_TTL_TIMESTAMP);
        }
        return new DecodedEntry(state.name(), keyGroup, userKey, subkey,
            CodecFormats.format(state.valueCodecId(), valueBuffer, valueOffset, value.length - valueOffset),
            ttl ? valueBuffer.getLong(0, ORDER) : DecodedEntry.NO_TTL_TIMESTAMP);
    }

    private DecodedEntry raw(final String stateName, final int keyGroup, final int keyOffset, final byte[] value)
    {
        return new DecodedEntry(stateName, keyGroup, Hex.format(keyBuffer, keyOffset, keyBuffer.capacity() - keyOffset),
            "", Hex.format(valueBuffer, 0, value.length), DecodedEntry.NO_TTL_TIMESTAMP);
    }

    private static boolean isTimers(final int stateId, final CheckpointManifest.StateDescriptor state)
    {
        return stateId == TIMERS_STATE_ID || (state != null && "TIMERS".equals(state.kind()));
    }

    private static String join(final String namespace, final String subkey)
    {
        return namespace.isEmpty() ? subkey : namespace + "/" + subkey;
    }
}
