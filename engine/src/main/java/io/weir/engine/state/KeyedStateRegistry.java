package io.weir.engine.state;

import io.weir.api.state.*;
import io.weir.state.spi.KeyedStateStore;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.concurrent.EpochClock;

import java.nio.ByteOrder;

/** TEMPORARY stub, replaced by the state-views branch. */
public final class KeyedStateRegistry
{
    private final KeyedStateStore store;
    private final KeyContext keyContext;
    private int nextId = 1;

    public KeyedStateRegistry(final KeyedStateStore store, final KeyContext keyContext, final EpochClock ttlClock)
    {
        this.store = store;
        this.keyContext = keyContext;
    }

    public KeyedStateStore store()
    {
        return store;
    }

    public void onDutyCycle()
    {
    }

    public LongValueState getLongState(final LongValueStateDescriptor descriptor)
    {
        final int id = nextId++;
        final ExpandableDirectByteBuffer key = new ExpandableDirectByteBuffer(64);
        final ExpandableDirectByteBuffer value = new ExpandableDirectByteBuffer(64);
        return new LongValueState()
        {
            public long valueOr(final long missingValue)
            {
                final int len = keyContext.writePrefix(key, id);
                return store.get(key, len, value) < 0 ? missingValue : value.getLong(0, ByteOrder.BIG_ENDIAN);
            }

            public boolean exists()
            {
                final int len = keyContext.writePrefix(key, id);
                return store.get(key, len, value) >= 0;
            }

            public void update(final long v)
            {
                final int len = keyContext.writePrefix(key, id);
                value.putLong(0, v, ByteOrder.BIG_ENDIAN);
                store.put(key, len, value, 0, 8);
            }

            public void clear()
            {
                store.remove(key, keyContext.writePrefix(key, id));
            }
        };
    }

    public <S extends State> S getNamespacedState(final StateDescriptor d) { throw new UnsupportedOperationException(); }
    public <T> ValueState<T> getState(final ValueStateDescriptor<T> d) { throw new UnsupportedOperationException(); }
    public <T> ListState<T> getListState(final ListStateDescriptor<T> d) { throw new UnsupportedOperationException(); }
    public <UK, UV> MapState<UK, UV> getMapState(final MapStateDescriptor<UK, UV> d) { throw new UnsupportedOperationException(); }
    public <T> ReducingState<T> getReducingState(final ReducingStateDescriptor<T> d) { throw new UnsupportedOperationException(); }
    public <IN, ACC, OUT> AggregatingState<IN, OUT> getAggregatingState(final AggregatingStateDescriptor<IN, ACC, OUT> d) { throw new UnsupportedOperationException(); }
}
