package io.weir.tools.jobs;

import io.weir.api.codec.FixedLayoutCodec;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Fixed layout of {@link Event}: four little-endian longs (native order on x86; the ring is in-process).
 * <pre>
 *  0        8        16       24       32
 *  +--------+--------+--------+--------+
 *  |   ts   |  key   | amount |event_id|
 *  +--------+--------+--------+--------+
 * </pre>
 */
public final class EventCodec extends FixedLayoutCodec<Event>
{
    public static final EventCodec INSTANCE = new EventCodec();
    public static final int LENGTH = 32;

    private EventCodec()
    {
        super("weir-event-v1", LENGTH);
    }

    protected void write(final Event value, final MutableDirectBuffer buffer, final int offset)
    {
        buffer.putLong(offset, value.timestamp);
        buffer.putLong(offset + 8, value.key);
        buffer.putLong(offset + 16, value.amount);
        buffer.putLong(offset + 24, value.eventId);
    }

    protected Event read(final DirectBuffer buffer, final int offset, final Event reuse)
    {
        final Event event = reuse != null ? reuse : new Event();
        return event.set(
            buffer.getLong(offset), buffer.getLong(offset + 8), buffer.getLong(offset + 16), buffer.getLong(offset + 24));
    }
}
