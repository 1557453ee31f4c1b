package io.weir.tools;

import io.weir.api.KeyedProcessFunction;
import io.weir.api.RuntimeContext;
import io.weir.api.dataflow.DataStream;
import io.weir.api.dataflow.Dataflow;
import io.weir.api.eventtime.WatermarkStrategy;
import io.weir.api.functions.Collector;
import io.weir.api.state.LongValueState;
import io.weir.api.state.LongValueStateDescriptor;
import io.weir.engine.WeirContext;
import io.weir.engine.WeirJob;
import io.weir.engine.checkpoint.CheckpointSettings;
import io.weir.tools.common.Backends;
import io.weir.tools.io.CsvFileSink;
import io.weir.tools.io.CsvLineWriter;
import io.weir.tools.io.PacedSourceReader;
import io.weir.tools.jobs.CsvEventReader;
import io.weir.tools.jobs.Event;
import io.weir.tools.jobs.EventCodec;

import java.nio.file.Path;

/**
 * A job of two keyed operators, run in a child JVM by {@link GraphCrashProcessTest}: per key the running sum of the
 * amounts ({@code sums.csv}), then, re-keyed by the running sum's last digit, each digit's total of those sums,
 * written at the end of input ({@code totals.csv}). Checkpoints every 40 ms.
 * <p>
 * Arguments: IN OUT_DIR CHECKPOINT_DIR BACKEND SHARDS RATE (events per second, 0 = unpaced).
 */
public final class TwoStageJob
{
    /** Per key, the running sum of its amounts, emitted with every event. */
    static final class RunningSum extends KeyedProcessFunction<Long, Event, Event>
    {
        private final Event row = new Event();
        private LongValueState sum;

        public void open(final RuntimeContext runtimeContext)
        {
            sum = runtimeContext.getLongState(new LongValueStateDescriptor("sum"));
        }

        public void processElement(final Event value, final Context ctx, final Collector<Event> out)
        {
            final long next = sum.valueOr(0) + value.amount;
            sum.update(next);
            out.collect(row.set(value.timestamp, value.key, next, value.eventId));
        }
    }

    /** Per digit, the total of the sums it received and how many, emitted by a timer at the end of input. */
    static final class DigitTotals extends KeyedProcessFunction<Long, Event, Event>
    {
        private final Event row = new Event();
        private LongValueState total;
        private LongValueState count;

        public void open(final RuntimeContext runtimeContext)
        {
            total = runtimeContext.getLongState(new LongValueStateDescriptor("total"));
            count = runtimeContext.getLongState(new LongValueStateDescriptor("count"));
        }

        public void processElement(final Event value, final Context ctx, final Collector<Event> out)
        {
            total.update(total.valueOr(0) + value.amount);
            count.update(count.valueOr(0) + 1);
            ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE - 1);
        }

        public void onTimer(final long timestampMs, final OnTimerContext ctx, final Collector<Event> out)
        {
            out.collect(row.set(0, ctx.getCurrentKey(), total.valueOr(0), count.valueOr(0)));
        }
    }

    private TwoStageJob()
    {
    }

    static void format(final Event event, final CsvLineWriter writer)
    {
        writer.field(event.timestamp).field(event.key).field(event.amount).field(event.eventId).endLine();
    }

    public static void main(final String[] args) throws Exception
    {
        final Path in = Path.of(args[0]);
        final Path out = Path.of(args[1]);
        final long rate = Long.parseLong(args[5]);
        final Dataflow flow = Dataflow.named("two-stage");
        final DataStream<Event> sums = flow.source("events", EventCodec.INSTANCE,
                rate > 0 ? new PacedSourceReader<>(new CsvEventReader(in), rate) : new CsvEventReader(in))
            .timestamps(Event::timestamp, WatermarkStrategy.forBoundedOutOfOrderness(5_000))
            .keyBy(Event::key)
            .process(RunningSum::new).uid("running-sum")
            .returns(EventCodec.INSTANCE);
        sums.sinkTo(new CsvFileSink<>(out.resolve("sums.csv"), TwoStageJob::format));
        sums.keyBy(event -> event.amount % 10)
            .process(DigitTotals::new).uid("digit-totals")
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
