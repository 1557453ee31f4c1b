package io.weir.api.functions;

/**
 * Flink's incremental aggregation: inputs are added to a mutable or immutable accumulator, from which a result
 * is read. {@link #merge} is used when session windows merge.
 *
 * @param <IN>  input type.
 * @param <ACC> accumulator type; stored in state with a codec.
 * @param <OUT> result type.
 */
public interface AggregateFunction<IN, ACC, OUT>
{
    /** A new, empty accumulator. */
    ACC createAccumulator();

    /**
     * Must not keep {@code accumulator}: an {@link io.weir.api.state.AggregatingState} decodes it into an instance it
     * reuses for its next add, where the accumulator's codec fills one.
     *
     * @return the updated accumulator; may be {@code accumulator} itself, mutated.
     */
    ACC add(IN value, ACC accumulator);

    /** The result an accumulator stands for; must not change the accumulator. */
    OUT result(ACC accumulator);

    /** @return the merged accumulator; may be {@code a} itself, mutated. */
    ACC merge(ACC a, ACC b);
}
