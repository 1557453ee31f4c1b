package io.weir.jmh;

import io.weir.api.codec.FixedLayoutCodec;
import io.weir.api.codec.LongCodec;
import io.weir.api.functions.AggregateFunction;
import io.weir.api.state.AggregatingState;
import io.weir.api.state.AggregatingStateDescriptor;
import io.weir.api.state.ListState;
import io.weir.api.state.ListStateDescriptor;
import io.weir.api.state.LongList;
import io.weir.api.state.LongListState;
import io.weir.api.state.LongListStateDescriptor;
import io.weir.api.state.LongValueState;
import io.weir.api.state.LongValueStateDescriptor;
import io.weir.api.state.MapState;
import io.weir.api.state.MapStateDescriptor;
import io.weir.api.state.ReducingState;
import io.weir.api.state.ReducingStateDescriptor;
import io.weir.api.state.ValueState;
import io.weir.api.state.ValueStateDescriptor;
import io.weir.engine.runtime.KeyGroups;
import io.weir.engine.state.KeyContext;
import io.weir.engine.state.KeyedStateRegistry;
import io.weir.state.spi.KeyedStateStore;
import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.SystemEpochClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One operation of each state primitive on a random key of a pre-filled set, through {@link KeyedStateRegistry}'s
 * views over a backend's store, as a keyed function calls them: value (long and boxed), list add and get, map
 * put, get and iteration (by its list of entries, and by a visitor, of {@code Long}s and of mutable values),
 * reducing and aggregating add (of boxed {@code Long}s, and of a mutable accumulator), and a value read into an
 * instance the caller keeps. Lists hold {@code listLength} elements and maps {@code mapEntries} entries per key.
 * <p>
 * Run with {@code -prof gc} to see which primitives allocate per operation ({@code gc.alloc.rate.norm}, B/op):
 * those whose API returns objects (a list, entries, boxed values above the {@code Long} cache) do, and reducing and
 * aggregating adds of immutable boxed values; the same adds of a mutable accumulator, and a map's
 * {@code forEach}, do not.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class StatePrimitivesBenchmark
{
    @Param({"10000"})
    public int keys;

    @Param({"chronicle", "lmdb"})
    public String backend;

    @Param({"16"})
    public int listLength;

    @Param({"8"})
    public int mapEntries;

    private Path dir;
    private KeyedStateStore store;
    private KeyContext keyContext;
    private LongValueState longValue;
    private ValueState<Long> boxedValue;
    private ListState<Long> list;
    private ListState<Long> appendList;
    private LongListState longList;
    private LongListState appendLongList;
    private ListState<Long> history;
    private LongListState longHistory;
    private final List<Long> kept = new ArrayList<>();
    private long[] keptLongs;
    private int[] appendedLongs;
    private MapState<Long, Long> map;
    private ReducingState<Long> reducing;
    private AggregatingState<Long, Long> aggregating;
    private ReducingState<Sum> mutableReducing;
    private AggregatingState<Long, Long> mutableAggregating;
    private final Sum one = new Sum();
    private final ConsumingVisitor<Long> mapVisitor = new ConsumingVisitor<>();
    private MapState<Long, Sum> mutableMap;
    private final ConsumingVisitor<Sum> mutableMapVisitor = new ConsumingVisitor<>();
    private ValueState<Sum> mutableValue;
    private final Sum readInto = new Sum();
    private int[] appended;
    private UnsafeBuffer userKey;
    private Keys random;
    private long next;

    @Setup(Level.Trial)
    public void setUp()
    {
        JvmFlags.check();
        dir = "lmdb".equals(backend) ? TempDirs.create("weir-jmh-lmdb-") : null;
        final long entries = keys * 8L;
        store = Backends.create(backend, entries, dir).createStore(0, entries);
        keyContext = new KeyContext(64);
        final KeyedStateRegistry registry = new KeyedStateRegistry(store, keyContext, SystemEpochClock.INSTANCE);
        longValue = registry.getLongState(new LongValueStateDescriptor("long"));
        boxedValue = registry.getState(new ValueStateDescriptor<>("boxed", LongCodec.INSTANCE));
        list = registry.getListState(new ListStateDescriptor<>("list", LongCodec.INSTANCE));
        appendList = registry.getListState(new ListStateDescriptor<>("append", LongCodec.INSTANCE));
        longList = registry.getLongListState(new LongListStateDescriptor("long-list"));
        appendLongList = registry.getLongListState(new LongListStateDescriptor("long-append"));
        history = registry.getListState(new ListStateDescriptor<>("history", LongCodec.INSTANCE));
        longHistory = registry.getLongListState(new LongListStateDescriptor("long-history"));
        keptLongs = new long[listLength + 1];
        appendedLongs = new int[keys];
        map = registry.getMapState(new MapStateDescriptor<>("map", LongCodec.INSTANCE, LongCodec.INSTANCE));
        reducing = registry.getReducingState(new ReducingStateDescriptor<>("reducing", Long::sum, LongCodec.INSTANCE));
        aggregating = registry.getAggregatingState(
            new AggregatingStateDescriptor<>("aggregating", new Count(), LongCodec.INSTANCE));
        mutableValue = registry.getState(new ValueStateDescriptor<>("mutable-value", SumCodec.INSTANCE));
        mutableMap = registry.getMapState(
            new MapStateDescriptor<>("mutable-map", LongCodec.INSTANCE, SumCodec.INSTANCE));
        mutableReducing = registry.getReducingState(
            new ReducingStateDescriptor<>("mutable-reducing", Sum::addInPlace, SumCodec.INSTANCE));
        mutableAggregating = registry.getAggregatingState(
            new AggregatingStateDescriptor<>("mutable-aggregating", new SumAggregate(), SumCodec.INSTANCE));
        one.value = 1;
        appended = new int[keys];
        userKey = new UnsafeBuffer(BufferUtil.allocateDirectAligned(64, 8));
        for (long key = 0; key < keys; key++)
        {
            setKey(key);
            longValue.update(key);
            boxedValue.update(key);
            for (long i = 0; i < listLength; i++)
            {
                list.add(i);
                longList.add(i);
                history.add(i);
                longHistory.add(i);
            }
            for (long i = 0; i < mapEntries; i++)
            {
                map.put(i, i);
            }
            reducing.add(1L);
            aggregating.add(1L);
            mutableReducing.add(one);
            mutableAggregating.add(1L);
            readInto.value = key;
            mutableValue.update(readInto);
            for (long i = 0; i < mapEntries; i++)
            {
                readInto.value = 1_000_000 + i;
                mutableMap.put(i, readInto);
            }
        }
        random = new Keys(keys, 7);
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        try
        {
            if (store != null)
            {
                store.close();
            }
        }
        finally
        {
            TempDirs.delete(dir);
        }
    }

    private long setKey(final long key)
    {
        userKey.putLong(0, key, ByteOrder.BIG_ENDIAN);
        final int keyGroup = KeyGroups.keyGroup(userKey, 0, Long.BYTES, KeyGroups.DEFAULT_MAX_PARALLELISM);
        keyContext.setCurrentKey(userKey, 0, Long.BYTES, keyGroup);
        return key;
    }

    @Benchmark
    public long longValueReadModifyWrite()
    {
        setKey(random.next());
        final long updated = longValue.valueOr(0) + 1;
        longValue.update(updated);
        return updated;
    }

    @Benchmark
    public Long boxedValueRead()
    {
        setKey(random.next());
        return boxedValue.value();
    }

    /** An append; every {@code listLength}-th append to a key clears it instead, so lists stay that short. */
    @Benchmark
    public void listAdd()
    {
        final int key = (int)setKey(random.next());
        if (++appended[key] == listLength)
        {
            appended[key] = 0;
            appendList.clear();
        }
        else
        {
            appendList.add(1L);
        }
    }

    @Benchmark
    public List<Long> listGet()
    {
        setKey(random.next());
        return list.get();
    }

    /** {@link #listAdd} on a {@link LongListState}. */
    @Benchmark
    public void longListAdd()
    {
        final int key = (int)setKey(random.next());
        if (++appendedLongs[key] == listLength)
        {
            appendedLongs[key] = 0;
            appendLongList.clear();
        }
        else
        {
            appendLongList.add(1L);
        }
    }

    /** {@link #listGet} on a {@link LongListState}, summing the elements. */
    @Benchmark
    public long longListGet()
    {
        setKey(random.next());
        final LongList elements = longList.get();
        long sum = 0;
        for (int i = 0, n = elements.size(); i < n; i++)
        {
            sum += elements.get(i);
        }
        return sum;
    }

    /** A pruned history (the velocity job's step): read the list, drop its oldest element, append one. */
    @Benchmark
    public void listReadPruneAppend()
    {
        setKey(random.next());
        final List<Long> elements = history.get();
        kept.clear();
        for (int i = 1, n = elements.size(); i < n; i++)
        {
            kept.add(elements.get(i));
        }
        kept.add(next++);
        history.update(kept);
    }

    /** {@link #listReadPruneAppend} on a {@link LongListState}. */
    @Benchmark
    public void longListReadPruneAppend()
    {
        setKey(random.next());
        final LongList elements = longHistory.get();
        int count = 0;
        for (int i = 1, n = elements.size(); i < n; i++)
        {
            keptLongs[count++] = elements.get(i);
        }
        keptLongs[count++] = next++;
        longHistory.update(keptLongs, count);
    }

    @Benchmark
    public void mapPut()
    {
        setKey(random.next());
        map.put(next++ & 7, 1L);
    }

    @Benchmark
    public Long mapGet()
    {
        setKey(random.next());
        return map.get(next++ & 7);
    }

    @Benchmark
    public void mapIterate(final Blackhole blackhole)
    {
        setKey(random.next());
        for (final Map.Entry<Long, Long> entry : map.entries())
        {
            blackhole.consume(entry);
        }
    }

    @Benchmark
    public void mapForEach(final Blackhole blackhole)
    {
        setKey(random.next());
        mapVisitor.blackhole = blackhole;
        map.forEach(mapVisitor);
    }

    /** Consumes each entry {@link MapState#forEach} visits. */
    static final class ConsumingVisitor<V> implements MapState.EntryVisitor<Long, V>
    {
        Blackhole blackhole;

        public void visit(final Long key, final V value)
        {
            blackhole.consume(key);
            blackhole.consume(value);
        }
    }

    @Benchmark
    public void mutableMapForEach(final Blackhole blackhole)
    {
        setKey(random.next());
        mutableMapVisitor.blackhole = blackhole;
        mutableMap.forEach(mutableMapVisitor);
    }

    @Benchmark
    public void reducingAdd()
    {
        setKey(random.next());
        reducing.add(1L);
    }

    @Benchmark
    public void aggregatingAdd()
    {
        setKey(random.next());
        aggregating.add(1L);
    }

    @Benchmark
    public long mutableValueRead()
    {
        setKey(random.next());
        return mutableValue.value(readInto).value;
    }

    @Benchmark
    public void mutableReducingAdd()
    {
        setKey(random.next());
        mutableReducing.add(one);
    }

    @Benchmark
    public void mutableAggregatingAdd()
    {
        setKey(random.next());
        mutableAggregating.add(1L);
    }

    /** A mutable sum, as an accumulator that costs no allocation per add. */
    static final class Sum
    {
        long value;

        static Sum addInPlace(final Sum accumulated, final Sum added)
        {
            accumulated.value += added.value;
            return accumulated;
        }
    }

    /** Sums its inputs into a {@link Sum}. */
    static final class SumAggregate implements AggregateFunction<Long, Sum, Long>
    {
        public Sum createAccumulator()
        {
            return new Sum();
        }

        public Sum add(final Long value, final Sum accumulator)
        {
            accumulator.value += value;
            return accumulator;
        }

        public Long result(final Sum accumulator)
        {
            return accumulator.value;
        }

        public Sum merge(final Sum a, final Sum b)
        {
            a.value += b.value;
            return a;
        }
    }

    /** Fills the {@link Sum} it is given. */
    static final class SumCodec extends FixedLayoutCodec<Sum>
    {
        static final SumCodec INSTANCE = new SumCodec();

        private SumCodec()
        {
            super("jmh-sum", Long.BYTES);
        }

        protected void write(final Sum value, final MutableDirectBuffer buffer, final int offset)
        {
            buffer.putLong(offset, value.value);
        }

        protected Sum read(final DirectBuffer buffer, final int offset, final Sum reuse)
        {
            final Sum sum = null != reuse ? reuse : new Sum();
            sum.value = buffer.getLong(offset);
            return sum;
        }
    }

    /** Counts its inputs. */
    static final class Count implements AggregateFunction<Long, Long, Long>
    {
        public Long createAccumulator()
        {
            return 0L;
        }

        public Long add(final Long value, final Long accumulator)
        {
            return accumulator + 1;
        }

        public Long result(final Long accumulator)
        {
            return accumulator;
        }

        public Long merge(final Long a, final Long b)
        {
            return a + b;
        }
    }
}
