package io.weir.tools.snapshot;

import io.weir.api.codec.Hex;
import io.weir.snapshot.CheckpointKind;
import io.weir.snapshot.CheckpointManifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static io.weir.tools.snapshot.CheckpointFixture.compositeKey;
import static io.weir.tools.snapshot.CheckpointFixture.longs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

@Timeout(10)
class EntryDecoderTest
{
    private static CheckpointManifest manifest(final String... properties)
    {
        final CheckpointManifest.Builder builder = CheckpointManifest.builder()
            .checkpointId(1).kind(CheckpointKind.CHECKPOINT).maxParallelism(8).backendName("heap")
            .addState(new CheckpointManifest.StateDescriptor(1, "pane", "LIST", "long", "long", "", 0))
            .addState(new CheckpointManifest.StateDescriptor(2, "tags", "MAP", "string-utf8", "int", "long", 1000))
            .addState(new CheckpointManifest.StateDescriptor(3, "blob", "VALUE", "long", "avro-v1", "", 0))
            .addState(new CheckpointManifest.StateDescriptor(4, "recent", "LIST", "long", "long", "", 1000));
        for (int i = 0; i < properties.length; i += 2)
        {
            builder.property(properties[i], properties[i + 1]);
        }
        return builder.build();
    }

    private static byte[] stringKey(final int stateId, final String key, final byte[] suffix)
    {
        final byte[] keyBytes = key.getBytes(StandardCharsets.UTF_8);
        final java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(6 + keyBytes.length + suffix.length);
        buffer.putShort((short)0).putShort((short)stateId).putShort((short)keyBytes.length).put(keyBytes).put(suffix);
        return buffer.array();
    }

