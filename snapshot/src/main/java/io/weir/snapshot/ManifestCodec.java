package io.weir.snapshot;

import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
            out.putString(shard.operator());
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
            out.putString(state.operator());
        }
        out.putInt(manifest.broadcasts().size());
        for (final CheckpointManifest.BroadcastFile broadcast : manifest.broadcasts())
        {
            out.putString(broadcast.operator());
            out.putString(broadcast.file().name());
            out.putLong(broadcast.file().sizeBytes());
            out.putInt(broadcast.file().kind().code());
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
     * Reads and decodes a MANIFEST file, refusing one longer than {@link ManifestDescriptor#MAX_MANIFEST_BYTES}
     * before reading it.
     *
     * @param path of the file.
     * @return the manifest.
     * @throws SnapshotCorruptException     if it is missing, too long or corrupt.
     * @throws java.io.UncheckedIOException on other I/O failures.
     */
    public static CheckpointManifest read(final Path path)
    {
        final byte[] bytes;
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ))
        {
            final long size = channel.size();
            if (size > MAX_MANIFEST_BYTES)
            {
                throw new SnapshotCorruptException(path + ": manifest of " + size + " bytes is longer than the " +
                    MAX_MANIFEST_BYTES + " a manifest may have");
            }
            final ByteBuffer buffer = ByteBuffer.allocate((int)size);
            while (buffer.hasRemaining())
            {
                if (channel.read(buffer) < 0)
                {
                    break;
                }
            }
            bytes = buffer.position() == buffer.capacity() ? buffer.array() :
                java.util.Arrays.copyOf(buffer.array(), buffer.position());
        }
        catch (final NoSuchFileException ex)
        {
            throw new SnapshotCorruptException(path + ": no MANIFEST, the checkpoint is incomplete");
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot read manifest " + path + ": " + ex.getMessage(), ex);
        }
        return decode(bytes, path.toString());
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
        if (version < ManifestDescriptor.MIN_READ_VERSION || version > FORMAT_VERSION)
        {
            throw new SnapshotCorruptException(source + ": offset " + VERSION_OFFSET +
                ": unsupported manifest version " + version + " (this reader supports " +
                ManifestDescriptor.MIN_READ_VERSION + " to " + FORMAT_VERSION + ")" +
                (version < FORMAT_VERSION ? ": it was written by an older Weir; restore it with that version, or " +
                "start the job without it" : ""));
        }

        final Decoder in = new Decoder(buffer, BODY_OFFSET + bodyLength, source);
        try
        {
            final CheckpointManifest.Builder builder = CheckpointManifest.builder()
                .checkpointId(in.getLong())
                .kind(in.kind());
            builder.creationTimeMs(in.getLong());
            final int maxParallelismAt = in.position;
            final int maxParallelism = in.getInt();
            if (maxParallelism <= 0 || maxParallelism > SnapshotFileDescriptor.MAX_PARALLELISM_LIMIT)
            {
                throw new SnapshotCorruptException(source + ": offset " + maxParallelismAt + ": maxParallelism " +
                    maxParallelism + " outside 1.." + SnapshotFileDescriptor.MAX_PARALLELISM_LIMIT);
            }
            builder.maxParallelism(maxParallelism).backendName(in.getString());
            final int shardCount = in.count();
            for (int s = 0; s < shardCount; s++)
            {
                final int shardAt = in.position;
                final int shardId = in.getInt();
                final int firstKeyGroup = in.getInt();
                final int lastKeyGroup = in.getInt();
                if (firstKeyGroup < 0 || lastKeyGroup < firstKeyGroup || lastKeyGroup >= maxParallelism)
                {
                    throw new SnapshotCorruptException(source + ": offset " + shardAt + ": shard " + shardId +
                        " has key groups [" + firstKeyGroup + ", " + lastKeyGroup + "] outside 0.." +
                        (maxParallelism - 1));
                }
                final long watermark = in.getLong();
                final long timerCount = in.nonNegativeLong("timer count");
                final int fileCount = in.count();
                final List<CheckpointManifest.FileRef> files = new ArrayList<>(fileCount);
                for (int f = 0; f < fileCount; f++)
                {
                    files.add(in.fileRef());
                }
                final CheckpointManifest.FileRef timers = in.count() == 0 ? null : in.fileRef();
                builder.addShard(new CheckpointManifest.ShardState(
                    shardId, firstKeyGroup, lastKeyGroup, files, watermark, timerCount, timers, in.getString()));
            }
            final int sourceCount = in.count();
            for (int i = 0; i < sourceCount; i++)
            {
                builder.addSource(in.getString(), in.getLong(), in.getLong());
            }
            final int stateCount = in.count();
            for (int i = 0; i < stateCount; i++)
            {
                final int stateAt = in.position;
                final int stateId = in.getInt();
                if (stateId < 0 || stateId > MAX_STATE_ID)
                {
                    throw new SnapshotCorruptException(source + ": offset " + stateAt + ": state id " + stateId +
                        " outside 0.." + MAX_STATE_ID);
                }
                builder.addState(new CheckpointManifest.StateDescriptor(
                    stateId, in.getString(), in.getString(), in.getString(), in.getString(), in.getString(),
                    in.getLong(), in.getString()));
            }
            final int broadcastCount = in.count();
            for (int i = 0; i < broadcastCount; i++)
            {
                final String operator = in.getString();
                builder.addBroadcast(new CheckpointManifest.BroadcastFile(operator, in.fileRef()));
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
            final CheckpointManifest manifest = builder.build();
            return manifest;
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

    /** What a file a manifest names may be called: no separators, no control characters. */
    private static final java.util.regex.Pattern PLAIN_FILE_NAME = java.util.regex.Pattern.compile("[A-Za-z0-9._-]{1,255}");

    private static String printable(final String text)
    {
        final StringBuilder sb = new StringBuilder();
        for (int i = 0; i < text.length() && i < 80; i++)
        {
            final char c = text.charAt(i);
            sb.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return text.length() > 80 ? sb + "..." : sb.toString();
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

        long nonNegativeLong(final String what)
        {
            final int at = position;
            final long value = getLong();
            if (value < 0)
            {
                throw new SnapshotCorruptException(source + ": offset " + at + ": negative " + what + " " + value);
            }
            return value;
        }

        CheckpointManifest.FileRef fileRef()
        {
            final int at = position;
            final String name = getString();
            if (!PLAIN_FILE_NAME.matcher(name).matches() || name.equals(".") || name.equals(".."))
            {
                throw new SnapshotCorruptException(source + ": offset " + at + ": file name \"" +
                    printable(name) + "\" is not a plain file name (letters, digits, '.', '_', '-')");
            }
            final long sizeBytes = nonNegativeLong("file size");
            final SnapshotFileKind kind = fileKind();
            try
            {
                return new CheckpointManifest.FileRef(name, sizeBytes, kind);
            }
            catch (final IllegalArgumentException ex)
            {
                throw new SnapshotCorruptException(source + ": offset " + at + ": " + ex.getMessage());
            }
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
