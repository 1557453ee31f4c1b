package io.weir.engine.state;

import io.weir.api.codec.Codec;
import io.weir.api.functions.ReduceFunction;
import io.weir.api.state.ReducingState;
import io.weir.api.state.ReducingStateDescriptor;
import io.weir.state.spi.KeyedStateStore;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.concurrent.EpochClock;

import java.util.Objects;

/** {@link ReducingState}: one entry per key holding the reduced value. Shard thread only. */
final class ReducingStateView<T> extends AbstractStateView implements ReducingState<T>
{
    /** The record an add writes, beside the one it read in {@link #valueBuffer}: stored only if they differ. */
    private final ExpandableDirectByteBuffer recordBuffer = new ExpandableDirectByteBuffer(128);
    private final Codec<T> codec;
    private final ReduceFunction<T> reduceFunction;
    /**
     * The instance an add decodes the stored value into, for types whose codec fills one: a mutable type then costs
     * no allocation per add. It goes only to the reduce function, as its first argument, never to a caller:
     * {@link #get} decodes a fresh one.
     */
    private T reusableValue;

    ReducingStateView(
        final KeyedStateStore store,
        final KeyContext keyContext,
        final EpochClock clock,
        final RegisteredState registration,
        final ReducingStateDescriptor<T> descriptor)
    {
        super(store, keyContext, clock, registration, descriptor);
        this.codec = descriptor.codec();
        this.reduceFunction = descriptor.reduceFunction();
    }

    public void add(final T value)
    {
        Objects.requireNonNull(value, "ReducingState.add(null): reducing state does not take null values");
        onAccess();
        final long nowMs = nowMs();
        final int keyLength = writeBaseKey(keyBuffer);
        final int length = readVisible(keyBuffer, keyLength, valueBuffer, nowMs, false);
        final T reduced;
        if (length == KeyedStateStore.MISSING)
        {
            reduced = value;
        }
        else
        {
            final T stored = codec.decode(valueBuffer, payloadOffset, length, reusableValue);
            reusableValue = stored;
            reduced = reduceFunction.reduce(stored, value);
        }
        stamp(recordBuffer, nowMs);
        final int encodedLength = codec.encode(reduced, recordBuffer, payloadOffset);
        putIfChanged(keyLength, recordBuffer, payloadOffset + encodedLength, length);
    }

    public T get()
    {
        onAccess();
        final int keyLength = writeBaseKey(keyBuffer);
        final int length = readVisible(keyBuffer, keyLength, valueBuffer, nowMs(), true);
        return length == KeyedStateStore.MISSING ? null : codec.decode(valueBuffer, payloadOffset, length, null);
    }

    public void clear()
    {
        onAccess();
        store.remove(keyBuffer, writeBaseKey(keyBuffer));
    }
}
