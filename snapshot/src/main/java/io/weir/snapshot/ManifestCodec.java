package io.weir.snapshot;

import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32C;

import static io.weir.snapshot.ManifestDescriptor.*;

/**
 * Encodes and decodes {@link CheckpointManifest}s; see {@link ManifestDescriptor} for the layout.
 * Stateless and thread safe.
 */
public final class ManifestCodec
{
    private ManifestCodec()
    {
    }

    /**
     * @param manifest to encode.
     * @return the bytes of a MANIFEST file, CRC included.
     */
    public static byte[] encode(final CheckpointManifest manifest)
    {
        final Encoder out = new Encoder();
        out.putLong(manifest.checkpointId());
        out.putInt(manifest.kind().code());
        out.putLong(manifest.creationTimeMs());
        out.putInt(manifest.maxParallelism());
        out.putString(manifest.backendName());
        out.putInt(manifest.shards().size());
        for (final CheckpointManifest.ShardState shard : manifest.shards())
        {
            out.putInt(shard.shardId());
            out.putInt(shard.firstKeyGroup());
            out.putInt(shard.lastKeyGroup());
            out.putLong(shard.watermark());
            out.putLong(shard.timerCount());
            out.putInt(shard.files().size());
            for (final CheckpointManifest.FileRef file : shard.files())
            {
                out.putString(file.name());
                out.putLong(file.sizeBytes());
                out.putInt(file.kind().code());
            }
            final CheckpointManifest.FileRef timers = shard.timers();
            out.putInt(timers == null ? 0 : 1);
            if (timers != null)
            {
                out.putString(timers.name());
                out.putLong(timers.sizeBytes());
                out.putInt(timers.kind().code());
            }
        }
        out.putInt(manifest.sources().size());
        for (final CheckpointManifest.SourcePosition source : manifest.sources())
        {
            out.putString(source.sourceName());
            out.putLong(source.position());
            out.putLong(source.line());
        }
        out.putInt(manifest.states().size());
        for (final CheckpointManifest.StateDescriptor state : manifest.states())
        {
            out.putInt(state.stateId());
            out.putString(state.name());
            out.putString(state.kind());
            out.putString(state.keyCodecId());
            out.putString(state.valueCodecId());
            out.putString(state.userKeyCodecId());
            out.putLong(state.ttlMs());
        }
        out.putInt(manifest.properties().size());
        for (final Map.Entry<String, String> property : manifest.properties().entrySet())
        {
            out.putString(property.getKey());
            out.putString(property.getValue());
        }
        return out.finish();
    }

    /**
     * Decodes and validates a MANIFEST.
     *
     * @param bytes  of the file.
     * @param source named in exception messages, normally the file's path.
     * @return the manifest.
     * @throws SnapshotCorruptException on bad magic, unknown version, truncation, CRC mismatch or bad fields.
     */
    public static CheckpointManifest decode(final byte[] bytes, final String source)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(bytes);
        if (bytes.length < BODY_OFFSET + CRC_LENGTH)
        {
            throw new SnapshotCorruptException(source + ": offset 0: truncated manifest of " + bytes.length + " bytes");
        }
        for (int i = 0; i < MAGIC_LENGTH; i++)
        {
            if (bytes[MAGIC_OFFSET + i] != MAGIC[i])
            {
                throw new SnapshotCorruptException(source + ": offset 0: bad magic, not a Weir manifest");
            }
        }
        final int bodyLength = buffer.getInt(BODY_LENGTH_OFFSET, BYTE_ORDER);
        if (bodyLength < 0 || (long)BODY_OFFSET + bodyLength + CRC_LENGTH != bytes.length)
        {
            throw new SnapshotCorruptException(source + ": offset " + BODY_LENGTH_OFFSET + ": body length " +
                bodyLength + " does not match file length " + bytes.length + " (truncated or torn)");
        }
        final CRC32C crc = new CRC32C();
        crc.update(bytes, 0, BODY_OFFSET + bodyLength);
        final int stored = buffer.getInt(BODY_OFFSET + bodyLength, BYTE_ORDER);
        if (stored != (int)crc.getValue())
        {
            throw new SnapshotCorruptException(source + ": offset " + (BODY_OFFSET + bodyLength) +
                ": manifest CRC mismatch (stored 0x" + Integer.toHexString(stored) + ", computed 0x" +
                Integer.toHexString((int)crc.getValue()) + ")");
        }
        final int version = buffer.getInt(VERSION_OFFSET, BYTE_ORDER);
        if (version != FORMAT_VERSION)
        {
            throw new SnapshotCorruptException(source + ": offset " + VERSION_OFFSET +
                ": unsupported manifest version " + version + " (this reader supports " + FORMAT_VERSION + ")");
        }

