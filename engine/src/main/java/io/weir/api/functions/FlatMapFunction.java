package io.weir.api.functions;

/** Flink's {@code FlatMapFunction}: zero or more outputs per input; chained into the operator before it. */
@FunctionalInterface
public interface FlatMapFunction<T, R>
{
    void flatMap(T value, Collector<R> out) throws Exception;
}
