package io.weir.snapshot;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Layout of an operator's broadcast state file ({@code OPERATOR-broadcast-chk-N.broadcast}): a FULL snapshot file
 * of shard 0 and key group 0 only (broadcast state has no key groups), written once per checkpoint and restored to
 * every instance of the operator. Each entry is one map entry of one broadcast state:
 * <pre>
 *   key:   state name length (u16, big-endian) | state name (UTF-8) | user key (the descriptor's key codec)
 *   value: the value (the descriptor's value codec)
 * </pre>
 */
public final class BroadcastStateDescriptor
{
    /** The key group every entry is in. */
    public static final int KEY_GROUP = 0;
    public static final int NAME_LENGTH_OFFSET = 0;
    public static final int NAME_OFFSET = 2;
    /** File name suffix: {@code OPERATOR-broadcast-chk-N.broadcast}. */
    public static final String FILE_SUFFIX = ".broadcast";

    private BroadcastStateDescriptor()
    {
    }

    /** {@code OPERATOR-broadcast-chk-NNNNNNNNNN.broadcast}. */
    public static String fileName(final String operator, final long checkpointId)
    {
        return CheckpointDirectory.fileNamePrefix(operator) + "broadcast-chk-" +
            String.format(Locale.ROOT, "%010d", checkpointId) + FILE_SUFFIX;
    }

    /** Writes {@code name}'s prefix at {@code offset}; returns the offset of the user key. */
    public static int writeName(final MutableDirectBuffer key, final int offset, final byte[] nameUtf8)
    {
        key.putShort(offset + NAME_LENGTH_OFFSET, (short)nameUtf8.length, ByteOrder.BIG_ENDIAN);
        key.putBytes(offset + NAME_OFFSET, nameUtf8);
        return offset + NAME_OFFSET + nameUtf8.length;
    }

    /** The state name of the entry key at {@code offset}. */
    public static String name(final DirectBuffer key, final int offset, final int keyLength)
    {
        final int length = nameLength(key, offset, keyLength);
        final byte[] name = new byte[length];
        key.getBytes(offset + NAME_OFFSET, name);
        return new String(name, StandardCharsets.UTF_8);
    }

    /** Offset of the user key in the entry key at {@code offset}. */
    public static int userKeyOffset(final DirectBuffer key, final int offset, final int keyLength)
    {
        return offset + NAME_OFFSET + nameLength(key, offset, keyLength);
    }

    private static int nameLength(final DirectBuffer key, final int offset, final int keyLength)
    {
        final int length = key.getShort(offset + NAME_LENGTH_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        if (keyLength < NAME_OFFSET || NAME_OFFSET + length > keyLength)
        {
            throw new SnapshotCorruptException("broadcast state entry key of " + keyLength + " bytes names a state " +
                "of " + length + " bytes");
        }
        return length;
    }
}