    private static byte[] concat(final byte[]... parts)
    {
        final java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (final byte[] part : parts)
        {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    /** A list chunk's or tail's elements: {@code [length i32][long]} each. */
    private static byte[] elements(final long... values)
    {
        final java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(values.length * 12);
        for (final long value : values)
        {
            buffer.putInt(8).putLong(value);
        }
        return buffer.array();
    }

    @Test
    void shouldInferNamespacedListElementsFromChunksAndTheHeadsTail()
    {
        final EntryDecoder decoder = new EntryDecoder(manifest());
        final byte[] ns = longs(60_000);
        final List<DecodedEntry> chunk = decoder.decodeAll(1,
            compositeKey(1, 1, concat(ns, new byte[] {0x01}, longs(7))), elements(100, 200));
        assertEquals(List.of(
            new DecodedEntry("pane", 1, "1", "ns=60000/0", "100", DecodedEntry.NO_TTL_TIMESTAMP),
            new DecodedEntry("pane", 1, "1", "ns=60000/1", "200", DecodedEntry.NO_TTL_TIMESTAMP)), chunk);
        final List<DecodedEntry> tail = decoder.decodeAll(1, compositeKey(1, 1, concat(ns, new byte[] {0x04})),
            concat(longs(7, 8), elements(300)));
        assertEquals(1, tail.size());
        assertEquals("ns=60000/2", tail.get(0).subkey(), "the head's tail follows the key's chunks");
        assertEquals("300", tail.get(0).value());
        assertNull(decoder.decode(1, compositeKey(1, 1, concat(ns, new byte[] {0x04})), longs(0, 0)),
            "a head without a tail is bookkeeping");
        final DecodedEntry plain = decoder.decode(1, compositeKey(1, 1, concat(new byte[] {0x01}, longs(256))),
            elements(5));
        assertEquals("0", plain.subkey(), "a new list restarts its index");
    }

    @Test
    void shouldDecodeTheTailOfATtlListsHeadWithEachElementsStampAndSkipAHeadOfLayout3()
    {
        final EntryDecoder decoder = new EntryDecoder(manifest());
        final byte[] head = compositeKey(4, 1, new byte[] {0x04});
        final byte[] tail = concat(longs(1_700_000_000_500L, 0, 0), longs(1_700_000_000_000L), elements(300),
            longs(1_700_000_000_500L), elements(400));
        assertEquals(List.of(
            new DecodedEntry("recent", 1, "1", "0", "300", 1_700_000_000_000L),
            new DecodedEntry("recent", 1, "1", "1", "400", 1_700_000_000_500L)), decoder.decodeAll(1, head, tail));
        assertNull(decoder.decode(1, compositeKey(4, 1, new byte[] {0x04}), longs(0, 3)),
            "a TTL'd head of layout 3 is the chunk range alone");
    }

    @Test
    void shouldDecodeStringKeysMapUserKeysTtlAndIntValues()
    {
        final EntryDecoder decoder = new EntryDecoder(manifest());
        final DecodedEntry entry = decoder.decode(0, stringKey(2, "user-1", concat(new byte[] {0x02}, longs(42))),
            concat(longs(1_700_000_000_000L), longs(3), new byte[] {0, 0, 0, 9}));
        assertEquals(new DecodedEntry("tags", 0, "user-1", "42", "9", 1_700_000_000_000L), entry);
        assertNull(decoder.decode(0, stringKey(2, "user-1", concat(new byte[] {0x03}, longs(3))), longs(42)));
        assertNull(decoder.decode(0, stringKey(2, "user-1", new byte[] {0x00}), longs(4)));
    }

    /** A packed map element of a TTL'd long -> int map: {@code [ts i64][8][long key][4][int value]}. */
    private static byte[] packedElement(final long timestamp, final long key, final int value)
    {
        return java.nio.ByteBuffer.allocate(8 + 4 + 8 + 4 + 4).putLong(timestamp).putInt(8).putLong(key).putInt(4)
            .putInt(value).array();
    }

    @Test
    void shouldDecodeEveryUserKeyOfAPackedMapWithItsOwnTtlTimestamp()
    {
        final EntryDecoder decoder = new EntryDecoder(manifest());
        final byte[] key = stringKey(2, "user-1", new byte[] {0x05});
        final byte[] value = concat(longs(1_700_000_000_500L), new byte[] {0, 0, 0, 2},
            packedElement(1_700_000_000_000L, 42, 9), packedElement(1_700_000_000_500L, 7, 3));
        assertEquals(List.of(
            new DecodedEntry("tags", 0, "user-1", "42", "9", 1_700_000_000_000L),
            new DecodedEntry("tags", 0, "user-1", "7", "3", 1_700_000_000_500L)), decoder.decodeAll(0, key, value));
        final byte[] cut = java.util.Arrays.copyOf(value, value.length - 1);
        final DecodedEntry corrupt = decoder.decode(0, key, cut);
        assertEquals(List.of("05", Hex.format(new org.agrona.concurrent.UnsafeBuffer(cut), 0, cut.length)),
            List.of(corrupt.subkey(), corrupt.value()),
            "a packed map cut short is shown in hex");
    }

    @Test
    void shouldHonourTheNamespacedPropertyOverInference()
    {
        final EntryDecoder decoder = new EntryDecoder(manifest("state.pane.namespaced", "true"));
        // with the property a 9-byte suffix is a namespaced head, not an element of seq 256
        assertNull(decoder.decode(1, compositeKey(1, 1, concat(longs(0x0100000000000000L), new byte[] {0x04})),
            longs(0, 0)));
        final EntryDecoder plain = new EntryDecoder(manifest("state.pane.namespaced", "false"));
        final DecodedEntry odd = plain.decode(1, compositeKey(1, 1, concat(longs(5), new byte[] {0x00})), longs(0));
        assertEquals("000000000000000500", odd.subkey(), "a suffix that fits no layout is shown in hex");
    }

    @Test
    void shouldShowUnknownCodecsUnknownStatesAndMalformedKeysInHex()
    {
        final EntryDecoder decoder = new EntryDecoder(manifest());
        assertEquals("cafe", decoder.decode(1, compositeKey(3, 1, new byte[0]), new byte[] {(byte)0xca, (byte)0xfe})
            .value());
        final DecodedEntry unknown = decoder.decode(1, compositeKey(9, 1, new byte[0]), longs(1));
        assertEquals(List.of("#9", "00080000000000000001", "0000000000000001"),
            List.of(unknown.state(), unknown.key(), unknown.value()));
        final DecodedEntry shortKey = decoder.decode(1, new byte[] {0, 1, 0, 1, 0, 20, 1}, new byte[0]);
        assertEquals(List.of("pane", "001401"), List.of(shortKey.state(), shortKey.key()));
        final DecodedEntry wrongLength = decoder.decode(1, compositeKey(1, 1, concat(new byte[] {0x01}, longs(0))),
            new byte[] {1, 2});
        assertEquals("0102", wrongLength.value(), "a long codec over 2 bytes falls back to hex");
    }
}
