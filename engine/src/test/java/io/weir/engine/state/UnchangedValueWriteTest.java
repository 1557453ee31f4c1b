package io.weir.engine.state;

import io.weir.api.codec.LongCodec;
import io.weir.api.functions.AggregateFunction;
import io.weir.api.state.AggregatingState;
import io.weir.api.state.AggregatingStateDescriptor;
import io.weir.api.state.ReducingState;
import io.weir.api.state.ReducingStateDescriptor;
import io.weir.api.state.StateTtlConfig;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * An add to a reducing or aggregating state that leaves its value as it was (a maximum that a lower element did not
 * raise) writes nothing; one that changes it, or that refreshes a TTL, writes it.
 */
class UnchangedValueWriteTest extends StateViewTestBase
{
    @Test
    void shouldNotWriteAMaximumThatALowerElementLeftAsItWas()
    {
        final ReducingState<Long> max = registry.getReducingState(
            new ReducingStateDescriptor<>("max", Math::max, LongCodec.INSTANCE));
        setKey(1);
        max.add(5L);
        store.reset();
        max.add(3L);
        max.add(5L);
        assertEquals(0, store.puts, "adds that leave the maximum at 5");
        max.add(7L);
        assertEquals(1, store.puts, "the add that raises it");
        assertEquals(7L, max.get());

        setKey(2);
        store.reset();
        max.add(1L);
        assertEquals(1, store.puts, "the first add of a key");
        assertEquals(1L, max.get());
        setKey(1);
        assertEquals(7L, max.get());
    }

    @Test
    void shouldNotWriteAnAccumulatorThatAnAddLeftAsItWas()
    {
        final AggregatingState<Long, Long> highest = registry.getAggregatingState(
            new AggregatingStateDescriptor<>("highest", new Highest(), LongCodec.INSTANCE));
        setKey(1);
        highest.add(10L);
        store.reset();
        highest.add(4L);
        assertEquals(0, store.puts, "an add below the highest");
        highest.add(11L);
        assertEquals(1, store.puts, "an add above it");
        assertEquals(11L, highest.get());
    }

    @Test
    void shouldWriteAnUnchangedValueWhoseTtlTheWriteRefreshes()
    {
        final ReducingStateDescriptor<Long> descriptor =
            new ReducingStateDescriptor<>("max", Math::max, LongCodec.INSTANCE);
        descriptor.enableTimeToLive(StateTtlConfig.newBuilder(1_000).build());
        final ReducingState<Long> max = registry.getReducingState(descriptor);
        clock.update(100);
        setKey(1);
        max.add(5L);
        store.reset();
        max.add(3L);
        assertEquals(0, store.puts, "in the millisecond of the last write, the record is the same");
        clock.update(900);
        max.add(3L);
        assertEquals(1, store.puts, "later, the write refreshes the TTL");
        clock.update(1_500);
        assertEquals(5L, max.get(), "alive 600 ms after the refresh, though 1,400 ms after the first write");
    }

    /** The highest element, as an accumulator that an add returns unchanged when the element is not higher. */
    private static final class Highest implements AggregateFunction<Long, Long, Long>
    {
        public Long createAccumulator()
        {
            return Long.MIN_VALUE;
        }

        public Long add(final Long value, final Long accumulator)
        {
            return Math.max(value, accumulator);
        }

        public Long result(final Long accumulator)
        {
            return accumulator;
        }

        public Long merge(final Long a, final Long b)
        {
            return Math.max(a, b);
        }
    }
}
