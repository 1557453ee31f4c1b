package io.weir.engine.runtime;

import io.weir.engine.Producer;
import io.weir.api.codec.Codec;
import io.weir.api.functions.Collector;
import io.weir.state.spi.SmallCopy;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;

/**
 * One stage instance's keyed edge into the next stage: encodes each record once, straight into the ring of the
 * downstream instance that owns its key group ({@link RecordDescriptor}), as {@link Producer} does for sources;
 * or, for a broadcast edge, into every downstream instance's ring, in the same order.
 * A record a full ring refuses is copied into a backlog, and every message after it (records, watermarks,
 * barriers, the end of input) waits behind it in order, until {@link #drain()} moves them on: {@link #collect}
 * never blocks nor spins, and the stage reads no input while the backlog is non-empty.
 * <p>
 * Each record carries the watermark last forwarded on this edge (never the one whose timers are still firing),
 * and the timestamp of the element or timer that produced it. Explicit watermark messages are sent by
 * {@link #flush()}, once per duty cycle at most, to the rings that have not seen the watermark.
 * <p>
 * The downstream instance on this thread ({@link #local}) gets its messages by a method call, encoded into a
 * scratch buffer and handed to its input gate, whenever that keeps order and fair turns: nothing waits in this
 * output's backlog, no channel of the downstream instance has input waiting (this channel's ring included), the
 * downstream is not aligning a barrier on this channel, and its own output has no backlog. Otherwise they go
 * through the ring as to any other instance, so the ring still holds records back during alignment and still
 * fills to stop this stage under back-pressure.
 * <p>
 * Used only by the thread that runs the sending stage instance.
 */
public final class RingChannelOutput<T> implements Collector<T>, ChannelOutput
{
    /** Backlog entry header: target ring, message type, payload length. */
    private static final int BACKLOG_HEADER = 12;

    /** What a record's timestamp is: the element or timer being handled by the sending stage. */
    interface TimestampSource
    {
        long currentTimestamp();
    }

    private final String name;
    private final OneToOneRingBuffer[] rings;
    private final long[] sentWatermarks;
    /** Per ring, whether the last thing sent on it was IDLE (a record or watermark makes it active again). */
    private final boolean[] idle;
    private final Codec<T> codec;
    private final KeyEncoder<T, ?> keyEncoder;
    /** Every record goes to every ring ({@link KeyEncoder#isBroadcast()}). */
    private final boolean broadcast;
    private final int maxParallelism;
    private final int maxKeyLength;
    private final ExpandableArrayBuffer keyBuffer = new ExpandableArrayBuffer(64);
    private final ExpandableArrayBuffer backlog = new ExpandableArrayBuffer(4096);
    private final UnsafeBuffer empty = new UnsafeBuffer(new byte[RecordDescriptor.BARRIER_LENGTH]);
    private TimestampSource timestamps;
    /** The downstream instance on this thread, its channel from this instance, its ring; null/-1 when unbound. */
    private OperatorChain<?, ?, ?> local;
    private int localChannel = -1;
    private int localTarget = -1;
    private ExpandableArrayBuffer direct;
    private int backlogHead;
    private int backlogTail;
    private long watermark = Long.MIN_VALUE;
    private boolean ended;

    @SuppressWarnings("unchecked")
    public RingChannelOutput(
        final String name,
        final AtomicBuffer[] ringBuffers,
        final Codec<?> codec,
        final KeyEncoder<?, ?> keyEncoder,
        final int maxParallelism,
        final int maxKeyLength)
    {
        this.name = name;
        this.rings = new OneToOneRingBuffer[ringBuffers.length];
        for (int i = 0; i < ringBuffers.length; i++)
        {
            rings[i] = new OneToOneRingBuffer(ringBuffers[i]);
        }
        this.sentWatermarks = new long[rings.length];
        java.util.Arrays.fill(sentWatermarks, Long.MIN_VALUE);
        this.idle = new boolean[rings.length];
        this.codec = (Codec<T>)codec;
        this.keyEncoder = (KeyEncoder<T, ?>)keyEncoder;
        this.broadcast = keyEncoder.isBroadcast();
        this.maxParallelism = maxParallelism;
        this.maxKeyLength = maxKeyLength;
    }

