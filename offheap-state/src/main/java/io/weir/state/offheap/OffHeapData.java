package io.weir.state.offheap;

import io.weir.state.changes.KeyLogIndex;
import net.openhft.chronicle.bytes.PointerBytesStore;
import net.openhft.chronicle.bytes.RandomDataInput;
import net.openhft.chronicle.hash.AbstractData;
import net.openhft.chronicle.algo.hashing.LongHashFunction;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A re-pointable {@link net.openhft.chronicle.hash.Data} over native memory, handed to Chronicle Map in place of a {@code BytesStore}.
 * <p>
 * Why: {@code queryContext(BytesStore, ..)} wraps the store in a {@code VanillaBytes} per call (reference
 * counting, bounds bookkeeping), which profiled as a fifth of a state access. This hashes the memory
 * directly ({@link LongHashFunction#hashMemory}, the same function and bytes, so the same hash as Chronicle's
 * own path) and compares it against an entry with plain memory reads.
 * <p>
 * Single-threaded: one instance per store and thread, re-pointed by {@link #set} before each call.
 */
final class OffHeapData extends AbstractData<byte[]>
{
    private final PointerBytesStore pointer = new PointerBytesStore();
    private final UnsafeBuffer mine = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer theirs = new UnsafeBuffer(0, 0);
    private long address;
    private int size;

    OffHeapData set(final long address, final int size)
    {
        this.address = address;
        this.size = size;
        pointer.set(address, Math.max(size, 1));
        return this;
    }

    public RandomDataInput bytes()
    {
        return pointer;
    }

    public long offset()
    {
        return 0;
    }

    public long size()
    {
        return size;
    }

    public long hash(final LongHashFunction f)
    {
        return f.hashMemory(address, size);
    }

    public boolean equivalent(final RandomDataInput source, final long sourceOffset)
    {
        if (!source.isDirectMemory())
        {
            return super.equivalent(source, sourceOffset);
        }
        if (size == 0)
        {
            return true;
        }
        mine.wrap(address, size);
        theirs.wrap(source.addressForRead(sourceOffset), size);
        return KeyLogIndex.sameBytes(mine, 0, theirs, 0, size);
    }

    public byte[] get()
    {
        return getUsing(null);
    }

    public byte[] getUsing(final byte[] using)
    {
        final byte[] copy = null != using && using.length == size ? using : new byte[size];
        mine.wrap(address, Math.max(size, 1));
        mine.getBytes(0, copy, 0, size);
        return copy;
    }
}
