package io.weir.flink;

import io.weir.api.state.AggregatingState;
import io.weir.api.state.AggregatingStateDescriptor;
import io.weir.api.state.ListState;
import io.weir.api.state.ListStateDescriptor;
import io.weir.api.state.LongValueState;
import io.weir.api.state.LongValueStateDescriptor;
import io.weir.api.state.MapState;
import io.weir.api.state.MapStateDescriptor;
import io.weir.api.state.ReducingState;
import io.weir.api.state.ReducingStateDescriptor;
import io.weir.api.state.StateDescriptor;
import io.weir.api.state.StateTtlConfig;
import io.weir.api.state.ValueState;
import io.weir.api.state.ValueStateDescriptor;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.typeutils.base.LongSerializer;

import java.time.Duration;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Weir state handles backed by Flink keyed state, made in a wrapped function's {@code open}: each Weir descriptor
 * becomes the Flink descriptor of the same name with its codecs as {@link CodecSerializer}s.
 * <p>
 * Weir's semantics hold on every Flink backend: values are copies (a value read and then mutated is not stored
 * until {@code update}/{@code put}, and a value stored and then mutated by the caller stays as it was stored, as in
 * Weir, whose state holds bytes; Flink's heap backend would otherwise keep the caller's object), and
 * {@code entries()}, {@code keys()}, {@code values()} and {@code get()} return lists that stay valid while the state
 * changes. State TTL maps to Flink's ({@link #ttl}). Task thread only.
 */
final class FlinkStates implements io.weir.api.RuntimeContext
{
    private final RuntimeContext flink;

    FlinkStates(final RuntimeContext flink)
    {
        this.flink = flink;
    }

    /** Flink's context behind these handles. */
    RuntimeContext flink()
    {
        return flink;
    }

    public int shardId()
    {
        return flink.getTaskInfo().getIndexOfThisSubtask();
    }

    public int numberOfShards()
    {
        return flink.getTaskInfo().getNumberOfParallelSubtasks();
    }

    /**
     * Weir's TTL as Flink's, on processing time: the same time to live, update type and visibility, so a value
     * expires when {@code lastAccess + ttl <= now} on both, per value, per map entry, per list element. Cleanup: an
     * expired value found by a read is removed at once (Flink always does; with Weir's cleanup on access off and
     * {@code NEVER_RETURN_EXPIRED} that cannot be seen); Weir's incremental cleanup becomes Flink's background cleanup
     * (incremental on the heap, the compaction filter on RocksDB) and is off when Weir's is off; cleanup in full
     * snapshots maps one to one. With {@code NEVER_RETURN_EXPIRED} outputs do not depend on when cleanup runs; with
     * {@code RETURN_EXPIRED_IF_NOT_CLEANED_UP} they may, on either runtime, as Weir documents.
     *
     * @throws UnsupportedOperationException where Weir's semantics cannot hold on Flink: an expired value returned
     *                                       ({@code RETURN_EXPIRED_IF_NOT_CLEANED_UP}) with cleanup on access off,
     *                                       which Weir returns on every read and Flink removes on the first.
     */
    static org.apache.flink.api.common.state.StateTtlConfig ttl(final StateDescriptor descriptor)
    {
        final StateTtlConfig weir = descriptor.ttlConfig();
        if (!weir.isEnabled())
        {
            return org.apache.flink.api.common.state.StateTtlConfig.DISABLED;
        }
        final boolean returnExpired =
            weir.visibility() == StateTtlConfig.StateVisibility.RETURN_EXPIRED_IF_NOT_CLEANED_UP;
        if (returnExpired && !weir.cleanupOnAccess())
        {
            throw new UnsupportedOperationException("state '" + descriptor.name() + "': TTL with " +
                "RETURN_EXPIRED_IF_NOT_CLEANED_UP and disableCleanupOnAccess() cannot run on Flink: Weir returns an " +
                "expired value on every read until it is cleaned up, Flink removes it on the first read; keep " +
                "cleanup on access, or use NEVER_RETURN_EXPIRED");
        }
        final org.apache.flink.api.common.state.StateTtlConfig.Builder flink =
            org.apache.flink.api.common.state.StateTtlConfig.newBuilder(Duration.ofMillis(weir.ttlMs()))
                .useProcessingTime()
                .setUpdateType(weir.updateType() == StateTtlConfig.UpdateType.ON_READ_AND_WRITE ?
                    org.apache.flink.api.common.state.StateTtlConfig.UpdateType.OnReadAndWrite :
                    org.apache.flink.api.common.state.StateTtlConfig.UpdateType.OnCreateAndWrite)
                .setStateVisibility(returnExpired ?
                    org.apache.flink.api.common.state.StateTtlConfig.StateVisibility.ReturnExpiredIfNotCleanedUp :
                    org.apache.flink.api.common.state.StateTtlConfig.StateVisibility.NeverReturnExpired);
        if (weir.incrementalCleanupSize() > 0)
        {
            flink.cleanupIncrementally(weir.incrementalCleanupSize(), weir.incrementalCleanupPerRecord());
        }
        else
        {
            flink.disableCleanupInBackground();
        }
        if (weir.cleanupInSnapshot())
        {
            flink.cleanupFullSnapshot();
        }
        return flink.build();
    }

