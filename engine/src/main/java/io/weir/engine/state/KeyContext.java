package io.weir.engine.state;

import io.weir.state.spi.SmallCopy;
import io.weir.state.spi.StateKeyDescriptor;
import org.agrona.BitUtil;
import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The shard's current key: the serialized key of the element or timer being processed, and its key group.
 * State views read it to build composite keys (see {@link StateKeyDescriptor}). Owned by the shard thread.
 */
public final class KeyContext
{
    private final UnsafeBuffer keyBuffer;
    private final int maxKeyLength;
    private int keyLength;
    private int keyGroup = -1;
    private long keyGeneration;

    public KeyContext(final int maxKeyLength)
    {
        if (maxKeyLength <= 0 || maxKeyLength > StateKeyDescriptor.MAX_KEY_LENGTH)
        {
            throw new IllegalArgumentException(
                "max key length must be in 1.." + StateKeyDescriptor.MAX_KEY_LENGTH + ": " + maxKeyLength);
        }
        this.maxKeyLength = maxKeyLength;
        this.keyBuffer = new UnsafeBuffer(BufferUtil.allocateDirectAligned(
            BitUtil.findNextPositivePowerOfTwo(Math.max(maxKeyLength, 8)), 8));
    }

    /** Make the key at {@code src[offset, offset + length)} current. Called from the shard thread. */
    public void setCurrentKey(final DirectBuffer src, final int offset, final int length, final int keyGroup)
    {
        if (length > maxKeyLength)
        {
            throw new IllegalArgumentException(
                "key of " + length + " bytes exceeds the configured max key length " + maxKeyLength);
        }
        SmallCopy.copy(keyBuffer, 0, src, offset, length);
        this.keyLength = length;
        this.keyGroup = keyGroup;
        keyGeneration++;
    }

    /**
     * Counts {@link #setCurrentKey} calls: a view may keep what it read of the current key's state, and the current
     * key's bytes it wrote into its own key buffer, while this is unchanged, as the key's entries are only written
     * through that view meanwhile.
     */
    public long keyGeneration()
    {
        return keyGeneration;
    }

    public int keyGroup()
    {
        return keyGroup;
    }

    public int keyLength()
    {
        return keyLength;
    }

    /** The current key's bytes, at offset 0, {@link #keyLength()} long. */
    public DirectBuffer keyBuffer()
    {
        return keyBuffer;
    }

    public int maxKeyLength()
    {
        return maxKeyLength;
    }

    /**
     * Write {@code [key group][state id][key length][key]} at offset 0 of {@code dst}.
     *
     * @return the number of bytes written, i.e. the offset at which a suffix may follow.
     */
    public int writePrefix(final MutableDirectBuffer dst, final int stateId)
    {
        if (keyGroup < 0)
        {
            throw new IllegalStateException("no current key: keyed state is only accessible while processing an " +
                "element or a timer");
        }
        return StateKeyDescriptor.writePrefix(dst, 0, keyGroup, stateId, keyBuffer, 0, keyLength);
    }
}
