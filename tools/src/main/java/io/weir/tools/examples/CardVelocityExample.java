package io.weir.tools.examples;

import io.weir.api.KeyedProcessFunction;
import io.weir.api.RuntimeContext;
import io.weir.api.codec.LongCodec;
import io.weir.api.eventtime.WatermarkStrategy;
import io.weir.api.functions.Collector;
import io.weir.api.state.ListState;
import io.weir.api.state.ListStateDescriptor;
import io.weir.api.state.StateTtlConfig;
import io.weir.engine.JobBuilder;
import io.weir.engine.OutputRing;
import io.weir.engine.Producer;
import io.weir.engine.WeirContext;
import io.weir.engine.WeirJob;
import io.weir.state.offheap.ChronicleStateBackend;
import io.weir.tools.jobs.Event;
import io.weir.tools.jobs.EventCodec;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Embedding Weir in an application: two of its threads offer card transactions through their own producers,
 * a keyed function flags cards with 5 or more transactions within 10 s of event time, and the main thread
 * polls the alerts from an output ring. Run: {@code java ... io.weir.tools.examples.CardVelocityExample}.
 */
public final class CardVelocityExample
{
    public static final int TRANSACTIONS_PER_THREAD = 200_000;
    public static final long SUSPECT_CARD = 42;

    /** Keyed by card: remembers the card's recent timestamps and emits the transaction that makes it 5 in 10 s. */
    static final class VelocityRule extends KeyedProcessFunction<Long, Event, Event>
    {
        private ListState<Long> recent;

        public void open(final RuntimeContext runtimeContext)
        {
            final ListStateDescriptor<Long> descriptor = new ListStateDescriptor<>("recent-ts", LongCodec.INSTANCE);
            descriptor.enableTimeToLive(StateTtlConfig.newBuilder(60_000).build());   // forget after a minute
            recent = runtimeContext.getListState(descriptor);
        }

        public void processElement(final Event txn, final Context ctx, final Collector<Event> out)
        {
            recent.add(txn.timestamp);
            int inWindow = 0;
            for (final long ts : recent.get())
            {
                inWindow += ts > txn.timestamp - 10_000 && ts <= txn.timestamp ? 1 : 0;
            }
            if (inWindow >= 5)
            {
                out.collect(txn);
            }
        }
    }

    public static void main(final String[] args) throws Exception
    {
        final WeirContext context = new WeirContext()
            .shards(2)
            .externalProducers(2)
            .stateBackend(new ChronicleStateBackend(new ChronicleStateBackend.Context()));
        try (OutputRing<Event> alerts = new OutputRing<>(1 << 16, EventCodec.INSTANCE, BackoffIdleStrategy::new);
            WeirJob<Event, Event> job = JobBuilder.named("card-velocity", EventCodec.INSTANCE)
                .timestamps(Event::timestamp, WatermarkStrategy.forBoundedOutOfOrderness(100))
                .keyBy(Event::key)
                .process(VelocityRule::new)
                .sink(alerts.sink())
                .build(context))
        {
            job.start();
            final Thread[] feeders = new Thread[2];
            for (int i = 0; i < feeders.length; i++)
            {
                final Producer<Event> producer = job.producer(i);   // one producer per thread
                feeders[i] = new Thread(() -> feed(producer), "feeder-" + i);
                feeders[i].start();
            }
            final long[] alertCount = new long[1];
            final IdleStrategy idle = new BackoffIdleStrategy();
            while (!job.awaitTermination(0, TimeUnit.MILLISECONDS))   // until both producers ended their input
            {
                idle.idle(alerts.poll((shard, txn) ->
                {
                    if (alertCount[0]++ < 3)
                    {
                        System.out.println("alert: card " + txn.key + " made 5+ transactions in 10 s at ts " +
                            txn.timestamp + " (shard " + shard + ")");
                    }
                }, 256));
            }
            alerts.poll((shard, txn) -> alertCount[0]++, Integer.MAX_VALUE);   // whatever is left
            System.out.println(job.eventsProcessed() + " transactions, " + alertCount[0] + " velocity alerts");
        }
    }

    /** One application thread: transactions on random cards, plus a burst of 6 on card 42 every 20,000. */
    static void feed(final Producer<Event> producer)
    {
        final SplittableRandom random = new SplittableRandom(producer.producerIndex());
        final IdleStrategy backPressure = new BackoffIdleStrategy();
        final Event txn = new Event();
        long timestampMs = 1_700_000_000_000L;
        for (int i = 0; i < TRANSACTIONS_PER_THREAD; i++)
        {
            timestampMs += random.nextInt(3);
            final long card = i % 20_000 < 6 ? SUSPECT_CARD : 1_000 + random.nextInt(1_000_000);
            txn.set(timestampMs, card, 100 + random.nextInt(10_000), i);
            backPressure.reset();
            while (!producer.tryOffer(txn))   // false: that shard's ring is full; nothing was written
            {
                backPressure.idle();
            }
        }
        producer.endOfInput();
    }
}
