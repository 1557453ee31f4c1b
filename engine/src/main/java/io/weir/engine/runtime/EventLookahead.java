package io.weir.engine.runtime;

import io.weir.state.spi.StateKeyDescriptor;
import org.agrona.BitUtil;
import org.agrona.BufferUtil;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;

import static org.agrona.concurrent.ringbuffer.RecordDescriptor.ALIGNMENT;
import static org.agrona.concurrent.ringbuffer.RecordDescriptor.HEADER_LENGTH;
import static org.agrona.concurrent.ringbuffer.RecordDescriptor.lengthOffset;
import static org.agrona.concurrent.ringbuffer.RecordDescriptor.typeOffset;

/**
 * Reads ahead of a shard in one producer's ring: the store keys of the next events, one per event and state, for
 * {@link io.weir.state.spi.KeyedStateStore#prefetch} before the shard processes those events.
 * <p>
 * The states are the ones a function looks up by key alone (value, reducing and aggregating states, not windowed):
 * their store key is the event's key behind the state's prefix, known before the function runs.
 * <p>
 * Shard thread only. It reads records the producer has published and the shard has not consumed yet; the producer
 * does not overwrite a record until the shard's read moves past it, so what it reads is the event the shard will
 * process. It passes watermarks, and events with a key longer than {@link #MAX_KEY_LENGTH} (collecting nothing for
 * them), and stops at a barrier or the end of input: what follows them is read later, if ever.
 */
public final class EventLookahead
{
    /** Bytes per collected store key. */
    static final int KEY_STRIDE_BYTES = 64;
    static final int MAX_KEY_LENGTH = KEY_STRIDE_BYTES - StateKeyDescriptor.KEY_OFFSET - PrefetchedStates.MARKER_BYTES;

    private final UnsafeBuffer keys;
    private final int[] lengths;
    private final int maxKeys;
    private int messages;

    /** @param maxKeys the most keys one {@link #collect} writes (events times states). */
    EventLookahead(final int maxKeys)
    {
        this.maxKeys = maxKeys;
        this.keys = new UnsafeBuffer(BufferUtil.allocateDirectAligned(maxKeys * KEY_STRIDE_BYTES, 64));
        this.lengths = new int[maxKeys];
    }

    /**
     * Collect the store keys of the next events in the ring, from its consumer position: for each event, one key per
     * state in {@code stateIds[0, stateCount)}. Passes at most {@code maxMessages} events and watermarks, as a ring
     * read with that limit would.
     *
     * @return the number of keys collected, at {@code i * }{@link #KEY_STRIDE_BYTES} of {@link #keys()}.
     */
    int collect(final OneToOneRingBuffer ring, final int maxMessages, final int[] stateIds, final int stateCount)
    {
        final AtomicBuffer buffer = ring.buffer();
        final int mask = ring.capacity() - 1;
        long position = ring.consumerPosition();
        int count = 0;
        int messages = 0;
        while (messages < maxMessages && count + stateCount <= maxKeys)
        {
            final int recordIndex = (int)position & mask;
            final int recordLength = buffer.getIntVolatile(lengthOffset(recordIndex));
            if (recordLength <= 0)
            {
                break; // not published yet
            }
            final int type = buffer.getInt(typeOffset(recordIndex));
            if (RingBuffer.PADDING_MSG_TYPE_ID == type)
            {
                // The ring's end (the next record is at its start), or a claim the producer aborted.
                position += BitUtil.align(recordLength, ALIGNMENT);
                continue;
            }
            if (RecordDescriptor.WATERMARK_MSG_TYPE == type)
            {
                position += BitUtil.align(recordLength, ALIGNMENT);
                messages++;
                continue;
            }
            if (RecordDescriptor.EVENT_MSG_TYPE != type)
            {
                break;
            }
            final int payload = recordIndex + HEADER_LENGTH;
            final int keyLength = buffer.getInt(payload + RecordDescriptor.KEY_LENGTH_OFFSET);
            final int keyGroup = buffer.getInt(payload + RecordDescriptor.KEY_GROUP_OFFSET);
            position += BitUtil.align(recordLength, ALIGNMENT);
            messages++;
            if (keyLength > MAX_KEY_LENGTH)
            {
                continue; // read without a prefetch
            }
            for (int s = 0; s < stateCount; s++)
            {
                lengths[count] = PrefetchedStates.writeKey(keys, count * KEY_STRIDE_BYTES, keyGroup, stateIds[s],
                    buffer, payload + RecordDescriptor.KEY_OFFSET, keyLength, false, 0);
                count++;
            }
        }
        this.messages = messages;
        return count;
    }

    /**
     * Messages the last {@link #collect} passed: its events and the watermarks among them, as a ring read counts
     * them. Reading that many reads exactly the events whose keys it collected.
     */
    int messages()
    {
        return messages;
    }

    UnsafeBuffer keys()
    {
        return keys;
    }

    int[] lengths()
    {
        return lengths;
    }
}
