package io.weir.tools.jobs;

import io.weir.api.connector.SourceReader;
import io.weir.api.dataflow.DataStream;
import io.weir.api.dataflow.Dataflow;
import io.weir.api.eventtime.WatermarkStrategy;
import io.weir.api.functions.OutputTag;
import io.weir.api.window.TumblingEventTimeWindows;
import io.weir.engine.WeirContext;
import io.weir.engine.WeirJob;
import io.weir.tools.io.CsvFileSink;
import io.weir.tools.io.CsvLineWriter;
import io.weir.tools.io.LongRow;
import io.weir.tools.io.PacedSourceReader;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * The five reference jobs of docs/reference-jobs.md, wired from a CSV input to CSV outputs (plus {@code NAME.late.csv}
 * for the jobs that drop late events), and their stateless floor ({@link #STATELESS}), which only the bench runs.
 */
public final class ReferenceJobs
{
    public static final List<String> NAMES = List.of("rolling-sum", "dedup", "session", "tumbling", "velocity");
    /** Not a reference job: their floor, {@link EventRowFunction} keyed as rolling-sum is. */
    public static final String STATELESS = "stateless";
    public static final long DEFAULT_OUT_OF_ORDERNESS_MS = 5000;
    public static final long TUMBLING_SIZE_MS = 10_000;

    /** Late events of session, tumbling and velocity. */
    public static final OutputTag<Event> LATE = new OutputTag<>("late");

    private ReferenceJobs()
    {
    }

    public static boolean hasLateOutput(final String name)
    {
        return name.equals("session") || name.equals("tumbling") || name.equals("velocity");
    }

    /** {@code out.csv} &rarr; {@code out.late.csv}. */
    public static Path latePath(final Path out)
    {
        final String name = out.getFileName().toString();
        final String base = name.endsWith(".csv") ? name.substring(0, name.length() - 4) : name;
        return out.resolveSibling(base + ".late.csv");
    }

    /**
     * Wire a reference job (not started).
     *
     * @throws IllegalArgumentException for an unknown job name or an unusable option.
     */
    public static WeirJob<Object, Object> build(
        final String name, final Path in, final Path out, final long outOfOrdernessMs, final WeirContext context)
        throws IOException
    {
        return build(name, in, out, outOfOrdernessMs, context, 0);
    }

    /** @param sourceRate elements per second the input is read at (0 = as fast as possible). */
    public static WeirJob<Object, Object> build(
        final String name,
        final Path in,
        final Path out,
        final long outOfOrdernessMs,
        final WeirContext context,
        final long sourceRate)
        throws IOException
    {
        return context.build(dataflow(name, in, out, outOfOrdernessMs, sourceRate, context.log()));
    }

    /**
     * A reference job as a dataflow graph, for any runtime ({@code WeirContext}, or Flink's adapter): one CSV
     * reader of {@code in}, the job's keyed operator, its rows to {@code out} and, for the jobs that drop late
     * events, those to {@link #latePath}.
     *
     * @param log where the reader reports a skipped header.
     * @throws IllegalArgumentException for an unknown job name or an unusable option.
     */
    public static Dataflow dataflow(
        final String name,
        final Path in,
        final Path out,
        final long outOfOrdernessMs,
        final long sourceRate,
        final Consumer<String> log)
        throws IOException
    {
        if (!NAMES.contains(name) && !name.equals(STATELESS))
        {
            throw new IllegalArgumentException("unknown job '" + name + "'; jobs: " + String.join(", ", NAMES));
        }
        if (name.equals("session") && outOfOrdernessMs >= SessionFunction.GAP_MS - 1)
        {
            throw new IllegalArgumentException("the session job requires --out-of-order-ms < 29999, got " +
                outOfOrdernessMs);
        }
        final Dataflow flow = Dataflow.named(name);
        final SourceReader<Event> reader = sourceRate > 0 ?
            new PacedSourceReader<>(new CsvEventReader(in, log), sourceRate) : new CsvEventReader(in, log);
        final DataStream<Event> events = flow.source("source", EventCodec.INSTANCE, reader)
            .timestamps(Event::timestamp, WatermarkStrategy.forBoundedOutOfOrderness(outOfOrdernessMs));
        final CsvFileSink<Event> lateSink = new CsvFileSink<>(latePath(out), ReferenceJobs::formatEvent);
        switch (name)
        {
            case "rolling-sum":
                events.keyBy(Event::key).process(RollingSumFunction::new).uid(name).sinkTo(rows(out));
                break;
            case STATELESS:
                events.keyBy(Event::key).process(EventRowFunction::new).uid(name).sinkTo(rows(out));
                break;
            case "dedup":
                events.keyBy(Event::eventId).process(DedupFunction::new).uid(name)
                    .sinkTo(new CsvFileSink<>(out, ReferenceJobs::formatEvent));
                break;
            case "session":
            {
                final DataStream<LongRow> sessions =
                    events.keyBy(Event::key).process(() -> new SessionFunction(LATE)).uid(name);
                sessions.sinkTo(rows(out));
                sessions.getSideOutput(LATE).sinkTo(lateSink);
                break;
            }
            case "velocity":
            {
                final DataStream<LongRow> alerts =
                    events.keyBy(Event::key).process(() -> new VelocityFunction(LATE)).uid(name);
                alerts.sinkTo(rows(out));
                alerts.getSideOutput(LATE).sinkTo(lateSink);
                break;
            }
            case "tumbling":
            {
                final DataStream<LongRow> windows = events.keyBy(Event::key)
                    .window(TumblingEventTimeWindows.of(TUMBLING_SIZE_MS))
                    .sideOutputLateData(LATE)
                    .aggregate(new CountSum.Aggregate(), CountSum.Codec.INSTANCE, ReferenceJobs::emitWindow).uid(name);
                windows.sinkTo(rows(out));
                windows.getSideOutput(LATE).sinkTo(lateSink);
                break;
            }
            default:
                throw new IllegalStateException("unreachable: " + name);
        }
        return flow;
    }

    private static final ThreadLocal<LongRow> WINDOW_ROWS = ThreadLocal.withInitial(LongRow::new);

    private static void emitWindow(
        final Long key,
        final io.weir.api.window.TimeWindow window,
        final CountSum aggregate,
        final io.weir.api.functions.Collector<LongRow> out)
    {
        out.collect(WINDOW_ROWS.get().set(key, window.start(), window.end(), aggregate.count, aggregate.sum));
    }

    private static CsvFileSink<LongRow> rows(final Path out)
    {
        return new CsvFileSink<>(out, ReferenceJobs::formatRow);
    }

    static void formatRow(final LongRow row, final CsvLineWriter writer)
    {
        for (int i = 0; i < row.arity(); i++)
        {
            writer.field(row.value(i));
        }
        writer.endLine();
    }

    static void formatEvent(final Event event, final CsvLineWriter writer)
    {
        writer.field(event.timestamp).field(event.key).field(event.amount).field(event.eventId).endLine();
    }
}
