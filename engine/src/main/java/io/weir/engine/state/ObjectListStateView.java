package io.weir.engine.state;

import io.weir.api.state.ListState;
import io.weir.api.state.ListStateDescriptor;
import io.weir.state.spi.KeyedStateStore;
import org.agrona.concurrent.EpochClock;

import java.util.List;

/** {@link ListState}: elements through the descriptor's codec, {@link #get} decodes them into a new list. Shard thread only. */
final class ObjectListStateView<T> extends ListStateView<T> implements ListState<T>
{
    ObjectListStateView(
        final KeyedStateStore store,
        final KeyContext keyContext,
        final EpochClock clock,
        final RegisteredState registration,
        final ListStateDescriptor<T> descriptor)
    {
        super(store, keyContext, clock, registration, descriptor, descriptor.elementCodec());
    }

    public List<T> get()
    {
        return getList();
    }
}
