package io.weir.snapshot;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(10)
class ManifestVersionTest
{
    private static CheckpointManifest manifest(final String kind)
    {
        return CheckpointManifest.builder()
            .checkpointId(3).kind(CheckpointKind.CHECKPOINT).maxParallelism(8).backendName("heap")
            .addState(new CheckpointManifest.StateDescriptor(1, "history", kind, "long", "long", "", 0))
            .build();
    }

    /** The manifest as a reader of {@code version} would find it: the version field rewritten, the CRC fixed. */
    private static byte[] withVersion(final CheckpointManifest manifest, final int version)
    {
        final byte[] bytes = ManifestCodec.encode(manifest);
        final UnsafeBuffer buffer = new UnsafeBuffer(bytes);
        buffer.putInt(ManifestDescriptor.VERSION_OFFSET, version, ManifestDescriptor.BYTE_ORDER);
        final int crcAt = bytes.length - ManifestDescriptor.CRC_LENGTH;
        final CRC32C crc = new CRC32C();
        crc.update(bytes, 0, crcAt);
        buffer.putInt(crcAt, (int)crc.getValue(), ManifestDescriptor.BYTE_ORDER);
        return bytes;
    }

    @Test
    void shouldRefuseAnEarlierManifestWithListStateNamingTheState()
    {
        final SnapshotCorruptException ex = assertThrows(SnapshotCorruptException.class, () -> ManifestCodec.decode(
            withVersion(manifest("LIST"), ManifestDescriptor.LIST_PER_ELEMENT_VERSION), "chk-3/MANIFEST"));
        assertTrue(ex.getMessage().contains("chk-3/MANIFEST") && ex.getMessage().contains("'history'") &&
            ex.getMessage().contains("one entry per element"), ex.getMessage());
    }

    @Test
    void shouldReadAnEarlierManifestWithoutListState()
    {
        final CheckpointManifest read = ManifestCodec.decode(
            withVersion(manifest("VALUE"), ManifestDescriptor.LIST_PER_ELEMENT_VERSION), "chk-3/MANIFEST");
        assertEquals(manifest("VALUE").states(), read.states());
        assertEquals(manifest("LIST").states(),
            ManifestCodec.decode(ManifestCodec.encode(manifest("LIST")), "chk-3/MANIFEST").states());
    }
}