    /** The Flink descriptor of {@code weir}'s state: the same name, kind, serializers and TTL. */
    static org.apache.flink.api.common.state.StateDescriptor<?, ?> descriptor(final StateDescriptor weir)
    {
        final org.apache.flink.api.common.state.StateDescriptor<?, ?> flink;
        if (weir instanceof ValueStateDescriptor<?> value)
        {
            flink = new org.apache.flink.api.common.state.ValueStateDescriptor<>(value.name(),
                CodecSerializer.of(value.codec()));
        }
        else if (weir instanceof LongValueStateDescriptor)
        {
            flink = new org.apache.flink.api.common.state.ValueStateDescriptor<>(weir.name(), LongSerializer.INSTANCE);
        }
        else if (weir instanceof ListStateDescriptor<?> list)
        {
            flink = new org.apache.flink.api.common.state.ListStateDescriptor<>(list.name(),
                CodecSerializer.of(list.elementCodec()));
        }
        else if (weir instanceof MapStateDescriptor<?, ?> map)
        {
            flink = new org.apache.flink.api.common.state.MapStateDescriptor<>(map.name(),
                CodecSerializer.of(map.userKeyCodec()), CodecSerializer.of(map.valueCodec()));
        }
        else if (weir instanceof ReducingStateDescriptor<?> reducing)
        {
            flink = reducingDescriptor(reducing);
        }
        else if (weir instanceof AggregatingStateDescriptor<?, ?, ?> aggregating)
        {
            flink = aggregatingDescriptor(aggregating);
        }
        else
        {
            throw new IllegalArgumentException("state '" + weir.name() + "': no Flink state for " +
                weir.getClass().getName());
        }
        flink.enableTimeToLive(ttl(weir));
        return flink;
    }

    private static <T> org.apache.flink.api.common.state.ReducingStateDescriptor<T> reducingDescriptor(
        final ReducingStateDescriptor<T> weir)
    {
        final io.weir.api.functions.ReduceFunction<T> function = weir.reduceFunction();
        return new org.apache.flink.api.common.state.ReducingStateDescriptor<>(weir.name(), function::reduce,
            CodecSerializer.of(weir.codec()));
    }

    private static <IN, ACC, OUT> org.apache.flink.api.common.state.AggregatingStateDescriptor<IN, ACC, OUT>
        aggregatingDescriptor(final AggregatingStateDescriptor<IN, ACC, OUT> weir)
    {
        return new org.apache.flink.api.common.state.AggregatingStateDescriptor<>(weir.name(),
            new AggregateAdapter<>(weir.aggregateFunction()), CodecSerializer.of(weir.accumulatorCodec()));
    }

