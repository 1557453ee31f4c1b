package io.weir.engine.state;

import io.weir.api.codec.FixedLayoutCodec;
import io.weir.api.codec.IntCodec;
import io.weir.api.functions.AggregateFunction;
import io.weir.api.state.AggregatingState;
import io.weir.api.state.AggregatingStateDescriptor;
import io.weir.api.state.MapState;
import io.weir.api.state.MapStateDescriptor;
import io.weir.api.state.ReducingState;
import io.weir.api.state.ReducingStateDescriptor;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reducing and aggregating states decode the stored value of an add into one instance they reuse, where the codec
 * fills one: a mutable accumulator costs no allocation per add. The instance reaches a caller only through an
 * aggregating state's {@code getTransient} (a window's firing), and keys added in turn keep their own values. A map
 * state's {@code forEach} decodes every entry into the same instances.
 */
class ReusedInstanceTest extends StateViewTestBase
{
    @Test
    void aggregatingAddsDecodeIntoOneInstanceAndEveryKeyKeepsItsOwnAccumulator()
    {
        final CountingCodec codec = new CountingCodec();
        final AggregatingState<Long, Total> totals = registry.getAggregatingState(
            new AggregatingStateDescriptor<>("totals", new Summing(), codec));
        for (int round = 1; round <= 50; round++)
        {
            for (long key = 1; key <= 3; key++)
            {
                setKey(key);
                totals.add(key * 10);
            }
        }
        assertEquals(1, codec.instancesMade, "accumulators decoded into new instances by 150 adds on 3 keys");
        for (long key = 1; key <= 3; key++)
        {
            setKey(key);
            final Total total = totals.get();
            assertEquals(50, total.count, "key " + key);
            assertEquals(50 * key * 10, total.sum, "key " + key);
        }
    }

    @Test
    void aggregatingGetHandsOutAnInstanceThatLaterAddsLeaveAlone()
    {
        final AggregatingState<Long, Total> totals = registry.getAggregatingState(
            new AggregatingStateDescriptor<>("totals", new Summing(), new CountingCodec()));
        setKey(1);
        totals.add(5L);
        totals.add(5L);
        final Total read = totals.get();
        setKey(2);
        totals.add(7L);
        totals.add(7L);
        setKey(1);
        totals.add(1L);
        assertEquals(2, read.count, "the instance get returned, after adds to two keys");
        assertEquals(10, read.sum);
        assertNotSame(read, totals.get());
    }

    @Test
    void aggregatingTransientGetsDecodeIntoTheAddsInstanceAndReadEachKeysOwnAccumulator()
    {
        final CountingCodec codec = new CountingCodec();
        final CreationReportingAggregatingState<Long, Total> totals =
            (CreationReportingAggregatingState<Long, Total>)registry.getAggregatingState(
                new AggregatingStateDescriptor<>("totals", new Summing(), codec));
        for (long key = 1; key <= 3; key++)
        {
            setKey(key);
            for (int i = 0; i < 4; i++)
            {
                totals.add(key);
            }
        }
        for (long key = 1; key <= 3; key++)
        {
            setKey(key);
            final Total read = totals.getTransient();
            assertEquals(4, read.count, "key " + key);
            assertEquals(4 * key, read.sum, "key " + key);
        }
        setKey(4);
        assertEquals(null, totals.getTransient(), "a key without an accumulator");
        assertEquals(1, codec.instancesMade, "accumulators decoded into new instances by 12 adds and 4 reads");
        setKey(2);
        assertEquals(4, totals.get().count, "get still hands out an instance of its own");
        assertEquals(2, codec.instancesMade);
    }

    @Test
    void reducingAddsDecodeIntoOneInstanceAndEveryKeyKeepsItsOwnValue()
    {
        final CountingCodec codec = new CountingCodec();
        final ReducingState<Total> totals = registry.getReducingState(
            new ReducingStateDescriptor<>("totals", ReusedInstanceTest::addInPlace, codec));
        final Total input = new Total();
        for (int round = 1; round <= 50; round++)
        {
            for (long key = 1; key <= 3; key++)
            {
                setKey(key);
                input.count = 1;
                input.sum = key;
                totals.add(input);
            }
        }
        assertEquals(1, codec.instancesMade, "values decoded into new instances by 150 adds on 3 keys");
        for (long key = 1; key <= 3; key++)
        {
            setKey(key);
            final Total total = totals.get();
            assertEquals(50, total.count, "key " + key);
            assertEquals(50 * key, total.sum, "key " + key);
        }
        setKey(1);
        final Total read = totals.get();
        setKey(2);
        totals.add(input);
        assertEquals(50, read.count, "the instance get returned, after an add to another key");
        assertEquals(5, codec.instancesMade, "one for the adds, and one for each of the 4 gets");
    }

