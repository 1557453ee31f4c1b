package io.weir.engine.window;

import io.weir.engine.runtime.window.SessionWindowOperator;
import io.weir.api.eventtime.WatermarkStrategy;
import io.weir.snapshot.TestSeeds;
import io.weir.api.codec.FixedLayoutCodec;
import io.weir.api.functions.AggregateFunction;
import io.weir.api.functions.OutputTag;
import io.weir.api.window.EventTimeSessionWindows;
import io.weir.engine.JobBuilder;
import io.weir.engine.JobInternals;
import io.weir.engine.Producer;
import io.weir.engine.SessionWindowedBuilder;
import io.weir.engine.runtime.ShardAgent;
import io.weir.engine.SinkFactory;
import io.weir.engine.SinkWriter;
import io.weir.engine.WeirContext;
import io.weir.engine.WeirJob;
import io.weir.state.heap.HeapStateBackend;
import io.weir.state.spi.EntryVisitor;
import io.weir.state.spi.KeyedStateStore;
import io.weir.state.spi.StateBackend;
import io.weir.state.spi.StoreSnapshot;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Session windows end to end: a real job with one external producer whose watermarks are explicit (each element
 * carries the producer's watermark at the time it was offered, so the shard sees exactly that watermark before
 * processing it). Sessions are reported as {@code key,start,end,count,sum,minTs,maxTs}.
 */
@ExtendWith(TestSeeds.class)
@Timeout(60)
class SessionWindowJobTest
{
    private static final long GAP = 10;
    private static final OutputTag<Event> LATE = new OutputTag<>("late");

    static final class Event
    {
        long key;
        long timestamp;
        long value;

        Event set(final long key, final long timestamp, final long value)
        {
            this.key = key;
            this.timestamp = timestamp;
            this.value = value;
            return this;
        }
    }

    static final class EventCodec extends FixedLayoutCodec<Event>
    {
        static final EventCodec INSTANCE = new EventCodec();

        EventCodec()
        {
            super("session-test-event", 24);
        }

        protected void write(final Event value, final MutableDirectBuffer buffer, final int offset)
        {
            buffer.putLong(offset, value.key);
            buffer.putLong(offset + 8, value.timestamp);
            buffer.putLong(offset + 16, value.value);
        }

        protected Event read(final DirectBuffer buffer, final int offset, final Event reuse)
        {
            final Event event = reuse != null ? reuse : new Event();
            return event.set(buffer.getLong(offset), buffer.getLong(offset + 8), buffer.getLong(offset + 16));
        }
    }

    /** Count, sum of values, min and max timestamp. */
    static final class Stats
    {
        long count;
        long sum;
        long minTs = Long.MAX_VALUE;
        long maxTs = Long.MIN_VALUE;
    }

    static final class StatsCodec extends FixedLayoutCodec<Stats>
    {
        static final StatsCodec INSTANCE = new StatsCodec();

        StatsCodec()
        {
            super("session-test-stats", 32);
        }

        protected void write(final Stats value, final MutableDirectBuffer buffer, final int offset)
        {
            buffer.putLong(offset, value.count);
            buffer.putLong(offset + 8, value.sum);
            buffer.putLong(offset + 16, value.minTs);
            buffer.putLong(offset + 24, value.maxTs);
        }

        protected Stats read(final DirectBuffer buffer, final int offset, final Stats reuse)
        {
            final Stats stats = reuse != null ? reuse : new Stats();
            stats.count = buffer.getLong(offset);
            stats.sum = buffer.getLong(offset + 8);
            stats.minTs = buffer.getLong(offset + 16);
            stats.maxTs = buffer.getLong(offset + 24);
            return stats;
        }
    }

    static final class StatsAggregate implements AggregateFunction<Event, Stats, String>
    {
        public Stats createAccumulator()
        {
            return new Stats();
        }

        public Stats add(final Event value, final Stats acc)
        {
            acc.count++;
            acc.sum += value.value;
            acc.minTs = Math.min(acc.minTs, value.timestamp);
            acc.maxTs = Math.max(acc.maxTs, value.timestamp);
            return acc;
        }

        public String result(final Stats acc)
        {
            return acc.count + "," + acc.sum + "," + acc.minTs + "," + acc.maxTs;
        }

        public Stats merge(final Stats a, final Stats b)
        {
            a.count += b.count;
            a.sum += b.sum;
            a.minTs = Math.min(a.minTs, b.minTs);
            a.maxTs = Math.max(a.maxTs, b.maxTs);
            return a;
        }
    }

