package io.weir.engine.state;

import io.weir.api.state.LongValueState;
import io.weir.api.state.LongValueStateDescriptor;
import io.weir.state.spi.KeyedStateStore;
import org.agrona.concurrent.EpochClock;

import java.nio.ByteOrder;

/** {@link LongValueState}: 8 big-endian bytes per key, no allocation per call. Shard thread only. */
final class LongValueStateView extends AbstractStateView implements LongValueState
{
    LongValueStateView(
        final KeyedStateStore store,
        final KeyContext keyContext,
        final EpochClock clock,
        final RegisteredState registration,
        final LongValueStateDescriptor descriptor)
    {
        super(store, keyContext, clock, registration, descriptor);
    }

    public long valueOr(final long missingValue)
    {
        onAccess();
        final int keyLength = writeBaseKey(keyBuffer);
        final int length = readVisible(keyBuffer, keyLength, valueBuffer, nowMs(), true);
        if (length == KeyedStateStore.MISSING)
        {
            return missingValue;
        }
        if (length != Long.BYTES)
        {
            throw corrupt("a long value", length);
        }
        return valueBuffer.getLong(payloadOffset, ByteOrder.BIG_ENDIAN);
    }

    public boolean exists()
    {
        onAccess();
        final int keyLength = writeBaseKey(keyBuffer);
        return readVisible(keyBuffer, keyLength, valueBuffer, nowMs(), true) != KeyedStateStore.MISSING;
    }

    public void update(final long value)
    {
        onAccess();
        final int keyLength = writeBaseKey(keyBuffer);
        stamp(valueBuffer, nowMs());
        valueBuffer.putLong(payloadOffset, value, ByteOrder.BIG_ENDIAN);
        store.put(keyBuffer, keyLength, valueBuffer, 0, payloadOffset + Long.BYTES);
    }

    public void clear()
    {
        onAccess();
        store.remove(keyBuffer, writeBaseKey(keyBuffer));
    }
}
