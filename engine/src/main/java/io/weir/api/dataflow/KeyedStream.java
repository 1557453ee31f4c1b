package io.weir.api.dataflow;

import io.weir.api.KeyedProcessFunction;
import io.weir.api.window.EventTimeSessionWindows;
import io.weir.api.window.WindowAssigner;

import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/** A stream partitioned by key (Flink's {@code KeyedStream}): what a keyed operator reads. */
public final class KeyedStream<K, T>
{
    private final Dataflow dataflow;
    private final Transformation input;
    private final KeySpec key;

    KeyedStream(final Dataflow dataflow, final Transformation input, final KeySpec key)
    {
        this.dataflow = dataflow;
        this.input = input;
        this.key = key;
    }

    /**
     * Process each key's elements with a function made by {@code functionFactory}: one instance per thread, with
     * keyed state and timers.
     */
    public <R> DataStream<R> process(final Supplier<? extends KeyedProcessFunction<K, T, R>> functionFactory)
    {
        return new DataStream<>(dataflow, dataflow.add(Transformation.Kind.KEYED_PROCESS, List.of(input),
            Objects.requireNonNull(functionFactory, "functionFactory"), key, null, "process"));
    }

    /** Event-time windows of fixed size (tumbling or sliding). */
    public WindowedStream<K, T> window(final WindowAssigner assigner)
    {
        return new WindowedStream<>(dataflow, input, key, Objects.requireNonNull(assigner, "assigner"));
    }

    /** Event-time session windows. */
    public WindowedStream<K, T> window(final EventTimeSessionWindows assigner)
    {
        return new WindowedStream<>(dataflow, input, key, Objects.requireNonNull(assigner, "assigner"));
    }

    Transformation input()
    {
        return input;
    }
}
