package io.weir.engine.state;

import io.weir.api.codec.Codec;
import io.weir.api.functions.AggregateFunction;
import io.weir.api.state.AggregatingStateDescriptor;
import io.weir.state.spi.KeyedStateStore;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.concurrent.EpochClock;

import java.util.Objects;

/** {@link io.weir.api.state.AggregatingState}: one entry per key holding the accumulator. Shard thread only. */
final class AggregatingStateView<IN, ACC, OUT> extends AbstractStateView
    implements CreationReportingAggregatingState<IN, OUT>
{
    /** The record an add writes, beside the one it read in {@link #valueBuffer}: stored only if they differ. */
    private final ExpandableDirectByteBuffer recordBuffer = new ExpandableDirectByteBuffer(128);
    private final Codec<ACC> codec;
    private final AggregateFunction<IN, ACC, OUT> aggregateFunction;
    /**
     * The instance an add decodes the stored accumulator into, for accumulator types whose codec fills one: a mutable
     * accumulator then costs no allocation per add. It goes to the aggregate function's {@code add}, and to a caller
     * only through {@link #getTransient} (the engine's window firing); {@link #get} decodes a fresh one, as
     * {@code result} may return the accumulator itself.
     */
    private ACC reusableAccumulator;

    AggregatingStateView(
        final KeyedStateStore store,
        final KeyContext keyContext,
        final EpochClock clock,
        final RegisteredState registration,
        final AggregatingStateDescriptor<IN, ACC, OUT> descriptor)
    {
        super(store, keyContext, clock, registration, descriptor);
        this.codec = descriptor.accumulatorCodec();
        this.aggregateFunction = descriptor.aggregateFunction();
    }

    public void add(final IN value)
    {
        addReportingCreation(value);
    }

    public boolean addReportingCreation(final IN value)
    {
        Objects.requireNonNull(value, "AggregatingState.add(null): aggregating state does not take null values");
        onAccess();
        final long nowMs = nowMs();
        final int keyLength = writeBaseKey(keyBuffer);
        final int length = readVisible(keyBuffer, keyLength, valueBuffer, nowMs, false);
        final ACC accumulator;
        if (length == KeyedStateStore.MISSING)
        {
            accumulator = aggregateFunction.createAccumulator();
        }
        else
        {
            accumulator = codec.decode(valueBuffer, payloadOffset, length, reusableAccumulator);
            reusableAccumulator = accumulator;
        }
        final ACC updated = aggregateFunction.add(value, accumulator);
        stamp(recordBuffer, nowMs);
        final int encodedLength = codec.encode(updated, recordBuffer, payloadOffset);
        putIfChanged(keyLength, recordBuffer, payloadOffset + encodedLength, length);
        return length == KeyedStateStore.MISSING;
    }

    public OUT get()
    {
        final int length = readAccumulator();
        return length == KeyedStateStore.MISSING ?
            null : aggregateFunction.result(codec.decode(valueBuffer, payloadOffset, length, null));
    }

    public OUT getTransient()
    {
        final int length = readAccumulator();
        if (length == KeyedStateStore.MISSING)
        {
            return null;
        }
        reusableAccumulator = codec.decode(valueBuffer, payloadOffset, length, reusableAccumulator);
        return aggregateFunction.result(reusableAccumulator);
    }

    /** The current key's accumulator read into {@link #valueBuffer}: its payload length, or {@code MISSING}. */
    private int readAccumulator()
    {
        onAccess();
        final int keyLength = writeBaseKey(keyBuffer);
        return readVisible(keyBuffer, keyLength, valueBuffer, nowMs(), true);
    }

    public void clear()
    {
        onAccess();
        store.remove(keyBuffer, writeBaseKey(keyBuffer));
    }

    public void putEncoded(final DirectBuffer accumulator, final int offset, final int length)
    {
        onAccess();
        final int keyLength = writeBaseKey(keyBuffer);
        stamp(recordBuffer, nowMs());
        recordBuffer.putBytes(payloadOffset, accumulator, offset, length);
        store.put(keyBuffer, keyLength, recordBuffer, 0, payloadOffset + length);
    }
}