    static final class CollectingSink<T> implements SinkFactory<T>
    {
        final ConcurrentLinkedQueue<String> rows = new ConcurrentLinkedQueue<>();
        private final java.util.function.Function<T, String> format;

        CollectingSink(final java.util.function.Function<T, String> format)
        {
            this.format = format;
        }

        public SinkWriter<T> createWriter(final int shardId, final int shards)
        {
            return new SinkWriter<>()
            {
                public void collect(final T value)
                {
                    rows.add(format.apply(value));
                }

                public void close()
                {
                }
            };
        }

        List<String> sorted()
        {
            final List<String> list = new ArrayList<>(rows);
            Collections.sort(list);
            return list;
        }
    }

    /** The heap backend, counting the entries its stores still hold when the job closes them. */
    static final class CountingBackend implements StateBackend
    {
        final AtomicLong entriesAtClose = new AtomicLong();
        final AtomicLong closedStores = new AtomicLong();
        final AtomicLong puts = new AtomicLong();
        private final HeapStateBackend heap = new HeapStateBackend();

        public String name()
        {
            return "counting-heap";
        }

        public KeyedStateStore createStore(final int shardId, final long expectedEntries)
        {
            final KeyedStateStore store = heap.createStore(shardId, expectedEntries);
            return new KeyedStateStore()
            {
                public int get(final DirectBuffer key, final int keyLength, final MutableDirectBuffer valueOut)
                {
                    return store.get(key, keyLength, valueOut);
                }

                public void put(
                    final DirectBuffer key,
                    final int keyLength,
                    final DirectBuffer value,
                    final int valueOffset,
                    final int valueLength)
                {
                    puts.incrementAndGet();
                    store.put(key, keyLength, value, valueOffset, valueLength);
                }

                public boolean remove(final DirectBuffer key, final int keyLength)
                {
                    return store.remove(key, keyLength);
                }

                public void forEach(final EntryVisitor visitor)
                {
                    store.forEach(visitor);
                }

                public long entryCount()
                {
                    return store.entryCount();
                }

                public long sizeBytes()
                {
                    return store.sizeBytes();
                }

                public StoreSnapshot snapshot(final long checkpointId, final boolean full)
                {
                    return store.snapshot(checkpointId, full);
                }

                public void close()
                {
                    final long[] entries = new long[1];
                    store.forEach((key, keyLength, value, valueLength) -> entries[0]++);
                    entriesAtClose.addAndGet(entries[0]);
                    closedStores.incrementAndGet();
                    store.close();
                }
            };
        }
    }

    /** A producer's script: elements and watermarks, in order. */
    static final class Script
    {
        final List<long[]> ops = new ArrayList<>();

        Script element(final long key, final long timestamp, final long value)
        {
            ops.add(new long[]{ 0, key, timestamp, value });
            return this;
        }

        Script element(final long key, final long timestamp)
        {
            return element(key, timestamp, 1);
        }

        Script watermark(final long watermarkMs)
        {
            ops.add(new long[]{ 1, watermarkMs });
            return this;
        }
    }

    record Result(List<String> sessions, List<String> late)
    {
    }

    private static Result run(final Script script, final long gapMs, final int shards, final boolean lateTag)
        throws InterruptedException
    {
        return run(script, gapMs, shards, lateTag, WatermarkStrategy.noWatermarks());
    }