        final Decoder in = new Decoder(buffer, BODY_OFFSET + bodyLength, source);
        try
        {
            final CheckpointManifest.Builder builder = CheckpointManifest.builder()
                .checkpointId(in.getLong())
                .kind(in.kind())
                .creationTimeMs(in.getLong())
                .maxParallelism(in.getInt())
                .backendName(in.getString());
            final int shardCount = in.count();
            for (int s = 0; s < shardCount; s++)
            {
                final int shardId = in.getInt();
                final int firstKeyGroup = in.getInt();
                final int lastKeyGroup = in.getInt();
                final long watermark = in.getLong();
                final long timerCount = in.getLong();
                final int fileCount = in.count();
                final List<CheckpointManifest.FileRef> files = new ArrayList<>(fileCount);
                for (int f = 0; f < fileCount; f++)
                {
                    files.add(new CheckpointManifest.FileRef(in.getString(), in.getLong(), in.fileKind()));
                }
                final CheckpointManifest.FileRef timers = in.count() == 0 ? null :
                    new CheckpointManifest.FileRef(in.getString(), in.getLong(), in.fileKind());
                builder.addShard(new CheckpointManifest.ShardState(
                    shardId, firstKeyGroup, lastKeyGroup, files, watermark, timerCount, timers));
            }
            final int sourceCount = in.count();
            for (int i = 0; i < sourceCount; i++)
            {
                builder.addSource(in.getString(), in.getLong(), in.getLong());
            }
            final int stateCount = in.count();
            for (int i = 0; i < stateCount; i++)
            {
                builder.addState(new CheckpointManifest.StateDescriptor(
                    in.getInt(), in.getString(), in.getString(), in.getString(), in.getString(), in.getString(),
                    in.getLong()));
            }
            final Map<String, String> properties = new TreeMap<>();
            final int propertyCount = in.count();
            for (int i = 0; i < propertyCount; i++)
            {
                properties.put(in.getString(), in.getString());
            }
            properties.forEach(builder::property);
            if (in.position != in.end)
            {
                throw new SnapshotCorruptException(source + ": offset " + in.position + ": " + (in.end - in.position) +
                    " unexpected bytes after the last field");
            }
            return builder.build();
        }
        catch (final IllegalArgumentException | NullPointerException ex)
        {
            throw new SnapshotCorruptException(source + ": offset " + in.position + ": invalid manifest field: " +
                ex.getMessage(), ex);
        }
    }

    private static final class Encoder
    {
        private final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(1024);
        private int position = BODY_OFFSET;

        void putInt(final int value)
        {
            buffer.putInt(position, value, BYTE_ORDER);
            position += 4;
        }

        void putLong(final long value)
        {
            buffer.putLong(position, value, BYTE_ORDER);
            position += 8;
        }

        void putString(final String value)
        {
            final byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
            putInt(bytes.length);
            buffer.putBytes(position, bytes);
            position += bytes.length;
        }

        byte[] finish()
        {
            buffer.putBytes(MAGIC_OFFSET, MAGIC);
            buffer.putInt(VERSION_OFFSET, FORMAT_VERSION, BYTE_ORDER);
            buffer.putInt(BODY_LENGTH_OFFSET, position - BODY_OFFSET, BYTE_ORDER);
            final CRC32C crc = new CRC32C();
            crc.update(buffer.byteArray(), 0, position);
            buffer.putInt(position, (int)crc.getValue(), BYTE_ORDER);
            final byte[] bytes = new byte[position + CRC_LENGTH];
            buffer.getBytes(0, bytes);
            return bytes;
        }
    }

    private static final class Decoder
    {
        private final UnsafeBuffer buffer;
        private final int end;
        private final String source;
        private int position = BODY_OFFSET;

        Decoder(final UnsafeBuffer buffer, final int end, final String source)
        {
            this.buffer = buffer;
            this.end = end;
            this.source = source;
        }

        private void check(final int length, final String what)
        {
            if (length < 0 || length > end - position)
            {
                throw new SnapshotCorruptException(source + ": offset " + position + ": " + what + " of " + length +
                    " bytes runs past the end of the manifest body at " + end);
            }
        }

        int getInt()
        {
            check(4, "int");
            final int value = buffer.getInt(position, BYTE_ORDER);
            position += 4;
            return value;
        }

        long getLong()
        {
            check(8, "long");
            final long value = buffer.getLong(position, BYTE_ORDER);
            position += 8;
            return value;
        }

        int count()
        {
            final int at = position;
            final int count = getInt();
            if (count < 0 || count > end - position)
            {
                throw new SnapshotCorruptException(source + ": offset " + at + ": implausible count " + count);
            }
            return count;
        }

        String getString()
        {
            final int length = getInt();
            check(length, "string");
            final String value = buffer.getStringWithoutLengthUtf8(position, length);
            position += length;
            return value;
        }

        CheckpointKind kind()
        {
            final int at = position;
            final int code = getInt();
            final CheckpointKind kind = CheckpointKind.fromCode(code);
            if (kind == null)
            {
                throw new SnapshotCorruptException(source + ": offset " + at + ": unknown checkpoint kind " + code);
            }
            return kind;
        }

        SnapshotFileKind fileKind()
        {
            final int at = position;
            final int code = getInt();
            final SnapshotFileKind kind = SnapshotFileKind.fromCode(code);
            if (kind == null)
            {
                throw new SnapshotCorruptException(source + ": offset " + at + ": unknown file kind " + code);
            }
            return kind;
        }
    }
}