    /** Where record timestamps come from; set once, before the first record. */
    public void timestamps(final TimestampSource timestamps)
    {
        this.timestamps = timestamps;
    }

    /**
     * Hand the messages for ring {@code target} to {@code downstream}, input channel {@code channel}, by a method
     * call whenever order allows: the downstream instance runs on this thread. Set once, before the first record.
     */
    public void local(final int target, final OperatorChain<?, ?, ?> downstream, final int channel)
    {
        if (channel < 0)
        {
            throw new IllegalArgumentException(name + ": ring " + target + " is not an input of " + downstream.name());
        }
        this.local = downstream;
        this.localChannel = channel;
        this.localTarget = target;
        this.direct = new ExpandableArrayBuffer(256);
    }

    /** Whether the next message for ring {@code target} goes to the downstream instance by a method call. */
    private boolean isDirect(final int target)
    {
        return target == localTarget && backlogHead == backlogTail && local.acceptsDirect(localChannel);
    }

    public void collect(final T value)
    {
        final int keyLength = keyEncoder.encodeKey(value, keyBuffer);
        if (keyLength > maxKeyLength)
        {
            throw new IllegalArgumentException(name + ": key of " + keyLength + " bytes exceeds maxKeyLength " +
                maxKeyLength + " for element " + value);
        }
        if (broadcast)
        {
            for (int target = 0; target < rings.length; target++)
            {
                collect(value, target, 0, 0);
            }
            return;
        }
        final int keyGroup = KeyGroups.keyGroup(keyBuffer, 0, keyLength, maxParallelism);
        collect(value, KeyGroups.shardForKeyGroup(keyGroup, maxParallelism, rings.length), keyGroup, keyLength);
    }

    private void collect(final T value, final int target, final int keyGroup, final int keyLength)
    {
        final OneToOneRingBuffer ring = rings[target];
        final int valueLength = codec.encodedLength(value);
        final int length = RecordDescriptor.EVENT_HEADER_LENGTH + keyLength + valueLength;
        if (length > ring.maxMsgLength())
        {
            throw new IllegalArgumentException(name + ": encoded element of " + length + " bytes exceeds the " +
                "ring's max message length " + ring.maxMsgLength() + "; raise ringCapacityBytes");
        }
        final long timestamp = timestamps.currentTimestamp();
        idle[target] = false;
        if (isDirect(target))
        {
            direct.checkLimit(length);
            writeEvent(direct, 0, timestamp, keyGroup, keyLength, value, valueLength);
            local.deliver(localChannel, RecordDescriptor.EVENT_MSG_TYPE, direct, 0, length);
            return;
        }
        if (backlogHead == backlogTail)
        {
            final int index = ring.tryClaim(RecordDescriptor.EVENT_MSG_TYPE, length);
            if (index >= 0)
            {
                final AtomicBuffer buffer = ring.buffer();
                try
                {
                    writeEvent(buffer, index, timestamp, keyGroup, keyLength, value, valueLength);
                }
                catch (final RuntimeException ex)
                {
                    ring.abort(index);
                    throw ex;
                }
                ring.commit(index);
                return;
            }
        }
        final int at = append(target, RecordDescriptor.EVENT_MSG_TYPE, length);
        try
        {
            writeEvent(backlog, at, timestamp, keyGroup, keyLength, value, valueLength);
        }
        catch (final RuntimeException ex)
        {
            backlogTail = at - BACKLOG_HEADER; // not sent: a function that catches the failure leaves no record
            throw ex;
        }
    }

