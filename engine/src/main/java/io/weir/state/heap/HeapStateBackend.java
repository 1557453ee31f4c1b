package io.weir.state.heap;

import io.weir.state.spi.*;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteBuffer;
import java.util.HashMap;

/** TEMPORARY stub, replaced by the state-views branch. */
public final class HeapStateBackend implements StateBackend
{
    public String name()
    {
        return "heap";
    }

    public KeyedStateStore createStore(final int shardId, final long expectedEntries)
    {
        final HashMap<ByteBuffer, byte[]> map = new HashMap<>();
        return new KeyedStateStore()
        {
            private ByteBuffer k(final DirectBuffer key, final int len)
            {
                final byte[] b = new byte[len];
                key.getBytes(0, b);
                return ByteBuffer.wrap(b);
            }

            public int get(final DirectBuffer key, final int keyLength, final MutableDirectBuffer valueOut)
            {
                final byte[] v = map.get(k(key, keyLength));
                if (v == null)
                {
                    return MISSING;
                }
                valueOut.putBytes(0, v);
                return v.length;
            }

            public void put(final DirectBuffer key, final int keyLength, final DirectBuffer value, final int off, final int len)
            {
                final byte[] v = new byte[len];
                value.getBytes(off, v);
                map.put(k(key, keyLength), v);
            }

            public boolean remove(final DirectBuffer key, final int keyLength)
            {
                return map.remove(k(key, keyLength)) != null;
            }

            public void forEach(final EntryVisitor visitor) { throw new UnsupportedOperationException(); }
            public long entryCount() { return map.size(); }
            public long sizeBytes() { return 0; }
            public StoreSnapshot snapshot(final long id, final boolean full) { throw new UnsupportedOperationException(); }
            public void close() { }
        };
    }
}
