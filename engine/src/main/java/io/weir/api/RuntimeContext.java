package io.weir.api;

import io.weir.api.state.AggregatingState;
import io.weir.api.state.AggregatingStateDescriptor;
import io.weir.api.state.ListState;
import io.weir.api.state.ListStateDescriptor;
import io.weir.api.state.BoxedLongListState;
import io.weir.api.state.LongListState;
import io.weir.api.state.LongListStateDescriptor;
import io.weir.api.state.LongValueState;
import io.weir.api.state.LongValueStateDescriptor;
import io.weir.api.state.MapState;
import io.weir.api.state.MapStateDescriptor;
import io.weir.api.state.ReducingState;
import io.weir.api.state.ReducingStateDescriptor;
import io.weir.api.state.ValueState;
import io.weir.api.state.ValueStateDescriptor;

/**
 * What a function sees of its shard when it is opened: state, and which shard it runs on. State handles are
 * obtained once in {@code open} and then used for whatever key is current. Shard thread only.
 */
public interface RuntimeContext
{
    /** This function instance's shard, from 0. */
    int shardId();

    /** The number of shards of the job. */
    int numberOfShards();

    /** The value state {@code descriptor} describes, for the current key. */
    <T> ValueState<T> getState(ValueStateDescriptor<T> descriptor);

    /** The primitive long state {@code descriptor} describes, for the current key. */
    LongValueState getLongState(LongValueStateDescriptor descriptor);

    /** The list state {@code descriptor} describes, for the current key. */
    <T> ListState<T> getListState(ListStateDescriptor<T> descriptor);

    /**
     * The primitive long list state {@code descriptor} describes, for the current key. By default a boxing view of
     * {@link #getListState} of {@link LongListStateDescriptor#asListStateDescriptor}; Weir's shards store it unboxed.
     */
    default LongListState getLongListState(final LongListStateDescriptor descriptor)
    {
        return new BoxedLongListState(getListState(descriptor.asListStateDescriptor()));
    }

    /** The map state {@code descriptor} describes, for the current key. */
    <UK, UV> MapState<UK, UV> getMapState(MapStateDescriptor<UK, UV> descriptor);

    /** The reducing state {@code descriptor} describes, for the current key. */
    <T> ReducingState<T> getReducingState(ReducingStateDescriptor<T> descriptor);

    /** The aggregating state {@code descriptor} describes, for the current key. */
    <IN, ACC, OUT> AggregatingState<IN, OUT> getAggregatingState(
        AggregatingStateDescriptor<IN, ACC, OUT> descriptor);
}
