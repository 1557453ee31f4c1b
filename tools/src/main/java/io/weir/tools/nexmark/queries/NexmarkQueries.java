package io.weir.tools.nexmark.queries;

import io.weir.api.connector.SourceReader;
import io.weir.api.dataflow.DataStream;
import io.weir.api.dataflow.Dataflow;
import io.weir.api.eventtime.WatermarkStrategy;
import io.weir.tools.io.CsvLineWriter;

import java.util.List;

/** The Nexmark queries by name, and the event source every query reads. */
public final class NexmarkQueries
{
    /** Every query, in the order of docs/nexmark.md. */
    public static final List<String> NAMES = List.of("q0", "q1", "q2", "q3", "q4", "q5", "q7", "q8", "q11");

    /** The time model: bounded out-of-orderness of 4 s (docs/nexmark.md, section 3). */
    public static final long OUT_OF_ORDERNESS_MS = 4_000;

    private NexmarkQueries()
    {
    }

    /** The query called {@code name}. */
    public static NexmarkQuery<?> named(final String name)
    {
        return switch (name)
        {
            case "q0" -> new Q0PassThrough();
            case "q1" -> new Q1CurrencyConversion();
            case "q2" -> new Q2Selection();
            case "q3" -> new Q3LocalItemSuggestion();
            case "q4" -> new Q4AveragePricePerCategory();
            case "q5" -> new Q5HotItems();
            case "q7" -> new Q7HighestBid();
            case "q8" -> new Q8MonitorNewUsers();
            case "q11" -> new Q11UserSessions();
            default -> throw new IllegalArgumentException("unknown query '" + name + "'; queries: " +
                String.join(", ", NAMES));
        };
    }

    /** The events of {@code reader} as a stream timestamped by {@code date_time}, watermarks 4 s behind. */
    public static DataStream<NexmarkEvent> events(final Dataflow flow, final SourceReader<NexmarkEvent> reader)
    {
        return flow.source("events", NexmarkEventCodec.INSTANCE, reader)
            .timestamps(NexmarkEvent::dateTime, WatermarkStrategy.forBoundedOutOfOrderness(OUT_OF_ORDERNESS_MS));
    }

    /** A row of longs as one CSV line. */
    static void writeLongs(final long[] row, final CsvLineWriter out)
    {
        for (final long field : row)
        {
            out.field(field);
        }
        out.endLine();
    }

    static boolean isBid(final NexmarkEvent event)
    {
        return event.kind() == NexmarkEvent.Kind.BID;
    }
}
