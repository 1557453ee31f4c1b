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
 * changes. Task thread only.
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

    private static void checkTtl(final StateDescriptor descriptor)
    {
        if (descriptor.ttlConfig() != StateTtlConfig.DISABLED)
        {
            throw new UnsupportedOperationException("state '" + descriptor.name() + "': time-to-live is not " +
                "supported on Flink by the adapter (Weir's TTL and Flink's differ in when values expire)");
        }
    }

    public <T> ValueState<T> getState(final ValueStateDescriptor<T> descriptor)
    {
        checkTtl(descriptor);
        final CodecSerializer<T> serializer = CodecSerializer.of(descriptor.codec());
        final org.apache.flink.api.common.state.ValueState<T> state = flink.getState(
            new org.apache.flink.api.common.state.ValueStateDescriptor<>(descriptor.name(), serializer));
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

    public LongValueState getLongState(final LongValueStateDescriptor descriptor)
    {
        checkTtl(descriptor);
        final org.apache.flink.api.common.state.ValueState<Long> state = flink.getState(
            new org.apache.flink.api.common.state.ValueStateDescriptor<>(descriptor.name(), LongSerializer.INSTANCE));
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

    public <T> ListState<T> getListState(final ListStateDescriptor<T> descriptor)
    {
        checkTtl(descriptor);
        final CodecSerializer<T> serializer = CodecSerializer.of(descriptor.elementCodec());
        final org.apache.flink.api.common.state.ListState<T> state = flink.getListState(
            new org.apache.flink.api.common.state.ListStateDescriptor<>(descriptor.name(), serializer));
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

    public <UK, UV> MapState<UK, UV> getMapState(final MapStateDescriptor<UK, UV> descriptor)
    {
        checkTtl(descriptor);
        final CodecSerializer<UK> keys = CodecSerializer.of(descriptor.userKeyCodec());
        final CodecSerializer<UV> values = CodecSerializer.of(descriptor.valueCodec());
        final org.apache.flink.api.common.state.MapState<UK, UV> state = flink.getMapState(
            new org.apache.flink.api.common.state.MapStateDescriptor<>(descriptor.name(), keys, values));
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
        checkTtl(descriptor);
        final CodecSerializer<T> serializer = CodecSerializer.of(descriptor.codec());
        final io.weir.api.functions.ReduceFunction<T> function = descriptor.reduceFunction();
        final org.apache.flink.api.common.state.ReducingState<T> state = flink.getReducingState(
            new org.apache.flink.api.common.state.ReducingStateDescriptor<>(descriptor.name(), function::reduce,
                serializer));
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
        checkTtl(descriptor);
        final org.apache.flink.api.common.state.AggregatingState<IN, OUT> state = flink.getAggregatingState(
            new org.apache.flink.api.common.state.AggregatingStateDescriptor<>(descriptor.name(),
                new AggregateAdapter<>(descriptor.aggregateFunction()),
                CodecSerializer.of(descriptor.accumulatorCodec())));
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