    private static Result run(
        final Script script,
        final long gapMs,
        final int shards,
        final boolean lateTag,
        final WatermarkStrategy strategy) throws InterruptedException
    {
        final CollectingSink<String> sessions = new CollectingSink<>(s -> s);
        final CollectingSink<Event> late = new CollectingSink<>(e -> e.key + "," + e.timestamp + "," + e.value);
        final SessionWindowedBuilder<Event, Long> windowed = JobBuilder.named("sessions", EventCodec.INSTANCE)
            .timestamps(e -> e.timestamp, strategy)
            .keyBy(e -> e.key)
            .window(EventTimeSessionWindows.withGap(gapMs));
        if (lateTag)
        {
            windowed.sideOutputLateData(LATE);
        }
        final JobBuilder.ProcessBuilder<Event, Long, String> process = windowed
            .aggregate(new StatsAggregate(), StatsCodec.INSTANCE,
                (key, window, stats, out) -> out.collect(key + "," + window.start() + "," + window.end() + "," +
                    stats));
        if (lateTag)
        {
            process.sideOutput(LATE, late);
        }
        final CountingBackend backend = new CountingBackend();
        final WeirContext context = new WeirContext()
            .stateBackend(backend)
            .shards(shards)
            .externalProducers(1)
            .ringCapacityBytes(64 * 1024)
            .shardIdleStrategy(() -> new SleepingMillisIdleStrategy(1))
            .sourceIdleStrategy(() -> new SleepingMillisIdleStrategy(1));
        try (WeirJob<Event, String> job = process.sink(sessions).build(context))
        {
            job.start();
            final Producer<Event> producer = job.producer(0);
            final Event event = new Event();
            for (final long[] op : script.ops)
            {
                if (op[0] == 0)
                {
                    if (!producer.offer(event.set(op[1], op[2], op[3]), TimeUnit.SECONDS.toNanos(30)))
                    {
                        throw new AssertionError("producer timed out");
                    }
                }
                else
                {
                    producer.emitWatermark(op[1]);
                }
            }
            producer.endOfInput();
            job.awaitTermination();
            long timersFired = 0;
            for (final ShardAgent shard : JobInternals.shards(job))
            {
                timersFired += shard.timersFired();
                assertEquals(0, shard.eventTimers().size(), "no timer left behind");
                final List<String> states = new ArrayList<>();
                shard.stateRegistry().registeredStates().forEach(state -> states.add(state.name()));
                assertEquals(List.of(SessionWindowOperator.STATE_NAME), states);
            }
            assertEquals(sessions.rows.size(), timersFired, "one timer per session: merged-away timers are deleted");
        }
        assertEquals(shards, backend.closedStores.get());
        assertEquals(0, backend.entriesAtClose.get(), "fired sessions leave no state in the store");
        return new Result(sessions.sorted(), late.sorted());
    }

    private static Result run(final Script script) throws InterruptedException
    {
        return run(script, GAP, 1, true);
    }

    @Test
    void shouldEmitOneSessionForElementsWithinTheGapAtEndOfInput() throws Exception
    {
        final Result result = run(new Script().element(1, 0, 1).element(1, 5, 2).element(1, 12, 4));
        assertEquals(List.of("1,0,22,3,7,0,12"), result.sessions());
        assertEquals(List.of(), result.late());
    }

    @Test
    void shouldSplitSessionsSeparatedByMoreThanTheGap() throws Exception
    {
        final Result result = run(new Script().element(1, 0, 1).element(1, 3, 2).element(1, 14, 4));
        assertEquals(List.of("1,0,13,2,3,0,3", "1,14,24,1,4,14,14"), result.sessions());
    }

    @Test
    void shouldMergeWindowsThatOnlyTouchAsFlinkDoes() throws Exception
    {
        // [0,10) and [10,20) intersect in Flink's sense (a.start <= b.end && b.start <= a.end).
        final Result result = run(new Script().element(1, 0).element(1, 10).element(1, 21));
        assertEquals(List.of("1,0,20,2,2,0,10", "1,21,31,1,1,21,21"), result.sessions());
    }

    @Test
    void shouldEmitSessionWhenWatermarkPassesItsLastMillisecond() throws Exception
    {
        // Watermark 17 = maxTimestamp of [0,18): it fires, so 18 starts a new session instead of merging.
        final Result fired = run(new Script().element(1, 0).element(1, 8).watermark(17).element(1, 18));
        assertEquals(List.of("1,0,18,2,2,0,8", "1,18,28,1,1,18,18"), fired.sessions());
        // Watermark 16: still open, and [18,28) touches its end.
        final Result open = run(new Script().element(1, 0).element(1, 8).watermark(16).element(1, 18));
        assertEquals(List.of("1,0,28,3,3,0,18"), open.sessions());
    }

    @Test
    void shouldExtendASessionsStartWithAnOutOfOrderElement() throws Exception
    {
        final Result result = run(new Script().element(1, 10, 1).element(1, 20, 2).watermark(3).element(1, 5, 4));
        assertEquals(List.of("1,5,30,3,7,5,20"), result.sessions());
    }

    @Test
    void shouldAcceptAnElementBehindTheWatermarkThatReachesALiveSession() throws Exception
    {
        // Watermark 12: [10,20) is live; 2 <= 12 but [2,12) merges into it, so the merged window is not late.
        final Result result = run(new Script().element(1, 10, 1).watermark(12).element(1, 2, 4));
        assertEquals(List.of("1,2,20,2,5,2,10"), result.sessions());
        assertEquals(List.of(), result.late());
    }

    @Test
    void shouldMergeTwoOpenSessionsWhenABridgeElementArrives() throws Exception
    {
        final Result result = run(new Script()
            .element(1, 0, 1).element(1, 4, 2)        // [0,14)
            .element(1, 24, 10).element(1, 30, 20)    // [24,40)
            .watermark(8)
            .element(1, 14, 100));                     // [14,24) touches both
        assertEquals(List.of("1,0,40,5,133,0,30"), result.sessions());
    }

