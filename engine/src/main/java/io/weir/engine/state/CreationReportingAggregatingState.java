package io.weir.engine.state;

import io.weir.api.state.AggregatingState;
import org.agrona.DirectBuffer;

/**
 * An {@link AggregatingState} whose add says whether it created the accumulator, for the engine's own operators: a
 * window operator registers a window's timer only with the window's first element. Shard thread only.
 *
 * @param <IN>  the type of the values added.
 * @param <OUT> the type of the result.
 */
public interface CreationReportingAggregatingState<IN, OUT> extends AggregatingState<IN, OUT>
{
    /**
     * {@link #add} {@code value}.
     *
     * @return true if the current key (and namespace) held no visible accumulator before (none, or one expired
     * under TTL): this add created it.
     */
    boolean addReportingCreation(IN value);

    /**
     * {@link #get}, with the accumulator decoded into an instance the state reuses where its codec allows: the
     * result may be that instance, valid only until the state's next operation. For a caller that uses the result
     * at once and keeps no reference to it (a window's firing), so that a read allocates nothing.
     */
    OUT getTransient();

    /**
     * Stores {@code accumulator[offset, offset + length)}, an accumulator encoded by the state's codec, as the current
     * key's (and namespace's), whatever it held: for an operator that kept the accumulator elsewhere until now.
     */
    void putEncoded(DirectBuffer accumulator, int offset, int length);
}