    /**
     * The Weir handle of {@code weir}'s state over {@code flink}, a Flink state made from {@link #descriptor} (for
     * {@code applyToKeyedState}, which hands the state of each key).
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    static io.weir.api.state.State handle(final StateDescriptor weir, final org.apache.flink.api.common.state.State flink)
    {
        if (weir instanceof ValueStateDescriptor<?> value)
        {
            return valueState(CodecSerializer.of(value.codec()),
                (org.apache.flink.api.common.state.ValueState)flink);
        }
        if (weir instanceof LongValueStateDescriptor)
        {
            return longState((org.apache.flink.api.common.state.ValueState<Long>)flink);
        }
        if (weir instanceof ListStateDescriptor<?> list)
        {
            return listState(CodecSerializer.of(list.elementCodec()),
                (org.apache.flink.api.common.state.ListState)flink);
        }
        if (weir instanceof MapStateDescriptor<?, ?> map)
        {
            return mapState(CodecSerializer.of(map.userKeyCodec()), CodecSerializer.of(map.valueCodec()),
                (org.apache.flink.api.common.state.MapState)flink);
        }
        if (weir instanceof ReducingStateDescriptor<?> reducing)
        {
            return reducingState(CodecSerializer.of(reducing.codec()),
                (org.apache.flink.api.common.state.ReducingState)flink);
        }
        if (weir instanceof AggregatingStateDescriptor<?, ?, ?>)
        {
            return aggregatingState((org.apache.flink.api.common.state.AggregatingState)flink);
        }
        throw new IllegalArgumentException("state '" + weir.name() + "': no Flink state for " +
            weir.getClass().getName());
    }

    @SuppressWarnings("unchecked")
    public <T> ValueState<T> getState(final ValueStateDescriptor<T> descriptor)
    {
        return valueState(CodecSerializer.of(descriptor.codec()), flink.getState(
            (org.apache.flink.api.common.state.ValueStateDescriptor<T>)descriptor(descriptor)));
    }

    private static <T> ValueState<T> valueState(
        final CodecSerializer<T> serializer, final org.apache.flink.api.common.state.ValueState<T> state)
    {
        return new ValueState<>()
        {
            public T value()
            {
                try
                {
                    return serializer.copy(state.value());
                }
                catch (final java.io.IOException ex)
                {
                    throw new java.io.UncheckedIOException(ex);
                }
            }

            public void update(final T value)
            {
                try
                {
                    if (value == null)
                    {
                        state.clear();
                    }
                    else
                    {
                        state.update(serializer.copy(value));
                    }
                }
                catch (final java.io.IOException ex)
                {
                    throw new java.io.UncheckedIOException(ex);
                }
            }

            public void clear()
            {
                state.clear();
            }
        };
    }

    @SuppressWarnings("unchecked")
    public LongValueState getLongState(final LongValueStateDescriptor descriptor)
    {
        return longState(flink.getState(
            (org.apache.flink.api.common.state.ValueStateDescriptor<Long>)descriptor(descriptor)));
    }

    private static LongValueState longState(final org.apache.flink.api.common.state.ValueState<Long> state)
    {
        return new LongValueState()
        {
            public long valueOr(final long missingValue)
            {
                final Long value = read();
                return value == null ? missingValue : value;
            }

            public boolean exists()
            {
                return read() != null;
            }

            public void update(final long value)
            {
                try
                {
                    state.update(value);
                }
                catch (final java.io.IOException ex)
                {
                    throw new java.io.UncheckedIOException(ex);
                }
            }

            public void clear()
            {
                state.clear();
            }

            private Long read()
            {
                try
                {
                    return state.value();
                }
                catch (final java.io.IOException ex)
                {
                    throw new java.io.UncheckedIOException(ex);
                }
            }
        };
    }

    @SuppressWarnings("unchecked")
    public <T> ListState<T> getListState(final ListStateDescriptor<T> descriptor)
    {
        return listState(CodecSerializer.of(descriptor.elementCodec()), flink.getListState(
            (org.apache.flink.api.common.state.ListStateDescriptor<T>)descriptor(descriptor)));
    }

    private static <T> ListState<T> listState(
        final CodecSerializer<T> serializer, final org.apache.flink.api.common.state.ListState<T> state)
    {
        return new ListState<>()
        {
            public void add(final T value)
            {
                run(() -> state.add(serializer.copy(value)));
            }

            public void addAll(final List<T> values)
            {
                run(() -> state.addAll(copies(values)));
            }

            public void update(final List<T> values)
            {
                run(() -> state.update(copies(values)));
            }

            public List<T> get()
            {
                final List<T> out = new ArrayList<>();
                run(() ->
                {
                    final Iterable<T> values = state.get();
                    if (values != null)
                    {
                        for (final T value : values)
                        {
                            out.add(serializer.copy(value));
                        }
                    }
                });
                return out;
            }

            public int size()
            {
                return get().size();
            }

            public void clear()
            {
                state.clear();
            }

            private List<T> copies(final List<T> values)
            {
                final List<T> out = new ArrayList<>(values.size());
                for (final T value : values)
                {
                    out.add(serializer.copy(value));
                }
                return out;
            }
        };
    }

    @SuppressWarnings("unchecked")
    public <UK, UV> MapState<UK, UV> getMapState(final MapStateDescriptor<UK, UV> descriptor)
    {
        return mapState(CodecSerializer.of(descriptor.userKeyCodec()), CodecSerializer.of(descriptor.valueCodec()),
            flink.getMapState((org.apache.flink.api.common.state.MapStateDescriptor<UK, UV>)descriptor(descriptor)));
    }

    private static <UK, UV> MapState<UK, UV> mapState(
        final CodecSerializer<UK> keys, final CodecSerializer<UV> values,
        final org.apache.flink.api.common.state.MapState<UK, UV> state)
    {
        return new MapState<>()
        {
            public UV get(final UK key)
            {
                return call(() -> values.copy(state.get(key)));
            }

            public void put(final UK key, final UV value)
            {
                run(() -> state.put(keys.copy(key), values.copy(value)));
            }

            public void putAll(final Map<UK, UV> map)
            {
                for (final Map.Entry<UK, UV> entry : map.entrySet())
                {
                    put(entry.getKey(), entry.getValue());
                }
            }

            public boolean contains(final UK key)
            {
                return call(() -> state.contains(key));
            }

            public void remove(final UK key)
            {
                run(() -> state.remove(key));
            }

            public boolean isEmpty()
            {
                return call(state::isEmpty);
            }

            public List<Map.Entry<UK, UV>> entries()
            {
                final List<Map.Entry<UK, UV>> out = new ArrayList<>();
                run(() ->
                {
                    for (final Map.Entry<UK, UV> entry : state.entries())
                    {
                        out.add(new AbstractMap.SimpleEntry<>(keys.copy(entry.getKey()),
                            values.copy(entry.getValue())));
                    }
                });
                return out;
            }

            public List<UK> keys()
            {
                final List<UK> out = new ArrayList<>();
                run(() ->
                {
                    for (final UK key : state.keys())
                    {
                        out.add(keys.copy(key));
                    }
                });
                return out;
            }

            public List<UV> values()
            {
                final List<UV> out = new ArrayList<>();
                run(() ->
                {
                    for (final UV value : state.values())
                    {
                        out.add(values.copy(value));
                    }
                });
                return out;
            }

            public void clear()
            {
                state.clear();
            }
        };
    }

    public <T> ReducingState<T> getReducingState(final ReducingStateDescriptor<T> descriptor)
    {
        final org.apache.flink.api.common.state.ReducingStateDescriptor<T> flinkDescriptor =
            reducingDescriptor(descriptor);
        flinkDescriptor.enableTimeToLive(ttl(descriptor));
        return reducingState(CodecSerializer.of(descriptor.codec()), flink.getReducingState(flinkDescriptor));
    }

    private static <T> ReducingState<T> reducingState(
        final CodecSerializer<T> serializer, final org.apache.flink.api.common.state.ReducingState<T> state)
    {
        return new ReducingState<>()
        {
            public void add(final T value)
            {
                run(() -> state.add(serializer.copy(value)));
            }

            public T get()
            {
                return call(() -> serializer.copy(state.get()));
            }

            public void clear()
            {
                state.clear();
            }
        };
    }

    public <IN, ACC, OUT> AggregatingState<IN, OUT> getAggregatingState(
        final AggregatingStateDescriptor<IN, ACC, OUT> descriptor)
    {
        final org.apache.flink.api.common.state.AggregatingStateDescriptor<IN, ACC, OUT> flinkDescriptor =
            aggregatingDescriptor(descriptor);
        flinkDescriptor.enableTimeToLive(ttl(descriptor));
        return aggregatingState(flink.getAggregatingState(flinkDescriptor));
    }

    private static <IN, OUT> AggregatingState<IN, OUT> aggregatingState(
        final org.apache.flink.api.common.state.AggregatingState<IN, OUT> state)
    {
        return new AggregatingState<>()
        {
            public void add(final IN value)
            {
                run(() -> state.add(value));
            }

            public OUT get()
            {
                return call(state::get);
            }

            public void clear()
            {
                state.clear();
            }
        };
    }

    @FunctionalInterface
    private interface StateCall<R>
    {
        R call() throws Exception;
    }

    @FunctionalInterface
    private interface StateRun
    {
        void run() throws Exception;
    }

    private static <R> R call(final StateCall<R> call)
    {
        try
        {
            return call.call();
        }
        catch (final RuntimeException ex)
        {
            throw ex;
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException("Flink state access failed: " + ex, ex);
        }
    }

    private static void run(final StateRun run)
    {
        call(() ->
        {
            run.run();
            return null;
        });
    }
}