    @Test
    void shouldCascadeMergesOfThreeSessionsIntoOne() throws Exception
    {
        final Result result = run(new Script()
            .element(1, 0, 1)          // [0,10)
            .element(1, 15, 2)         // [15,25)
            .element(1, 30, 4)         // [30,40)
            .element(1, 10, 8)         // [10,20): [0,25)
            .element(1, 25, 16)        // [25,35): [0,40)
            .watermark(39)
            .element(1, 40, 32));      // [0,40) fired at 39: a new session
        assertEquals(List.of("1,0,40,5,31,0,30", "1,40,50,1,32,40,40"), result.sessions());
    }

    @Test
    void shouldSendAnElementToTheLateOutputWhenItsSessionHasFired() throws Exception
    {
        final Result result = run(new Script()
            .element(1, 0, 1).element(1, 5, 2)    // [0,15)
            .watermark(20)                         // fires [0,15)
            .element(1, 3, 4)                      // [3,13) ends before 20 and reaches nothing: late
            .element(1, 11, 8)                     // [11,21) has its last millisecond at 20: late as well
            .element(1, 12, 8)                     // [12,22) ends after 20: a new session, though 12 <= 20
            .element(2, 10, 16));                  // [10,20) of another key: late
        assertEquals(List.of("1,0,15,2,3,0,5", "1,12,22,1,8,12,12"), result.sessions());
        assertEquals(List.of("1,11,8", "1,3,4", "2,10,16"), result.late());
    }

    @Test
    void shouldDropLateElementsWithoutASideOutput() throws Exception
    {
        final Result result = run(new Script().element(1, 0).watermark(20).element(1, 3), GAP, 2, false);
        assertEquals(List.of("1,0,10,1,1,0,0"), result.sessions());
    }

    @Test
    void shouldFireSessionsFromBoundedOutOfOrdernessWatermarks() throws Exception
    {
        // Bound 5: after 30 the watermark is 24, which fires [0,13); 2 is then late.
        final Script script = new Script().element(1, 0).element(1, 3).element(1, 30).element(1, 2).element(1, 27);
        final Result result = run(script, GAP, 2, true, WatermarkStrategy.forBoundedOutOfOrderness(5));
        assertEquals(List.of("1,0,13,2,2,0,3", "1,27,40,2,2,27,30"), result.sessions());
        assertEquals(List.of("1,2,1"), result.late());
    }

    @ParameterizedTest
    @ValueSource(ints = { 2, 3, 4 })
    void shouldKeepSessionsOfInterleavedKeysApartAcrossShards(final int shards) throws Exception
    {
        final Script script = new Script();
        final List<String> expected = new ArrayList<>();
        for (long key = 1; key <= 12; key++)
        {
            script.element(key, 100 + key, key);
        }
        for (long key = 1; key <= 12; key++)
        {
            script.element(key, 105 + key, 10 * key);
        }
        script.watermark(120);
        for (long key = 1; key <= 12; key++)
        {
            // [100+k, 115+k) has fired at watermark 120 for keys 1..6: 115+k starts a new session there, while
            // for keys 7..12 its window [115+k, 125+k) touches the open session and extends it.
            script.element(key, 115 + key, 100 * key);
            if (key <= 6)
            {
                expected.add(row(key, 100 + key, 115 + key, 2, 11 * key, 100 + key, 105 + key));
                expected.add(row(key, 115 + key, 125 + key, 1, 100 * key, 115 + key, 115 + key));
            }
            else
            {
                expected.add(row(key, 100 + key, 125 + key, 3, 111 * key, 100 + key, 115 + key));
            }
        }
        final Result result = run(script, GAP, shards, true);
        Collections.sort(expected);
        assertEquals(expected, result.sessions());
        assertEquals(List.of(), result.late());
    }

    private static String row(final long... fields)
    {
        final StringBuilder sb = new StringBuilder();
        for (final long field : fields)
        {
            sb.append(sb.length() == 0 ? "" : ",").append(field);
        }
        return sb.toString();
    }

    @Test
    void shouldRejectANonPositiveGap()
    {
        assertThrows(IllegalArgumentException.class, () -> EventTimeSessionWindows.withGap(0));
        assertEquals(Long.MAX_VALUE, EventTimeSessionWindows.withGap(10).windowEnd(Long.MAX_VALUE - 3));
    }