    @Test
    void reducingKeepsAValueTheFunctionReturnsInsteadOfTheReusedInstance()
    {
        final ReducingState<Total> latest = registry.getReducingState(
            new ReducingStateDescriptor<>("latest", (accumulated, value) -> value, new CountingCodec()));
        final java.util.List<Total> passed = new java.util.ArrayList<>();
        for (long key = 1; key <= 2; key++)
        {
            setKey(key);
            for (long i = 1; i <= 3; i++)
            {
                final Total value = new Total();
                value.count = i;
                value.sum = key * 100 + i;
                latest.add(value);
                passed.add(value);
            }
        }
        setKey(1);
        assertEquals(103, latest.get().sum);
        setKey(2);
        assertEquals(203, latest.get().sum);
        for (int i = 0; i < passed.size(); i++)
        {
            final long key = i / 3 + 1;
            final long n = i % 3 + 1;
            assertEquals(n, passed.get(i).count, "a value the caller passed to add, later decoded into");
            assertEquals(key * 100 + n, passed.get(i).sum, "a value the caller passed to add, later decoded into");
        }
    }

    @Test
    void mapForEachDecodesEveryValueIntoOneInstanceInPackedAndSpilledMaps()
    {
        final CountingCodec codec = new CountingCodec();
        final MapState<Integer, Total> totals = registry.getMapState(
            new MapStateDescriptor<>("totals", IntCodec.INSTANCE, codec));
        final Total value = new Total();
        final int[] sizes = {3, 40};   // one packed map, one spilled past the packed limit
        for (int key = 0; key < sizes.length; key++)
        {
            setKey(key);
            for (int i = 1; i <= sizes[key]; i++)
            {
                value.count = i;
                value.sum = 1000L * key + i;
                totals.put(i, value);
            }
        }
        for (int key = 0; key < sizes.length; key++)
        {
            setKey(key);
            final long base = 1000L * key;
            final long[] visited = new long[1];
            final Total[] first = new Total[1];
            totals.forEach((userKey, total) ->
            {
                visited[0]++;
                assertEquals(userKey.longValue(), total.count, "the value of user key " + userKey);
                assertEquals(base + userKey, total.sum, "the value of user key " + userKey);
                if (null == first[0])
                {
                    first[0] = total;
                }
                assertSame(first[0], total, "every entry decoded into one instance");
            });
            assertEquals(sizes[key], visited[0], "entries visited, key " + key);
        }
        assertEquals(1, codec.instancesMade, "value instances made while visiting 43 entries");
    }

    @Test
    void mapStateRefusesUseFromWithinItsOwnForEachVisitorAndWorksAfterIt()
    {
        final MapState<Integer, Total> totals = registry.getMapState(
            new MapStateDescriptor<>("totals", IntCodec.INSTANCE, new CountingCodec()));
        final Total value = new Total();
        setKey(1);
        for (int i = 1; i <= 20; i++)
        {
            value.count = i;
            totals.put(i, value);
        }
        final IllegalStateException read = assertThrows(IllegalStateException.class,
            () -> totals.forEach((userKey, total) -> totals.get(userKey)));
        assertTrue(read.getMessage().contains("'totals'") && read.getMessage().contains("forEach visitor"),
            read.getMessage());
        assertThrows(IllegalStateException.class,
            () -> totals.forEach((userKey, total) -> totals.forEach((k, v) -> { })));
        assertThrows(IllegalStateException.class,
            () -> totals.forEach((userKey, total) -> totals.remove(userKey)));
        final long[] visited = new long[1];
        totals.forEach((userKey, total) -> visited[0] += total.count);
        assertEquals(20 * 21 / 2, visited[0], "every entry still there, and forEach usable again");
        assertEquals(7, totals.get(7).count);
    }

    private static Total addInPlace(final Total accumulated, final Total value)
    {
        accumulated.count += value.count;
        accumulated.sum += value.sum;
        return accumulated;
    }

    /** A mutable count and sum. */
    static final class Total
    {
        long count;
        long sum;
    }

    /** Counts and sums its inputs in place. */
    private static final class Summing implements AggregateFunction<Long, Total, Total>
    {
        public Total createAccumulator()
        {
            return new Total();
        }

        public Total add(final Long value, final Total accumulator)
        {
            accumulator.count++;
            accumulator.sum += value;
            return accumulator;
        }

        public Total result(final Total accumulator)
        {
            return accumulator;
        }

        public Total merge(final Total a, final Total b)
        {
            a.count += b.count;
            a.sum += b.sum;
            return a;
        }
    }

    /** Fills the instance it is given; counts the instances it had to make. */
    private static final class CountingCodec extends FixedLayoutCodec<Total>
    {
        int instancesMade;

        CountingCodec()
        {
            super("test-total", 2 * Long.BYTES);
        }

        protected void write(final Total value, final MutableDirectBuffer buffer, final int offset)
        {
            buffer.putLong(offset, value.count);
            buffer.putLong(offset + Long.BYTES, value.sum);
        }

        protected Total read(final DirectBuffer buffer, final int offset, final Total reuse)
        {
            Total total = reuse;
            if (null == total)
            {
                total = new Total();
                instancesMade++;
            }
            total.count = buffer.getLong(offset);
            total.sum = buffer.getLong(offset + Long.BYTES);
            return total;
        }
    }
}
