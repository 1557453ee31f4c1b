package io.weir.engine.state;

import io.weir.state.spi.StateKeyDescriptor;
import org.agrona.DirectBuffer;

import java.nio.ByteOrder;

/**
 * Layout of the entries the state views write under the composite-key prefix of {@link StateKeyDescriptor}.
 * All integers are big-endian. {@code base} is the prefix {@code [kg u16][stateId u16][keyLen u16][key]},
 * followed by the 8-byte namespace for states registered with {@link KeyedStateRegistry#getNamespacedState}.
 * <pre>
 * Value, Reducing, Aggregating, LongValue: one entry
 *   key:   [base]
 *   value: [ts i64]? [value bytes]                    (LongValue: 8 bytes)
 *
 * List: a head and chunks firstSeq..nextSeq-1 of packed elements, in list order; each chunk is sealed once it holds
 * at least LIST_CHUNK_TARGET_BYTES of elements. The head also holds the open chunk (the list's tail, after the
 * sealed chunks). With TTL a chunk leads with its newest element's timestamp and the head with one no earlier than
 * any of the list's (a TTL'd head of layout 3 or earlier is the 16 bytes of the range alone, its elements in chunks)
 *   key:   [base][0x04]                 value: [maxTs i64]? [firstSeq i64][nextSeq i64] [element]*
 *   key:   [base][0x01][seq i64]        value: [maxTs i64]? [element]*
 *   element:                            [ts i64]? [length i32][element bytes]
 *
 * Map: a small map packed in one entry ({@link PackedMapEntry}), in element (slot) order
 *   key:   [base][0x05]                 value: [maxTs i64]? [count i32] element*
 *   element:                            [ts i64]? [length i32][userKey bytes] [length i32][value bytes]
 * or, once it outgrows that entry, a head, an entry per user key, and a dense slot directory 0..count-1 so
 * iteration needs no ordered scan (a map is in one form or the other, never both)
 *   key:   [base][0x00]                 value: [count i64]
 *   key:   [base][0x02][userKey bytes]  value: [ts i64]? [slot i64][value bytes]
 *   key:   [base][0x03][slot i64]       value: [userKey bytes]
 *
 *   +--------+--------+--------+--------------+------------+--------+-----------------------+
 *   | kg u16 | id u16 | len u16| key (len)    | ns i64 (?) | marker | suffix (seq/slot/uk)  |
 *   +--------+--------+--------+--------------+------------+--------+-----------------------+
 * </pre>
 * {@code [ts i64]?} is the last-access time in epoch milliseconds, present exactly when the state has TTL on; it
 * always leads the value of a TTL'd data entry (value, element, by-key map entry, packed map, list chunk and head)
 * so that {@link TtlSnapshotFilter} reads it without knowing codecs (a list chunk's and a packed map's is their
 * newest element's, a list head's no earlier than any of the list's, so they are dropped once all their elements
 * expired). Map heads and the slot directory never carry a timestamp; after a snapshot dropped expired entries,
 * readers skip list chunks and map slots whose data entry is missing and repair the directory.
 * <p>
 * {@link #LAYOUT_VERSION} names this layout in checkpoint manifests (property {@code state.layout}); a restore refuses
 * a later one.
 */
public final class StateLayoutDescriptor
{
    public static final int NAMESPACE_LENGTH = Long.BYTES;
    public static final int TTL_TIMESTAMP_LENGTH = Long.BYTES;
    public static final int MARKER_LENGTH = 1;

    /**
     * Version of this layout. 4: a TTL'd list's head holds its tail and leads with a timestamp no earlier than any of
     * the list's (3: small maps packed in one entry; 2: every map in a slot directory; this version reads both; 1: one
     * entry per list element, which it does not).
     */
    public static final int LAYOUT_VERSION = 4;

    public static final byte HEAD_MARKER = 0x00;
    public static final byte LIST_CHUNK_MARKER = 0x01;
    /** After the chunks' marker, so that a list's head sorts after its chunks, as its tail follows them. */
    public static final byte LIST_HEAD_MARKER = 0x04;
    public static final byte MAP_BY_KEY_MARKER = 0x02;
    public static final byte MAP_BY_SLOT_MARKER = 0x03;
    public static final byte MAP_PACKED_MARKER = 0x05;

    public static final int LIST_HEAD_FIRST_SEQ_OFFSET = 0;
    public static final int LIST_HEAD_NEXT_SEQ_OFFSET = 8;
    public static final int LIST_HEAD_LENGTH = 16;
    public static final int LIST_SEQ_LENGTH = Long.BYTES;
    public static final int LIST_ELEMENT_LENGTH_LENGTH = Integer.BYTES;
    /** A chunk is sealed once its elements take at least this many bytes (one large element makes a chunk). */
    public static final int LIST_CHUNK_TARGET_BYTES = 512;

    public static final int MAP_HEAD_COUNT_OFFSET = 0;
    public static final int MAP_HEAD_LENGTH = 8;
    public static final int MAP_SLOT_LENGTH = Long.BYTES;

    private StateLayoutDescriptor()
    {
    }

    /** Length of {@code [prefix][namespace?]} of a composite key held at offset 0 of {@code compositeKey}. */
    public static int baseLength(final DirectBuffer compositeKey, final boolean namespaced)
    {
        return StateKeyDescriptor.suffixOffset(compositeKey) + (namespaced ? NAMESPACE_LENGTH : 0);
    }

    /** The namespace of a namespaced state's composite key. */
    public static long namespace(final DirectBuffer compositeKey)
    {
        return compositeKey.getLong(StateKeyDescriptor.suffixOffset(compositeKey), ByteOrder.BIG_ENDIAN);
    }

    /** The last-access timestamp leading a TTL'd data entry's value. */
    public static long ttlTimestamp(final DirectBuffer value)
    {
        return value.getLong(0, ByteOrder.BIG_ENDIAN);
    }

    /**
     * For a state with TTL on: whether the entry leads with a TTL timestamp. False for map heads, the map slot
     * directory, and list heads of layout 3 or earlier ({@link #LIST_HEAD_LENGTH} bytes).
     */
    public static boolean isDataEntry(
        final io.weir.api.state.StateDescriptor.Kind kind,
        final DirectBuffer compositeKey,
        final int keyLength,
        final boolean namespaced,
        final int valueLength)
    {
        switch (kind)
        {
            case LIST:
            {
                final int base = baseLength(compositeKey, namespaced);
                if (keyLength <= base)
                {
                    return false;
                }
                final byte marker = compositeKey.getByte(base);
                return marker == LIST_CHUNK_MARKER ||
                    (marker == LIST_HEAD_MARKER && keyLength == base + MARKER_LENGTH &&
                    valueLength != LIST_HEAD_LENGTH);
            }
            case MAP:
            {
                final int base = baseLength(compositeKey, namespaced);
                if (keyLength <= base)
                {
                    return false;
                }
                final byte marker = compositeKey.getByte(base);
                return marker == MAP_BY_KEY_MARKER ||
                    (marker == MAP_PACKED_MARKER && keyLength == base + MARKER_LENGTH);
            }
            default:
                return true;
        }
    }
}
