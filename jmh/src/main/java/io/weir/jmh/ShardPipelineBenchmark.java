package io.weir.jmh;

import io.weir.api.KeyedProcessFunction;
import io.weir.api.RuntimeContext;
import io.weir.api.codec.FixedLayoutCodec;
import io.weir.api.eventtime.WatermarkStrategy;
import io.weir.api.functions.Collector;
import io.weir.api.state.LongValueState;
import io.weir.api.state.LongValueStateDescriptor;
import io.weir.engine.HandlerSink;
import io.weir.engine.JobBuilder;
import io.weir.engine.Producer;
import io.weir.engine.WeirContext;
import io.weir.engine.WeirJob;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
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

import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Per-event cost through one shard, end to end: the benchmark thread is the job's external producer and offers
 * one event per call (spinning on {@link Producer#tryOffer} under back-pressure) into a job of one shard running
 * a rolling sum over {@link LongValueState}, whose results go to a {@link HandlerSink} that counts them on the
 * shard thread. At steady state the offer rate is the shard's processing rate (the ring is bounded), so the
 * score is events per microsecond through decode, key context, state read-modify-write and sink.
 * <p>
 * Two busy threads (producer and shard) on a 2-core machine: numbers include preemption. Each iteration ends by
 * draining the ring, so iterations start alike. Run with {@code -prof gc}: the whole path (both threads) must
 * show ~0 B/op with the chronicle backend; the heap backend is the on-heap reference model and allocates.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(2)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
public class ShardPipelineBenchmark
{
    @Param({"10000", "1000000"})
    public int keys;

    @Param({"chronicle", "heap"})
    public String backend;

    private final AtomicLong results = new AtomicLong();
    private WeirJob<Event, SumResult> job;
    private Producer<Event> producer;
    private Event event;
    private Keys random;
    private long sequence;

    @Setup(Level.Trial)
    public void setUp()
    {
        JvmFlags.check();
        final WeirContext context = new WeirContext()
            .shards(1)
            .externalProducers(1)
            .expectedEntriesPerShard(keys)
            .stateBackend(Backends.create(backend, keys, (Path)null));
        final AtomicLong counter = results;
        job = JobBuilder.named("jmh-rolling-sum", EventCodec.INSTANCE)
            .timestamps(e -> e.timestamp, WatermarkStrategy.noWatermarks())
            .keyBy(e -> e.key)
            .process(RollingSum::new)
            .sink(new HandlerSink<SumResult>((shardId, result) -> counter.lazySet(counter.get() + 1)))
            .build(context)
            .start();
        producer = job.producer(0);
        event = new Event();
        random = new Keys(keys, 11);
    }

    @TearDown(Level.Iteration)
    public void drain()
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (results.get() < producer.offered())
        {
            if (job.hasFailed() || System.nanoTime() - deadlineNs > 0)
            {
                throw new IllegalStateException("shard did not drain: offered " + producer.offered() +
                    ", results " + results.get() + (job.hasFailed() ? " (job failed)" : ""));
            }
            Thread.onSpinWait();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        if (job != null)
        {
            job.close();
        }
    }

    @Benchmark
    public long offer()
    {
        final long id = ++sequence;
        event.set(id, random.next(), 1, id);
        while (!producer.tryOffer(event))
        {
            Thread.onSpinWait();
        }
        return id;
    }

    /** An input record: 32 bytes on the ring after the 24-byte header and the 8-byte key. */
    public static final class Event
    {
        long timestamp;
        long key;
        long amount;
        long eventId;

        Event set(final long timestamp, final long key, final long amount, final long eventId)
        {
            this.timestamp = timestamp;
            this.key = key;
            this.amount = amount;
            this.eventId = eventId;
            return this;
        }
    }

    /** A reused output record. */
    public static final class SumResult
    {
        long key;
        long eventId;
        long sum;
    }

    static final class EventCodec extends FixedLayoutCodec<Event>
    {
        static final EventCodec INSTANCE = new EventCodec();

        EventCodec()
        {
            super("jmh-event-v1", 4 * Long.BYTES);
        }

        protected void write(final Event value, final MutableDirectBuffer buffer, final int offset)
        {
            buffer.putLong(offset, value.timestamp, ByteOrder.LITTLE_ENDIAN);
            buffer.putLong(offset + 8, value.key, ByteOrder.LITTLE_ENDIAN);
            buffer.putLong(offset + 16, value.amount, ByteOrder.LITTLE_ENDIAN);
            buffer.putLong(offset + 24, value.eventId, ByteOrder.LITTLE_ENDIAN);
        }

        protected Event read(final DirectBuffer buffer, final int offset, final Event reuse)
        {
            final Event event = reuse != null ? reuse : new Event();
            return event.set(
                buffer.getLong(offset, ByteOrder.LITTLE_ENDIAN),
                buffer.getLong(offset + 8, ByteOrder.LITTLE_ENDIAN),
                buffer.getLong(offset + 16, ByteOrder.LITTLE_ENDIAN),
                buffer.getLong(offset + 24, ByteOrder.LITTLE_ENDIAN));
        }
    }

    /** Rolling sum of amounts per key, one result per event (the reference job's shape). */
    static final class RollingSum extends KeyedProcessFunction<Long, Event, SumResult>
    {
        private final SumResult result = new SumResult();
        private LongValueState sum;

        public void open(final RuntimeContext runtimeContext)
        {
            sum = runtimeContext.getLongState(new LongValueStateDescriptor("sum"));
        }

        public void processElement(final Event value, final Context ctx, final Collector<SumResult> out)
        {
            final long updated = sum.valueOr(0) + value.amount;
            sum.update(updated);
            result.key = value.key;
            result.eventId = value.eventId;
            result.sum = updated;
            out.collect(result);
        }
    }
}
