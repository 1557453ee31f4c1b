package io.weir.tools;

import io.weir.api.KeyedBroadcastProcessFunction;
import io.weir.api.RuntimeContext;
import io.weir.api.codec.LongCodec;
import io.weir.api.dataflow.BroadcastStream;
import io.weir.api.dataflow.Dataflow;
import io.weir.api.eventtime.WatermarkStrategy;
import io.weir.api.functions.Collector;
import io.weir.api.state.LongValueState;
import io.weir.api.state.LongValueStateDescriptor;
import io.weir.api.state.MapStateDescriptor;
import io.weir.engine.WeirContext;
import io.weir.engine.WeirJob;
import io.weir.engine.checkpoint.CheckpointSettings;
import io.weir.tools.common.Backends;
import io.weir.tools.io.CsvFileSink;
import io.weir.tools.io.PacedSourceReader;
import io.weir.tools.jobs.CsvEventReader;
import io.weir.tools.jobs.Event;
import io.weir.tools.jobs.EventCodec;

import java.nio.file.Path;
import java.util.Map;

/**
 * A keyed broadcast job, run in a child JVM by {@link GraphCrashProcessTest}: every 97th event of the input, read
 * by a second source, is broadcast as a rule (event id -> amount); per key, the sum of its amounts, and at the end
 * of input the key's sum with the number and total of the rules its instance holds ({@code totals.csv}). A rule
 * lost or a rule source replayed without its state shows in every row. Checkpoints every 40 ms.
 * <p>
 * Arguments: IN OUT_DIR CHECKPOINT_DIR BACKEND SHARDS RATE (events per second, 0 = unpaced).
 */
public final class BroadcastJob
{
    static final MapStateDescriptor<Long, Long> RULES =
        new MapStateDescriptor<>("rules", LongCodec.INSTANCE, LongCodec.INSTANCE);

    static final class SumWithRules extends KeyedBroadcastProcessFunction<Long, Event, Event, Event>
    {
        private final Event row = new Event();
        private LongValueState sum;

        public void open(final RuntimeContext runtimeContext)
        {
            sum = runtimeContext.getLongState(new LongValueStateDescriptor("sum"));
        }

        public void processElement(final Event value, final ReadOnlyContext ctx, final Collector<Event> out)
        {
            sum.update(sum.valueOr(0) + value.amount);
            ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE - 1);
        }

        public void processBroadcastElement(final Event value, final Context ctx, final Collector<Event> out)
        {
            ctx.getBroadcastState(RULES).put(value.eventId, value.amount);
        }

        public void onTimer(final long timestampMs, final OnTimerContext ctx, final Collector<Event> out)
        {
            long rules = 0;
            long total = 0;
            for (final Map.Entry<Long, Long> rule : ctx.getBroadcastState(RULES).immutableEntries())
            {
                rules++;
                total += rule.getValue();
            }
            out.collect(row.set(rules, ctx.getCurrentKey(), sum.valueOr(0), total));
        }
    }

    private BroadcastJob()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final Path in = Path.of(args[0]);
        final Path out = Path.of(args[1]);
        final long rate = Long.parseLong(args[5]);
        final Dataflow flow = Dataflow.named("broadcast");
        final BroadcastStream<Event> rules = flow.source("rules", EventCodec.INSTANCE,
                rate > 0 ? new PacedSourceReader<>(new CsvEventReader(in), rate) : new CsvEventReader(in))
            .timestamps(Event::timestamp, WatermarkStrategy.forBoundedOutOfOrderness(5_000))
            .filter(event -> event.eventId % 97 == 0)
            .broadcast(RULES);
        flow.source("events", EventCodec.INSTANCE,
                rate > 0 ? new PacedSourceReader<>(new CsvEventReader(in), rate) : new CsvEventReader(in))
            .timestamps(Event::timestamp, WatermarkStrategy.forBoundedOutOfOrderness(5_000))
            .keyBy(Event::key)
            .connect(rules)
            .process(SumWithRules::new).uid("sum-with-rules")
            .sinkTo(new CsvFileSink<>(out.resolve("totals.csv"), TwoStageJob::format));
        final WeirJob<Object, Object> job = new WeirContext()
            .shards(Integer.parseInt(args[4]))
            .stateBackend(Backends.create(args[3], null, false))
            .checkpoints(CheckpointSettings.every(Path.of(args[2]), 40))
            .log(System.out::println)
            .build(flow);
        try
        {
            job.start();
            job.awaitTermination();
        }
        finally
        {
            job.close();
        }
    }
}
