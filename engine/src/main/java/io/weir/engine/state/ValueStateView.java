package io.weir.engine.state;

import io.weir.api.codec.Codec;
import io.weir.api.state.ValueState;
import io.weir.api.state.ValueStateDescriptor;
import io.weir.state.spi.KeyedStateStore;
import org.agrona.concurrent.EpochClock;

/** {@link ValueState} over one entry per key. Shard thread only. */
final class ValueStateView<T> extends AbstractStateView implements ValueState<T>
{
    private final Codec<T> codec;

    ValueStateView(
        final KeyedStateStore store,
        final KeyContext keyContext,
        final EpochClock clock,
        final RegisteredState registration,
        final ValueStateDescriptor<T> descriptor)
    {
        super(store, keyContext, clock, registration, descriptor);
        this.codec = descriptor.codec();
    }

    public T value()
    {
        return value(null);
    }

    public T value(final T reuse)
    {
        onAccess();
        final int keyLength = writeBaseKey(keyBuffer);
        final int length = readVisible(keyBuffer, keyLength, valueBuffer, nowMs(), true);
        return length == KeyedStateStore.MISSING ? null : codec.decode(valueBuffer, payloadOffset, length, reuse);
    }

    /** Store {@code value}; {@code null} clears, as in Flink. */
    public void update(final T value)
    {
        if (value == null)
        {
            clear();
            return;
        }
        onAccess();
        final int keyLength = writeBaseKey(keyBuffer);
        stamp(valueBuffer, nowMs());
        final int length = codec.encode(value, valueBuffer, payloadOffset);
        store.put(keyBuffer, keyLength, valueBuffer, 0, payloadOffset + length);
    }

    public void clear()
    {
        onAccess();
        store.remove(keyBuffer, writeBaseKey(keyBuffer));
    }
}
