package io.weir.engine;

import io.weir.api.codec.Codec;
import io.weir.api.functions.AggregateFunction;
import io.weir.api.functions.OutputTag;
import io.weir.api.window.EventTimeSessionWindows;
import io.weir.api.window.ProcessWindowFunction;
import io.weir.engine.runtime.window.SessionWindowOperator;

import java.util.Objects;

/**
 * The session-windowed stage: late-data handling, then the aggregation. The merging-window counterpart of
 * {@link JobBuilder.WindowedBuilder}; single use, not thread-safe.
 */
public final class SessionWindowedBuilder<I, K>
{
    private final JobBuilder.KeyedBuilder<I, K> keyed;
    private final EventTimeSessionWindows assigner;
    private OutputTag<I> lateDataTag;

    SessionWindowedBuilder(final JobBuilder.KeyedBuilder<I, K> keyed, final EventTimeSessionWindows assigner)
    {
        this.keyed = keyed;
        this.assigner = assigner;
    }

    /**
     * Send elements that reach no live session and whose own window has already ended to this side output
     * (declare its sink on the next stage).
     */
    public SessionWindowedBuilder<I, K> sideOutputLateData(final OutputTag<I> tag)
    {
        this.lateDataTag = Objects.requireNonNull(tag, "tag");
        return this;
    }

    public <ACC, OUT, R> JobBuilder.ProcessBuilder<I, K, R> aggregate(
        final AggregateFunction<I, ACC, OUT> aggregateFunction,
        final Codec<ACC> accumulatorCodec,
        final ProcessWindowFunction<K, OUT, R> windowFunction)
    {
        Objects.requireNonNull(aggregateFunction, "aggregateFunction");
        Objects.requireNonNull(accumulatorCodec, "accumulatorCodec");
        Objects.requireNonNull(windowFunction, "windowFunction");
        final OutputTag<I> tag = lateDataTag;
        return keyed.process(() -> new SessionWindowOperator<>(assigner, aggregateFunction, accumulatorCodec,
            windowFunction, tag));
    }
}
