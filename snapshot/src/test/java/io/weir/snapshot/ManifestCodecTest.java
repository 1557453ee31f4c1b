package io.weir.snapshot;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The manifest's operators survive encoding; a manifest of an older format is refused with a clear message. */
class ManifestCodecTest
{
    private static CheckpointManifest twoOperators()
    {
        final CheckpointManifest.FileRef file =
            new CheckpointManifest.FileRef("a-shard-0-chk-0000000001.full", 10, SnapshotFileKind.FULL);
        final CheckpointManifest.FileRef other =
            new CheckpointManifest.FileRef("b-shard-0-chk-0000000001.full", 20, SnapshotFileKind.FULL);
        return CheckpointManifest.builder().checkpointId(1).maxParallelism(128).backendName("heap")
            .addShard(new CheckpointManifest.ShardState(0, 0, 127, List.of(file), 5, 0, null, "a"))
            .addShard(new CheckpointManifest.ShardState(0, 0, 127, List.of(other), 7, 0, null, "b"))
            .addState(new CheckpointManifest.StateDescriptor(1, "count", "VALUE", "long", "long", "", 0, "a"))
            .addState(new CheckpointManifest.StateDescriptor(1, "sum", "VALUE", "long", "long", "", 0, "b"))
            .property("operator.b.state.sum.namespaced", "false")
            .property("state.count.namespaced", "true")
            .build();
    }

    @Test
    void operatorsSurviveEncodingAndEachHasItsOwnView()
    {
        final CheckpointManifest decoded = ManifestCodec.decode(ManifestCodec.encode(twoOperators()), "test");
        assertEquals(twoOperators(), decoded);
        assertEquals(List.of("a", "b"), decoded.operators());
        final CheckpointManifest b = decoded.forOperator("b");
        assertEquals(1, b.shards().size());
        assertEquals("b-shard-0-chk-0000000001.full", b.shards().get(0).files().get(0).name());
        assertEquals("", b.shards().get(0).operator());
        assertEquals(List.of("sum"), b.states().stream().map(CheckpointManifest.StateDescriptor::name).toList());
        assertEquals("false", b.properties().get("state.sum.namespaced"), "the operator's own properties");
    }

    @Test
    void aBroadcastStateFileSurvivesEncodingAndBelongsToItsOperatorsView()
    {
        final CheckpointManifest.FileRef rules = new CheckpointManifest.FileRef(
            BroadcastStateDescriptor.fileName("b", 1), 30, SnapshotFileKind.FULL);
        assertEquals("b-broadcast-chk-0000000001.broadcast", rules.name());
        final CheckpointManifest.Builder builder = CheckpointManifest.builder().checkpointId(1).maxParallelism(128)
            .backendName("heap")
            .addShard(new CheckpointManifest.ShardState(0, 0, 127, List.of(), 5, 0, null, "a"))
            .addShard(new CheckpointManifest.ShardState(0, 0, 127, List.of(), 7, 0, null, "b"))
            .addBroadcast(new CheckpointManifest.BroadcastFile("b", rules))
            .property("operator.b.broadcast.RULES.userKeyCodec", "string")
            .property("operator.b.broadcast.RULES.valueCodec", "long");
        final CheckpointManifest decoded = ManifestCodec.decode(ManifestCodec.encode(builder.build()), "test");
        assertEquals(builder.build(), decoded);
        assertEquals(List.of(rules.name()), decoded.fileNames(), "retention keeps it");
        assertEquals(rules, decoded.forOperator("b").broadcastOf(""));
        assertEquals(List.of("RULES"), decoded.forOperator("b").broadcastStateNames());
        assertEquals(null, decoded.forOperator("a").broadcastOf(""));
        assertTrue(decoded.toString().contains("operator b broadcast state"), decoded.toString());
    }

    @Test
    void aManifestOfAVersionBeforeTheEarliestReadIsRefusedSayingAnOlderWeirWroteIt()
    {
        final byte[] bytes = ManifestCodec.encode(twoOperators());
        final ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        buffer.putInt(ManifestDescriptor.VERSION_OFFSET, ManifestDescriptor.MIN_READ_VERSION - 1);
        final int bodyLength = buffer.getInt(ManifestDescriptor.BODY_LENGTH_OFFSET);
        final CRC32C crc = new CRC32C();
        crc.update(bytes, 0, ManifestDescriptor.BODY_OFFSET + bodyLength);
        buffer.putInt(ManifestDescriptor.BODY_OFFSET + bodyLength, (int)crc.getValue());
        final SnapshotCorruptException ex =
            assertThrows(SnapshotCorruptException.class, () -> ManifestCodec.decode(bytes, "chk-1/MANIFEST"));
        assertTrue(ex.getMessage().startsWith("chk-1/MANIFEST") && ex.getMessage().contains("older Weir"),
            ex.getMessage());
    }
}