    private void writeEvent(
        final org.agrona.MutableDirectBuffer buffer, final int index, final long timestamp, final int keyGroup,
        final int keyLength, final T value, final int valueLength)
    {
        buffer.putLong(index + RecordDescriptor.WATERMARK_OFFSET, watermark);
        buffer.putLong(index + RecordDescriptor.TIMESTAMP_OFFSET, timestamp);
        buffer.putInt(index + RecordDescriptor.KEY_GROUP_OFFSET, keyGroup);
        buffer.putInt(index + RecordDescriptor.KEY_LENGTH_OFFSET, keyLength);
        SmallCopy.copy(buffer, index + RecordDescriptor.KEY_OFFSET, keyBuffer, 0, keyLength);
        EncodedLengths.check(codec, valueLength,
            codec.encode(value, buffer, index + RecordDescriptor.KEY_OFFSET + keyLength));
    }

    /** Reserve a backlog entry for a message of {@code length} bytes to ring {@code target}; returns its payload. */
    private int append(final int target, final int msgTypeId, final int length)
    {
        final int at = backlogTail;
        backlog.checkLimit(at + BACKLOG_HEADER + length);
        backlog.putInt(at, target);
        backlog.putInt(at + 4, msgTypeId);
        backlog.putInt(at + 8, length);
        backlogTail = at + BACKLOG_HEADER + length;
        return at + BACKLOG_HEADER;
    }

    public void emitWatermark(final long watermark)
    {
        if (watermark > this.watermark)
        {
            this.watermark = watermark;
        }
    }

    public void flush()
    {
        for (int t = 0; t < rings.length; t++)
        {
            if (sentWatermarks[t] < watermark && !ended)
            {
                sentWatermarks[t] = watermark;
                idle[t] = false;
                empty.putLong(RecordDescriptor.WATERMARK_OFFSET, watermark);
                send(t, RecordDescriptor.WATERMARK_MSG_TYPE, Long.BYTES);
            }
        }
    }

    public void emitBarrier(final long checkpointId, final int flags)
    {
        for (int t = 0; t < rings.length; t++)
        {
            empty.putLong(RecordDescriptor.BARRIER_CHECKPOINT_ID_OFFSET, checkpointId);
            empty.putInt(RecordDescriptor.BARRIER_FLAGS_OFFSET, flags);
            send(t, RecordDescriptor.BARRIER_MSG_TYPE, RecordDescriptor.BARRIER_LENGTH);
        }
    }

    public void markIdle()
    {
        flush();
        for (int t = 0; t < rings.length; t++)
        {
            if (!idle[t] && !ended)
            {
                idle[t] = true;
                send(t, RecordDescriptor.IDLE_MSG_TYPE, 0);
            }
        }
    }

    public void endOfInput()
    {
        if (!ended)
        {
            ended = true;
            for (int t = 0; t < rings.length; t++)
            {
                send(t, RecordDescriptor.END_OF_INPUT_MSG_TYPE, 0);
            }
        }
    }

    /** Write {@code length} bytes of {@link #empty} as a message to ring {@code target}, or queue it behind the backlog. */
    private void send(final int target, final int msgTypeId, final int length)
    {
        if (isDirect(target))
        {
            local.deliver(localChannel, msgTypeId, empty, 0, length);
            return;
        }
        if (backlogHead != backlogTail || !rings[target].write(msgTypeId, empty, 0, length))
        {
            final int at = append(target, msgTypeId, length);
            backlog.putBytes(at, empty, 0, length);
        }
    }

    public boolean hasBacklog()
    {
        return backlogHead != backlogTail;
    }

    public int drain()
    {
        int moved = 0;
        int at = backlogHead;
        while (at != backlogTail)
        {
            final int target = backlog.getInt(at);
            final int msgTypeId = backlog.getInt(at + 4);
            final int length = backlog.getInt(at + 8);
            if (!rings[target].write(msgTypeId, backlog, at + BACKLOG_HEADER, length))
            {
                break;
            }
            at += BACKLOG_HEADER + length;
            moved++;
        }
        if (at == backlogTail)
        {
            backlogHead = 0;
            backlogTail = 0;
        }
        else
        {
            backlogHead = at;
        }
        return moved;
    }

    /** The rings, one per downstream instance. */
    OneToOneRingBuffer[] rings()
    {
        return rings;
    }
}
