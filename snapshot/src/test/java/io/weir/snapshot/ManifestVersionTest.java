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
    void shouldRefuseAManifestOfAnEarlierFormatNamingTheFileAndVersion()
    {
        for (int version = 2; version < ManifestDescriptor.MIN_READ_VERSION; version++)
        {
            final int earlier = version;
            final SnapshotCorruptException ex = assertThrows(SnapshotCorruptException.class, () ->
                ManifestCodec.decode(withVersion(manifest("LIST"), earlier), "chk-3/MANIFEST"));
            assertTrue(ex.getMessage().startsWith("chk-3/MANIFEST") &&
                ex.getMessage().contains("unsupported manifest version " + earlier) &&
                ex.getMessage().contains("written by an older Weir"), ex.getMessage());
        }
    }

    @Test
    void shouldReadTheFormerVersionWhoseBodyIsTheSameAndRefuseALaterOne()
    {
        final CheckpointManifest manifest = manifest("LIST");
        assertEquals(manifest.states(), ManifestCodec.decode(
            withVersion(manifest, ManifestDescriptor.MIN_READ_VERSION), "chk-3/MANIFEST").states());
        final SnapshotCorruptException later = assertThrows(SnapshotCorruptException.class, () ->
            ManifestCodec.decode(withVersion(manifest, ManifestDescriptor.FORMAT_VERSION + 1), "chk-3/MANIFEST"));
        assertTrue(later.getMessage().contains("unsupported manifest version " +
            (ManifestDescriptor.FORMAT_VERSION + 1)), later.getMessage());
    }

    @Test
    void shouldReadItsOwnFormatWithListState()
    {
        assertEquals(manifest("LIST").states(),
            ManifestCodec.decode(ManifestCodec.encode(manifest("LIST")), "chk-3/MANIFEST").states());
    }
}
