package io.weir.state.lmdb;

import io.weir.state.spi.KeyedStateStore;
import io.weir.state.spi.StateKeyDescriptor;
import io.weir.state.spi.StoreSnapshot;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;

/** Composite keys, model maps and snapshot capture for the LMDB store tests. */
final class StoreTestSupport
{
    private StoreTestSupport()
    {
    }

    /** A composite key as the engine builds it: [keyGroup u16][stateId u16][keyLen u16][key]. */
    static byte[] compositeKey(final int keyGroup, final int stateId, final byte[] userKey)
    {
        final ByteBuffer bb = ByteBuffer.allocate(StateKeyDescriptor.KEY_OFFSET + userKey.length)
            .order(ByteOrder.BIG_ENDIAN);
        bb.putShort((short)keyGroup).putShort((short)stateId).putShort((short)userKey.length).put(userKey);
        return bb.array();
    }

    static byte[] compositeKey(final long id)
    {
        final byte[] userKey = ByteBuffer.allocate(8).putLong(id).array();
        return compositeKey((int)(Math.floorMod(id, 128)), 1, userKey);
    }

    static ExpandableDirectByteBuffer direct(final byte[] bytes)
    {
        final ExpandableDirectByteBuffer buffer = new ExpandableDirectByteBuffer(Math.max(1, bytes.length));
        buffer.putBytes(0, bytes);
        return buffer;
    }

    static void put(final KeyedStateStore store, final byte[] key, final byte[] value)
    {
        store.put(direct(key), key.length, direct(value), 0, value.length);
    }

    static byte[] get(final KeyedStateStore store, final byte[] key)
    {
        final ExpandableDirectByteBuffer out = new ExpandableDirectByteBuffer(16);
        final int length = store.get(direct(key), key.length, out);
        if (KeyedStateStore.MISSING == length)
        {
            return null;
        }
        final byte[] value = new byte[length];
        out.getBytes(0, value);
        return value;
    }

    static boolean remove(final KeyedStateStore store, final byte[] key)
    {
        return store.remove(direct(key), key.length);
    }

    static byte[] copy(final DirectBuffer buffer, final int length)
    {
        final byte[] bytes = new byte[length];
        buffer.getBytes(0, bytes);
        return bytes;
    }

    /** Every entry of the store, keyed by wrapped key bytes (content equality). */
    static Map<ByteBuffer, ByteBuffer> contents(final KeyedStateStore store)
    {
        final Map<ByteBuffer, ByteBuffer> map = new HashMap<>();
        store.forEach((key, keyLength, value, valueLength) ->
            map.put(ByteBuffer.wrap(copy(key, keyLength)), ByteBuffer.wrap(copy(value, valueLength))));
        return map;
    }

    /** Every entry of the snapshot; tombstones map to null. */
    static Map<ByteBuffer, ByteBuffer> contents(final StoreSnapshot snapshot)
    {
        final Map<ByteBuffer, ByteBuffer> map = new HashMap<>();
        snapshot.forEach((key, keyLength, value, valueLength) ->
        {
            final ByteBuffer k = ByteBuffer.wrap(copy(key, keyLength));
            if (map.containsKey(k))
            {
                throw new AssertionError("key visited twice");
            }
            map.put(k, null == value ? null : ByteBuffer.wrap(copy(value, valueLength)));
        });
        return map;
    }

    static ByteBuffer wrap(final byte[] bytes)
    {
        return ByteBuffer.wrap(bytes);
    }
}