    @ParameterizedTest
    @ValueSource(ints = { 1, 2, 3, 4 })
    void shouldMatchABruteForceModelOnRandomInput(final int shards) throws Exception
    {
        final long seed = TestSeeds.seed("SessionWindowJobTest random, shards=" + shards + ",");
        final Random random = new Random(seed);
        final long gap = 3 + random.nextInt(20);
        final int keys = 1 + random.nextInt(8);
        final Script script = new Script();
        long now = 0;
        for (int i = 0; i < 3000; i++)
        {
            now += random.nextInt((int)gap);
            if (random.nextInt(10) == 0)
            {
                script.watermark(now - random.nextInt((int)(2 * gap)));
            }
            final long ts = now - (random.nextInt(4) == 0 ? random.nextInt((int)(4 * gap)) : random.nextInt(3));
            script.element(random.nextInt(keys), ts, random.nextInt(100));
        }
        final long[] bridges = new long[1];
        final Result expected = model(script, gap, bridges);
        System.out.println("  gap=" + gap + " keys=" + keys + " sessions=" + expected.sessions().size() +
            " late=" + expected.late().size() + " bridges=" + bridges[0]);
        final Result actual = run(script, gap, shards, true);
        assertEquals(expected.late(), actual.late(), "late elements, seed " + seed);
        assertEquals(expected.sessions(), actual.sessions(), "sessions, seed " + seed);
    }

    /**
     * Sessions as connected components of each key's open element timestamps (neighbours at most {@code gap}
     * apart). Before each element every component whose last millisecond {@code maxTs + gap - 1} is at or behind
     * the watermark fires; the element is late if its own window ends by the watermark and no open element of
     * its key is within {@code gap} of it. Counts in {@code bridges[0]} the accepted elements that joined two
     * components.
     */
    private static Result model(final Script script, final long gap, final long[] bridges)
    {
        final Map<Long, List<long[]>> open = new TreeMap<>();
        final List<String> sessions = new ArrayList<>();
        final List<String> late = new ArrayList<>();
        long watermark = Long.MIN_VALUE;
        for (final long[] op : script.ops)
        {
            if (op[0] == 1)
            {
                watermark = Math.max(watermark, op[1]);
                continue;
            }
            fire(open, gap, watermark, sessions);
            final long key = op[1];
            final long ts = op[2];
            final List<long[]> elements = open.computeIfAbsent(key, k -> new ArrayList<>());
            boolean reachesOpen = false;
            long below = Long.MIN_VALUE;
            long above = Long.MAX_VALUE;
            for (final long[] e : elements)
            {
                reachesOpen |= Math.abs(e[0] - ts) <= gap;
                below = e[0] <= ts ? Math.max(below, e[0]) : below;
                above = e[0] >= ts ? Math.min(above, e[0]) : above;
            }
            if (reachesOpen || ts + gap - 1 > watermark)
            {
                if (below != Long.MIN_VALUE && above != Long.MAX_VALUE &&
                    ts - below <= gap && above - ts <= gap && above - below > gap)
                {
                    bridges[0]++;
                }
                elements.add(new long[]{ ts, op[3] });
            }
            else
            {
                late.add(key + "," + ts + "," + op[3]);
            }
        }
        fire(open, gap, Long.MAX_VALUE, sessions);
        Collections.sort(sessions);
        Collections.sort(late);
        return new Result(sessions, late);
    }

    private static void fire(
        final Map<Long, List<long[]>> open, final long gap, final long watermark, final List<String> sessions)
    {
        for (final Map.Entry<Long, List<long[]>> entry : open.entrySet())
        {
            final List<long[]> elements = entry.getValue();
            elements.sort((a, b) -> Long.compare(a[0], b[0]));
            final List<long[]> kept = new ArrayList<>();
            int first = 0;
            for (int i = 1; i <= elements.size(); i++)
            {
                if (i == elements.size() || elements.get(i)[0] - elements.get(i - 1)[0] > gap)
                {
                    final long minTs = elements.get(first)[0];
                    final long maxTs = elements.get(i - 1)[0];
                    if (maxTs + gap - 1 <= watermark)
                    {
                        long sum = 0;
                        for (int j = first; j < i; j++)
                        {
                            sum += elements.get(j)[1];
                        }
                        sessions.add(entry.getKey() + "," + minTs + "," + (maxTs + gap) + "," + (i - first) + "," +
                            sum + "," + minTs + "," + maxTs);
                    }
                    else
                    {
                        kept.addAll(elements.subList(first, i));
                    }
                    first = i;
                }
            }
            entry.setValue(kept);
        }
    }
}
