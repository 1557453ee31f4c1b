package io.weir.api;

import io.weir.api.functions.Collector;
import io.weir.api.functions.OutputTag;

/**
 * Flink's process join function: called for each pair of an interval join
 * ({@code a.keyBy(..).intervalJoin(b.keyBy(..)).between(lo, hi).process(...)}), a left element and a right one of
 * the same key with {@code left.ts + lo <= right.ts <= left.ts + hi}.
 */
public abstract class ProcessJoinFunction<IN1, IN2, OUT>
{
    /** Called once on the shard thread before the first pair. */
    public void open(final RuntimeContext runtimeContext)
    {
    }

    public abstract void processElement(IN1 left, IN2 right, Context ctx, Collector<OUT> out) throws Exception;

    /** The pair's context. Valid only during the call it is passed to. */
    public abstract class Context
    {
        public abstract long getLeftTimestamp();

        public abstract long getRightTimestamp();

        /** The pair's timestamp: the larger of the two. */
        public abstract long getTimestamp();

        public abstract <X> void output(OutputTag<X> tag, X value);
    }
}
