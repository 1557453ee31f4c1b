package io.weir.tools.snapshot;

import io.weir.api.codec.Hex;
import io.weir.snapshot.CheckpointManifest;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

import static io.weir.engine.state.StateLayoutDescriptor.HEAD_MARKER;
import static io.weir.engine.state.StateLayoutDescriptor.LIST_ELEMENT_MARKER;
import static io.weir.engine.state.StateLayoutDescriptor.LIST_SEQ_LENGTH;
import static io.weir.engine.state.StateLayoutDescriptor.MAP_BY_KEY_MARKER;
import static io.weir.engine.state.StateLayoutDescriptor.MAP_BY_SLOT_MARKER;
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
 *   <li>LIST: one row per element, subkey = the element's index among the key's live elements.</li>
 *   <li>MAP: one row per user key, subkey = the user key decoded with the user-key codec.</li>
 *   <li>List and map heads and the map slot directory are bookkeeping and are skipped.</li>
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
     * @return the entry rendered, or null for bookkeeping entries (list and map heads, map slot directory).
     */
    DecodedEntry decode(final int keyGroup, final byte[] key, final byte[] value)
    {
        keyBuffer.wrap(key);
        valueBuffer.wrap(value);
        if (key.length < KEY_LENGTH_OFFSET)
        {
            return raw("?", keyGroup, 0, value);
        }
        final int stateId = keyBuffer.getShort(STATE_ID_OFFSET, ORDER) & 0xFFFF;
        final CheckpointManifest.StateDescriptor state = statesById.get(stateId);
        if (state == null || isTimers(stateId, state))
        {
            return raw(stateName(stateId), keyGroup, KEY_LENGTH_OFFSET, value);
        }
        if (key.length < KEY_OFFSET)
        {
            return raw(state.name(), keyGroup, KEY_LENGTH_OFFSET, value);
        }
        final int keyLength = keyBuffer.getShort(KEY_LENGTH_OFFSET, ORDER) & 0xFFFF;
        final int suffixOffset = KEY_OFFSET + keyLength;
        if (suffixOffset > key.length)
        {
            return raw(state.name(), keyGroup, KEY_LENGTH_OFFSET, value);
        }
        final String userKey = CodecFormats.format(state.keyCodecId(), keyBuffer, KEY_OFFSET, keyLength);
        final Boolean namespaced = namespacedById.get(stateId);
        DecodedEntry entry = null;
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
            return new DecodedEntry(state.name(), keyGroup, userKey,
                Hex.format(keyBuffer, suffixOffset, key.length - suffixOffset), Hex.format(valueBuffer, 0, value.length),
                DecodedEntry.NO_TTL_TIMESTAMP);
        }
        return entry == BOOKKEEPING ? null : entry;
    }

    private static final DecodedEntry BOOKKEEPING = new DecodedEntry("", 0, "", "", "", 0);

    /**
     * @return the entry, {@link #BOOKKEEPING}, or null if the suffix does not fit the layout.
     */
    private DecodedEntry decodeSuffix(
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
                return decodeMapEntry(state, keyGroup, userKey, key, markerOffset, value, namespace);
            default:
                if (markerOffset != key.length)
                {
                    return null;
                }
                return dataEntry(state, keyGroup, userKey, namespace, value, 0);
        }
    }

    private DecodedEntry decodeListEntry(
        final CheckpointManifest.StateDescriptor state,
        final int keyGroup,
        final String userKey,
        final byte[] key,
        final int markerOffset,
        final byte[] value,
        final String namespace)
    {
        final int suffixLength = key.length - markerOffset;
        if (suffixLength == 1 && key[markerOffset] == HEAD_MARKER)
        {
            return BOOKKEEPING;
        }
        if (suffixLength != 1 + LIST_SEQ_LENGTH || key[markerOffset] != LIST_ELEMENT_MARKER)
        {
            return null;
        }
        // elements of one key sort together, in sequence order, right after its head
        if (Arrays.equals(listBase, 0, listBase.length, key, 0, markerOffset + 1))
        {
            listIndex++;
        }
        else
        {
            listBase = Arrays.copyOf(key, markerOffset + 1);
            listIndex = 0;
        }
        return dataEntry(state, keyGroup, userKey, join(namespace, Integer.toString(listIndex)), value, 0);
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
            return suffixLength == 1 ? BOOKKEEPING : null;
        }
        if (marker == MAP_BY_SLOT_MARKER)
        {
            return suffixLength == 1 + MAP_SLOT_LENGTH ? BOOKKEEPING : null;
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
