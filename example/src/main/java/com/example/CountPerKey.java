package com.example;

import io.weir.api.KeyedProcessFunction;
import io.weir.api.RuntimeContext;
import io.weir.api.codec.LongCodec;
import io.weir.api.eventtime.WatermarkStrategy;
import io.weir.api.functions.Collector;
import io.weir.api.state.LongValueState;
import io.weir.api.state.LongValueStateDescriptor;
import io.weir.engine.HandlerSink;
import io.weir.engine.JobBuilder;
import io.weir.engine.Producer;
import io.weir.engine.WeirContext;
import io.weir.engine.WeirJob;
import io.weir.state.offheap.ChronicleStateBackend;

import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/** Counts the events of each key (value % 10) in off-heap state, on two shard threads. */
public final class CountPerKey
{
    /** One instance per shard; its state is the current key's. */
    static final class Count extends KeyedProcessFunction<Long, Long, String>
    {
        private LongValueState count;

        @Override
        public void open(final RuntimeContext runtimeContext)
        {
            count = runtimeContext.getLongState(new LongValueStateDescriptor("count"));
        }

        @Override
        public void processElement(final Long value, final Context ctx, final Collector<String> out)
        {
            final long n = count.valueOr(0) + 1;
            count.update(n);
            out.collect(ctx.getCurrentKey() + "," + n);
        }
    }

    public static void main(final String[] args) throws Exception
    {
        final Map<Long, Long> counts = new ConcurrentSkipListMap<>();
        final WeirContext context = new WeirContext()
            .shards(2)
            .externalProducers(1)                                  // this thread offers the events
            .stateBackend(new ChronicleStateBackend());            // keyed state off-heap, in Chronicle Map

        try (WeirJob<Long, String> job = JobBuilder.named("count-per-key", LongCodec.INSTANCE)
            .timestamps(value -> value, WatermarkStrategy.noWatermarks())
            .keyBy(value -> value % 10)
            .process(Count::new)
            .sink(new HandlerSink<String>((shard, row) ->         // called on the shard's thread
            {
                final String[] fields = row.split(",");
                counts.merge(Long.parseLong(fields[0]), Long.parseLong(fields[1]), Math::max);
            }))
            .build(context))
        {
            job.start();
            final Producer<Long> producer = job.producer(0);
            for (long i = 0; i < 1_000; i++)
            {
                while (!producer.tryOffer(i))                      // false: the rings are full, try again
                {
                    Thread.onSpinWait();
                }
            }
            producer.endOfInput();
            job.awaitTermination();                                // rethrows a function's exception
        }
        System.out.println("events per key: " + counts);
    }
}
